/**
 * Shared types of views, hooks and error handlers.
 * @module
 */
import type { Readable } from 'node:stream';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { BodyLimits } from './body/limits.ts';
import type { Request } from './request.ts';
import type { Response } from './response.ts';
import type { HeadersInit } from './headers.ts';
import type { SecurityHeaderOptions } from '../security/headers.ts';
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

/**
 * A view function. `P` is inferred from the rule (`<int:id>` gives `{ id: number }`) or from a
 * `params` schema; `V` is the type of `req.valid`, from the route's other schemas.
 */
export type View<P = Record<string, unknown>, V = unknown> = (req: Request<P, V>) => ViewReturn | Promise<ViewReturn>;

/**
 * Validators for a route's inputs: any [Standard Schema](https://standardschema.dev) validator
 * (zod 4, valibot 1, arktype 2, …). Each runs before the before-request hooks and the view (the `validation` step);
 * a failure is a 400 {@link ValidationError} listing every issue by location and field path.
 *
 * - `params`: the URL variables after their converters (`<int:id>` is already a number).
 * - `query`: the query string, parsed with bracket nesting (`a[b]=1` → `{ a: { b: '1' } }`,
 *   repeated keys → arrays) under the body limits' depth and count caps.
 * - `body`: a JSON body. The route then accepts only JSON (`application/json`, `+json`): 415 otherwise.
 * - `form`: the fields of an `application/x-www-form-urlencoded` or `multipart/form-data` body,
 *   parsed like `query`; uploaded files stay in `req.files()`. The route accepts only those two types.
 * - `headers`: request headers, lower-case names (Node's parsed form).
 * - `cookies`: the parsed `Cookie` header, name → value.
 */
export interface RouteSchemas {
  params?: StandardSchemaV1;
  query?: StandardSchemaV1;
  body?: StandardSchemaV1;
  form?: StandardSchemaV1;
  headers?: StandardSchemaV1;
  cookies?: StandardSchemaV1;
}

/** The input locations validated into `req.valid`. */
export type ValidLocation = 'query' | 'body' | 'form' | 'headers' | 'cookies';

/** The type of `req.valid` for a route's schemas: each schema's output under its location. */
export type ValidatedInputs<S> = {
  [K in keyof S & ValidLocation]: S[K] extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S[K]> : never;
};

/** The type of `req.params`: the `params` schema's output when there is one, else the rule's. */
export type ParamsOf<RuleParams, S> = S extends { params: StandardSchemaV1 } ? StandardSchemaV1.InferOutput<S['params']> : RuleParams;

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
  /**
   * `false` exempts the route from CSRF protection (an API authenticated by a bearer token, a
   * webhook with its own signature). Listed by `phial routes`. Default: protected.
   */
  csrf?: false;
  /** Validators for the route's inputs; see {@link RouteSchemas}. */
  schema?: RouteSchemas;
  /**
   * Media types (essences such as `application/json`, or `type/*`) the route accepts for a request
   * body; any other body gets 415 before the view runs. Default: JSON for a `body` schema, the two
   * form types for a `form` schema, otherwise any type.
   */
  accepts?: readonly string[];
  /**
   * Body limits for this route, field by field over the app's `bodyLimits` (e.g. a bigger
   * `maxContentLength` for uploads, which also raises `maxFileSize` unless that is set too).
   */
  bodyLimits?: Partial<BodyLimits>;
}
