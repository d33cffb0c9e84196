/**
 * Shared types of views, hooks and error handlers.
 * @module
 */
import type { Readable } from 'node:stream';
import type { Request } from './http/request.ts';
import type { Response } from './http/response.ts';
import type { HeadersInit } from './http/headers.ts';
import type { SecurityHeaderOptions } from './security/headers.ts';
import type { TemplateResult } from './template-result.ts';

/** A body a view may return on its own or as the first element of a tuple. */
export type ViewBody =
  | string
  | Uint8Array
  | Response
  | Readable
  | TemplateResult
  | AsyncIterable<string | Uint8Array>
  | JsonBody;

/** Plain objects and arrays are sent as JSON (Flask's dict/list rule). */
export type JsonBody = { readonly [key: string]: unknown } | readonly unknown[];

/**
 * What a view returns, as in Flask: a body, a `Response`, or a tuple
 * `[body, status]`, `[body, status, headers]` or `[body, headers]`.
 */
export type ViewReturn =
  | ViewBody
  | readonly [ViewBody, number]
  | readonly [ViewBody, number, HeadersInit]
  | readonly [ViewBody, HeadersInit];

/** A view function. `P` is inferred from the rule (`<int:id>` gives `{ id: number }`). */
export type View<P = Record<string, unknown>> = (req: Request<P>) => ViewReturn | Promise<ViewReturn>;

/**
 * Runs before the view. Returning anything but undefined stops the request and that value becomes
 * the response (Flask's `before_request`).
 */
export type BeforeRequestHook = (req: Request) => ViewReturn | void | Promise<ViewReturn | void>;

/** Runs after the view with its response; may return a replacement (Flask's `after_request`). */
export type AfterRequestHook = (res: Response, req: Request) => Response | void | Promise<Response | void>;

/** Runs after the response is written, with the error if one happened (Flask's `teardown_request`). */
export type TeardownRequestHook = (req: Request, error: unknown) => void | Promise<void>;

/** Handles an error of a status code or class and returns a response value. */
export type ErrorHandler<E = unknown> = (error: E, req: Request) => ViewReturn | Promise<ViewReturn>;

/** A constructor of errors, used to register class-based error handlers. */
export type ErrorClass<E = unknown> = abstract new (...args: never[]) => E;

/** Per-route options. */
export interface RouteOptions {
  /** Endpoint name for `urlFor` (default: the view function's name, else the rule). No dots. */
  endpoint?: string;
  /** Methods the rule answers (default `['GET']`); HEAD follows GET, OPTIONS is automatic. */
  methods?: readonly string[];
  /** Redirect `/x` to `/x/` when the rule ends in a slash (default true, Werkzeug's rule). */
  strictSlashes?: boolean;
  /** Changes to the security headers for this route, field by field; `false` removes one. */
  securityHeaders?: SecurityHeaderOptions;
}
