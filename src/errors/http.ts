/**
 * HTTP errors as values, named as in Werkzeug (`werkzeug.exceptions`).
 *
 * Throw one from a view or hook (or call {@link abort}) and Phial turns it into a response with
 * the status, a short safe message and every security header. 5xx messages are never taken from
 * the underlying error: the original error goes to the log only.
 *
 * @module
 */
import { STATUS_CODES } from 'node:http';

/** Options shared by every {@link HTTPException}. */
export interface HTTPExceptionOptions {
  /** Extra response headers, e.g. `Allow` for 405 or `Retry-After` for 429/503. */
  headers?: Record<string, string>;
  /** The error that caused this one; logged, never shown to the client. */
  cause?: unknown;
}

/**
 * Base class of every HTTP error. `code` is the status, `description` a short, safe sentence
 * shown in the error page (HTML-escaped there).
 *
 * @example
 * throw new HTTPException(418, "I'm a teapot.");
 */
export class HTTPException extends Error {
  readonly code: number;
  readonly description: string;
  readonly headers: Record<string, string>;

  constructor(code: number, description?: string, options: HTTPExceptionOptions = {}) {
    if (!Number.isInteger(code) || code < 400 || code > 599) {
      throw new RangeError(`HTTPException status must be an integer from 400 to 599, got ${String(code)}`);
    }
    super(description ?? defaultDescription(code), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = statusName(code).replace(/[^A-Za-z]/g, '') || 'HTTPException';
    this.code = code;
    this.description = description ?? defaultDescription(code);
    this.headers = options.headers ?? {};
  }
}

/** The reason phrase of a status (RFC 9110 §15), e.g. `Not Found`. */
export function statusName(code: number): string {
  return STATUS_CODES[code] ?? 'Unknown Status';
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'The browser (or proxy) sent a request that this server could not understand.',
  401: 'The server could not verify that you are authorized to access the URL requested.',
  403: "You don't have the permission to access the requested resource.",
  404: 'The requested URL was not found on the server.',
  405: 'The method is not allowed for the requested URL.',
  408: 'The server closed the network connection because the request took too long.',
  409: 'A conflict happened while processing the request.',
  410: 'The requested URL is no longer available on this server.',
  413: 'The data value transmitted exceeds the capacity limit.',
  414: 'The length of the requested URL exceeds the capacity limit for this server.',
  415: 'The server does not support the media type transmitted in the request.',
  422: 'The request was well-formed but was unable to be followed due to semantic errors.',
  429: 'This user has exceeded an allotted request count. Try again later.',
  431: 'One or more header fields exceeds the maximum size.',
  500: 'The server encountered an internal error and was unable to complete your request.',
  501: 'The server does not support the action requested by the browser.',
  502: 'The proxy server received an invalid response from an upstream server.',
  503: 'The server is temporarily unable to service your request. Please try again later.',
};

/** Werkzeug's standard sentence for a status (the reason phrase when there is none). */
export function defaultDescription(code: number): string {
  return DESCRIPTIONS[code] ?? statusName(code);
}

/** 400: the request is malformed. */
export class BadRequest extends HTTPException {
  constructor(description?: string, options?: HTTPExceptionOptions) { super(400, description, options); }
}
/** Where an invalid input was found. */
export type InputLocation = 'params' | 'query' | 'body' | 'form' | 'headers' | 'cookies';

/** One validation failure: the input location, the field path (dotted, `tags.0`), and the validator's message. */
export interface InputIssue {
  readonly location: InputLocation;
  readonly path: string;
  readonly message: string;
}

/**
 * 400 for input that a route's schema refused. The default error page lists every issue (as JSON
 * `issues`, or an escaped HTML list); messages come from the validator, never from the input.
 */
export class ValidationError extends BadRequest {
  readonly issues: readonly InputIssue[];
  constructor(issues: readonly InputIssue[], description = 'The request input is not valid.') {
    super(description);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}
/** 401: authentication is required. */
export class Unauthorized extends HTTPException {
  constructor(description?: string, options?: HTTPExceptionOptions) { super(401, description, options); }
}
/** 403: authenticated (or not) but not allowed. */
export class Forbidden extends HTTPException {
  constructor(description?: string, options?: HTTPExceptionOptions) { super(403, description, options); }
}
/** 404: no such resource (also what the router answers for an unmatched URL). */
export class NotFound extends HTTPException {
  constructor(description?: string, options?: HTTPExceptionOptions) { super(404, description, options); }
}
/**
 * 405: the URL exists but not for this method. Carries `Allow` (RFC 9110 §15.5.6 requires it).
 */
export class MethodNotAllowed extends HTTPException {
  readonly validMethods: readonly string[];
  constructor(validMethods: readonly string[], description?: string) {
    super(405, description, { headers: { allow: validMethods.join(', ') } });
    this.validMethods = validMethods;
  }
}
/** 408: the client was too slow. */
export class RequestTimeout extends HTTPException {
  constructor(description?: string, options?: HTTPExceptionOptions) { super(408, description, options); }
}
/** 409: conflict with the current state of the resource. */
export class Conflict extends HTTPException {
  constructor(description?: string, options?: HTTPExceptionOptions) { super(409, description, options); }
}
/** 413: the body is larger than the configured limit (`maxContentLength`). */
export class RequestEntityTooLarge extends HTTPException {
  constructor(description?: string, options?: HTTPExceptionOptions) { super(413, description, options); }
}
/** 415: the body's media type is not accepted by the route. */
export class UnsupportedMediaType extends HTTPException {
  constructor(description?: string, options?: HTTPExceptionOptions) { super(415, description, options); }
}
/** 422: well-formed but semantically invalid input. */
export class UnprocessableEntity extends HTTPException {
  constructor(description?: string, options?: HTTPExceptionOptions) { super(422, description, options); }
}
/** 429: rate limited; pass `Retry-After` in `headers`. */
export class TooManyRequests extends HTTPException {
  constructor(description?: string, options?: HTTPExceptionOptions) { super(429, description, options); }
}
/**
 * 500: an unexpected error. `originalError` is logged; the client sees only the generic text.
 */
export class InternalServerError extends HTTPException {
  readonly originalError: unknown;
  constructor(originalError?: unknown, description?: string) {
    super(500, description, { cause: originalError });
    this.originalError = originalError;
  }
}
/** 503: temporarily unavailable (e.g. shutting down). */
export class ServiceUnavailable extends HTTPException {
  constructor(description?: string, options?: HTTPExceptionOptions) { super(503, description, options); }
}

/**
 * Stops the request with an HTTP error, like Flask's `abort`.
 *
 * @param code - a status from 400 to 599
 * @param description - a short message shown to the client (escaped); defaults to Werkzeug's text
 * @throws {HTTPException} always
 * @example
 * if (!note) abort(404);
 */
export function abort(code: number, description?: string, options?: HTTPExceptionOptions): never {
  throw new HTTPException(code, description, options);
}
