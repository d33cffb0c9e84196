/**
 * The response a view returns (or that Phial builds from a view's return value).
 *
 * Like Werkzeug's `Response`: a status, headers and a body. The body is a string (UTF-8), bytes,
 * a Node `Readable` or any async iterable of strings/bytes (streamed), or null. Security headers
 * are not stored here: they are added from the app's precomputed block when the response is
 * written, so every response carries them, error pages included.
 *
 * @module
 */
import { Readable } from 'node:stream';
import { ResponseHeaders, type HeadersInit } from './headers.ts';
import type { SecurityHeaderOptions } from '../security/headers.ts';

/** A response body. */
export type ResponseBody = string | Uint8Array | Readable | AsyncIterable<string | Uint8Array> | null;

/** Options for {@link Response}. */
export interface ResponseInit {
  /** HTTP status, 100–599 (default 200). */
  status?: number;
  /** Initial headers; values are validated (no CR/LF/NUL). */
  headers?: HeadersInit;
  /** Shortcut for the `content-type` header. */
  contentType?: string;
}

/**
 * An HTTP response.
 *
 * @example
 * return new Response('Hello', { headers: { 'content-type': 'text/plain; charset=utf-8' } });
 * @throws {RangeError} for a status outside 100–599
 * @throws {HeaderValueError} for an invalid header
 */
export class Response {
  status: number;
  readonly headers: ResponseHeaders;
  body: ResponseBody;
  /**
   * Per-response changes to the security headers (e.g. a relaxed CSP for one page). Field by field
   * these override the route's and the app's settings.
   */
  securityHeaders: SecurityHeaderOptions | undefined;

  constructor(body: ResponseBody = null, init: ResponseInit = {}) {
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new RangeError(`Response status must be an integer from 100 to 599, got ${String(status)}`);
    }
    this.status = status;
    this.body = body;
    this.headers = new ResponseHeaders(init.headers);
    if (init.contentType !== undefined) this.headers.set('content-type', init.contentType);
    this.securityHeaders = undefined;
  }

  /** The `content-type` header, if set. */
  get contentType(): string | undefined { return this.headers.get('content-type'); }

  /** True when the body is streamed rather than sent in one piece. */
  get isStreamed(): boolean {
    const b = this.body;
    return b !== null && typeof b !== 'string' && !(b instanceof Uint8Array);
  }

  /**
   * Builds a JSON response (`application/json`).
   * @throws {TypeError} when the value cannot be serialised (cycles, BigInt).
   */
  static json(value: unknown, init: ResponseInit = {}): Response {
    const r = new Response(JSON.stringify(value), init);
    if (!r.headers.has('content-type')) r.headers.set('content-type', 'application/json');
    return r;
  }

  /** Builds a `text/plain; charset=utf-8` response. */
  static text(value: string, init: ResponseInit = {}): Response {
    const r = new Response(value, init);
    if (!r.headers.has('content-type')) r.headers.set('content-type', 'text/plain; charset=utf-8');
    return r;
  }

  /** Builds a streamed response from an async iterable or a Readable. */
  static stream(source: Readable | AsyncIterable<string | Uint8Array>, init: ResponseInit = {}): Response {
    return new Response(source instanceof Readable ? source : Readable.from(source), init);
  }
}
