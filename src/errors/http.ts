/**
 * HTTP errors as values, named as in Werkzeug (`werkzeug.exceptions`).
 *
 * Throw one from a view or hook (or call {@link abort}) and Phial turns it into a response with
 * the status, a short safe message and every security header. 5xx messages are never taken from
 * the underlying error: the original error goes to the log only.
 *
 * One class per status, as Werkzeug's `default_exceptions`: `abort(404)` and
 * `new HTTPException(404)` both give a {@link NotFound}, so `instanceof NotFound` and an error
 * handler registered for `NotFound` see every 404 however it was raised.
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

/** An HTTP exception class; `status` is the code it stands for (absent on the base class). */
export type HTTPExceptionClass = (abstract new (...args: never[]) => HTTPException) & { readonly status?: number };

/** Builds the default exception of one status from `abort()`-style arguments. */
type Make = (description: string | undefined, options: HTTPExceptionOptions) => HTTPException;

const MAKERS = new Map<number, Make>();
const CLASSES = new Map<number, HTTPExceptionClass>();

function assertStatus(status: number): void {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new RangeError(`HTTPException status must be an integer from 400 to 599, got ${String(status)}`);
  }
}

/**
 * Base class of every HTTP error. `status` is the status code, `description` a short, safe
 * sentence shown in the error page (HTML-escaped there).
 *
 * `new HTTPException(status)` for a status that has a Werkzeug class returns an instance of that
 * class (`new HTTPException(404) instanceof NotFound`); other statuses (e.g. 499) stay plain
 * `HTTPException`s.
 *
 * @example
 * throw new HTTPException(418, "I'm a teapot."); // an ImATeapot
 */
export class HTTPException extends Error {
  /** The status a subclass stands for (Werkzeug's class attribute `code`); `undefined` here. */
  static readonly status: number | undefined = undefined;

  /** The status code, 400–599. */
  readonly status!: number;
  readonly description!: string;
  readonly headers!: Record<string, string>;

  /**
   * @param status - an integer from 400 to 599
   * @param description - the client-facing sentence; defaults to Werkzeug's text for the status
   * @throws {RangeError} for a status outside 400–599
   */
  constructor(status: number, description?: string, options: HTTPExceptionOptions = {}) {
    assertStatus(status);
    const make = new.target === HTTPException ? MAKERS.get(status) : undefined;
    if (make !== undefined) return make(description, options);
    super(description ?? defaultDescription(status), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target === HTTPException ? statusName(status).replace(/[^A-Za-z]/g, '') || 'HTTPException' : new.target.name;
    this.status = status;
    this.description = description ?? defaultDescription(status);
    this.headers = options.headers ?? {};
  }

  /** The status code; Werkzeug's name for {@link status}. */
  get code(): number {
    return this.status;
  }
}

/** The reason phrase of a status (RFC 9110 §15), e.g. `Not Found`. */
export function statusName(code: number): string {
  return STATUS_CODES[code] ?? 'Unknown Status';
}

// Werkzeug's sentences, shortened where they address a browser user or hold HTML.
const DESCRIPTIONS: Record<number, string> = {
  400: 'The browser (or proxy) sent a request that this server could not understand.',
  401: 'The server could not verify that you are authorized to access the URL requested.',
  403: "You don't have the permission to access the requested resource.",
  404: 'The requested URL was not found on the server.',
  405: 'The method is not allowed for the requested URL.',
  406: 'The resource identified by the request is only capable of generating response entities which have content characteristics not acceptable according to the accept headers sent in the request.',
  408: 'The server closed the network connection because the request took too long.',
  409: 'A conflict happened while processing the request.',
  410: 'The requested URL is no longer available on this server.',
  411: 'A request with this method requires a valid Content-Length header.',
  412: 'The precondition on the request for the URL failed positive evaluation.',
  413: 'The data value transmitted exceeds the capacity limit.',
  414: 'The length of the requested URL exceeds the capacity limit for this server.',
  415: 'The server does not support the media type transmitted in the request.',
  416: 'The server cannot provide the requested range.',
  417: 'The server could not meet the requirements of the Expect header.',
  418: 'This server is a teapot, not a coffee machine.',
  421: 'The server is not able to produce a response.',
  422: 'The request was well-formed but was unable to be followed due to semantic errors.',
  423: 'The resource that is being accessed is locked.',
  424: 'The method could not be performed on the resource because the requested action depended on another action and that action failed.',
  428: 'This request is required to be conditional; try using "If-Match" or "If-Unmodified-Since".',
  429: 'This user has exceeded an allotted request count. Try again later.',
  431: 'One or more header fields exceeds the maximum size.',
  451: 'Unavailable for legal reasons.',
  500: 'The server encountered an internal error and was unable to complete your request.',
  501: 'The server does not support the action requested by the browser.',
  502: 'The proxy server received an invalid response from an upstream server.',
  503: 'The server is temporarily unable to service your request. Please try again later.',
  504: 'The connection to an upstream server timed out.',
  505: 'The server does not support the HTTP protocol version used in the request.',
};

/** Werkzeug's standard sentence for a status (the reason phrase when there is none). */
export function defaultDescription(code: number): string {
  return DESCRIPTIONS[code] ?? statusName(code);
}

/**
 * Records `cls` as the class of `cls.status` (Werkzeug's `default_exceptions`), built from
 * `abort()` arguments by `make` (default: `new cls(description, options)`).
 */
function register(cls: HTTPExceptionClass & { readonly status: number }, make?: Make): void {
  CLASSES.set(cls.status, cls);
  MAKERS.set(cls.status, make ?? ((d, o) => new (cls as unknown as new (d?: string, o?: HTTPExceptionOptions) => HTTPException)(d, o)));
}

/** The base of the classes whose constructor is `(description?, options?)`. */
abstract class Simple extends HTTPException {
  constructor(description?: string, options?: HTTPExceptionOptions) {
    super((new.target as unknown as { status: number }).status, description, options);
  }
}

/** 400: the request is malformed. */
export class BadRequest extends Simple { static override readonly status: number = 400; }
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
/** 401: authentication is required; pass `WWW-Authenticate` in `headers`. */
export class Unauthorized extends Simple { static override readonly status: number = 401; }
/** 403: authenticated (or not) but not allowed. */
export class Forbidden extends Simple { static override readonly status: number = 403; }
/** 404: no such resource (also what the router answers for an unmatched URL). */
export class NotFound extends Simple { static override readonly status: number = 404; }
/**
 * 405: the URL exists but not for this method. Carries `Allow` when `validMethods` is not empty
 * (RFC 9110 §15.5.6 requires it; Werkzeug adds it the same way).
 */
export class MethodNotAllowed extends HTTPException {
  static override readonly status: number = 405;
  readonly validMethods: readonly string[];
  constructor(validMethods: readonly string[] = [], description?: string, options: HTTPExceptionOptions = {}) {
    const allow: Record<string, string> = validMethods.length > 0 ? { allow: validMethods.join(', ') } : {};
    super(405, description, { ...options, headers: { ...allow, ...options.headers } });
    this.validMethods = validMethods;
  }
}
/** 406: no representation matches the request's `Accept` headers. */
export class NotAcceptable extends Simple { static override readonly status: number = 406; }
/** 408: the client was too slow. */
export class RequestTimeout extends Simple { static override readonly status: number = 408; }
/** 409: conflict with the current state of the resource. */
export class Conflict extends Simple { static override readonly status: number = 409; }
/** 410: the resource existed and is gone for good. */
export class Gone extends Simple { static override readonly status: number = 410; }
/** 411: the method needs a `Content-Length`. */
export class LengthRequired extends Simple { static override readonly status: number = 411; }
/** 412: an `If-Match` / `If-Unmodified-Since` precondition failed. */
export class PreconditionFailed extends Simple { static override readonly status: number = 412; }
/** 413: the body is larger than the configured limit (`maxContentLength`). */
export class RequestEntityTooLarge extends Simple { static override readonly status: number = 413; }
/** 414: the URL is too long. */
export class RequestURITooLarge extends Simple { static override readonly status: number = 414; }
/** 415: the body's media type is not accepted by the route. */
export class UnsupportedMediaType extends Simple { static override readonly status: number = 415; }
/** Options of {@link RequestedRangeNotSatisfiable}. */
export interface RangeNotSatisfiableOptions extends HTTPExceptionOptions {
  /** The resource's length in `units`: sets `Content-Range` to the unit, an asterisk, a slash and the length (RFC 9110 §14.4). */
  length?: number;
  /** Range unit of `Content-Range`. Default `'bytes'`. */
  units?: string;
}
/** 416: the `Range` asked for lies outside the resource. */
export class RequestedRangeNotSatisfiable extends HTTPException {
  static override readonly status: number = 416;
  readonly length: number | undefined;
  constructor(description?: string, options: RangeNotSatisfiableOptions = {}) {
    const { length, units = 'bytes', ...rest } = options;
    const range: Record<string, string> = length === undefined ? {} : { 'content-range': `${units} */${length}` };
    super(416, description, { ...rest, headers: { ...range, ...rest.headers } });
    this.length = length;
  }
}
/** 417: the server cannot meet the request's `Expect`. */
export class ExpectationFailed extends Simple { static override readonly status: number = 417; }
/** 418: RFC 2324. */
export class ImATeapot extends Simple { static override readonly status: number = 418; }
/** 421: the request reached a server that cannot answer for its authority. */
export class MisdirectedRequest extends Simple { static override readonly status: number = 421; }
/** 422: well-formed but semantically invalid input. */
export class UnprocessableEntity extends Simple { static override readonly status: number = 422; }
/** 423: the resource is locked (WebDAV). */
export class Locked extends Simple { static override readonly status: number = 423; }
/** 424: an action this one depended on failed (WebDAV). */
export class FailedDependency extends Simple { static override readonly status: number = 424; }
/** 428: the request must be conditional (`If-Match`), against lost updates. */
export class PreconditionRequired extends Simple { static override readonly status: number = 428; }
/** 429: rate limited; pass `Retry-After` in `headers`. */
export class TooManyRequests extends Simple { static override readonly status: number = 429; }
/** 431: a header field, or all of them, too large. */
export class RequestHeaderFieldsTooLarge extends Simple { static override readonly status: number = 431; }
/** 451: refused for legal reasons. */
export class UnavailableForLegalReasons extends Simple { static override readonly status: number = 451; }
/**
 * 500: an unexpected error. `originalError` is logged; the client sees only the generic text.
 */
export class InternalServerError extends HTTPException {
  static override readonly status: number = 500;
  readonly originalError: unknown;
  constructor(originalError?: unknown, description?: string, options: Omit<HTTPExceptionOptions, 'cause'> = {}) {
    super(500, description, { ...options, cause: originalError });
    this.originalError = originalError;
  }
}
/** 501: the server does not support the requested action. */
export class NotImplemented extends Simple { static override readonly status: number = 501; }
/** 502: the upstream answered with something invalid. */
export class BadGateway extends Simple { static override readonly status: number = 502; }
/** 503: temporarily unavailable (e.g. shutting down); pass `Retry-After` in `headers`. */
export class ServiceUnavailable extends Simple { static override readonly status: number = 503; }
/** 504: the upstream did not answer in time. */
export class GatewayTimeout extends Simple { static override readonly status: number = 504; }
/** 505: only HTTP/1.0 and HTTP/1.1 are served. */
export class HTTPVersionNotSupported extends Simple { static override readonly status: number = 505; }

for (const cls of [
  BadRequest, Unauthorized, Forbidden, NotFound, NotAcceptable, RequestTimeout, Conflict, Gone, LengthRequired,
  PreconditionFailed, RequestEntityTooLarge, RequestURITooLarge, UnsupportedMediaType, RequestedRangeNotSatisfiable,
  ExpectationFailed, ImATeapot, MisdirectedRequest, UnprocessableEntity, Locked, FailedDependency, PreconditionRequired,
  TooManyRequests, RequestHeaderFieldsTooLarge, UnavailableForLegalReasons, NotImplemented, BadGateway, ServiceUnavailable,
  GatewayTimeout, HTTPVersionNotSupported,
]) register(cls);
register(MethodNotAllowed, (d, o) => new MethodNotAllowed([], d, o));
register(InternalServerError, (d, { cause, ...o }) => new InternalServerError(cause, d, o));

/**
 * Werkzeug's `default_exceptions`: status → the class `abort(status)` raises, for every status
 * that has one (400–418, 421–424, 428, 429, 431, 451, 500–505). Read-only.
 */
export const defaultExceptions: ReadonlyMap<number, HTTPExceptionClass> = CLASSES;

/**
 * Stops the request with an HTTP error, like Flask's `abort`: raises the Werkzeug class of the
 * status (`abort(404)` throws a {@link NotFound}), or a plain {@link HTTPException} for a status
 * without one.
 *
 * @param code - a status from 400 to 599
 * @param description - a short message shown to the client (escaped); defaults to Werkzeug's text
 * @throws {HTTPException} always; {@link RangeError} for a status outside 400–599
 * @example
 * if (!note) abort(404);
 */
export function abort(code: number, description?: string, options?: HTTPExceptionOptions): never {
  throw new HTTPException(code, description, options);
}
