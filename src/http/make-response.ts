/**
 * Turns what a view returned into a {@link Response}, following Flask's `make_response` rules:
 * string → HTML, bytes → octet-stream, plain object/array → JSON, `Response` as is, a Readable
 * or async iterable → streamed, a template → rendered HTML, and tuples `[body, status]`,
 * `[body, status, headers]`, `[body, headers]`. Returning undefined or null is an error (a view
 * must answer something), exactly as in Flask.
 *
 * @module
 */
import { Readable } from 'node:stream';
import { Response } from './response.ts';
import { SET_TRUSTED, type HeadersInit } from './headers.ts';
import { TemplateResult } from './template-result.ts';
import type { ViewBody, ViewReturn } from './view.ts';

/** Renders a template for the current request. */
export type TemplateRenderer = (t: TemplateResult) => Promise<string>;

const HTML = 'text/html; charset=utf-8';
const OCTETS = 'application/octet-stream';
const JSON_TYPE = 'application/json';

function typed(body: string | Uint8Array | Readable, contentType: string): Response {
  const res = new Response(body);
  res.headers[SET_TRUSTED]('content-type', contentType);
  return res;
}

/**
 * Converts a view's return value.
 * @throws {TypeError} for undefined/null or a value of no known shape (becomes a 500)
 */
export async function makeResponse(rv: ViewReturn, render: TemplateRenderer): Promise<Response> {
  if (typeof rv === 'string') return typed(rv, HTML);
  if (rv instanceof Response) return rv;
  if (Array.isArray(rv) && isTuple(rv)) {
    const [body, a, b] = rv as unknown as readonly [ViewBody, unknown, unknown];
    const res = await bodyToResponse(body, render);
    if (typeof a === 'number') {
      if (!Number.isInteger(a) || a < 100 || a > 599) throw new TypeError(`Invalid status in view tuple: ${a}`);
      res.status = a;
      if (b !== undefined) applyHeaders(res, b as HeadersInit);
    } else if (a !== undefined) {
      applyHeaders(res, a as HeadersInit);
    }
    return res;
  }
  return bodyToResponse(rv as ViewBody, render);
}

async function bodyToResponse(body: ViewBody, render: TemplateRenderer): Promise<Response> {
  if (typeof body === 'string') return typed(body, HTML);
  if (body instanceof Response) return body;
  if (body === undefined || body === null) {
    throw new TypeError('The view did not return a valid response: it returned ' + String(body) + '. Return a string, object, Response or tuple.');
  }
  if (body instanceof TemplateResult) return typed(await render(body), HTML);
  if (body instanceof Uint8Array) return typed(body, OCTETS);
  if (body instanceof Readable) return typed(body, OCTETS);
  if (typeof body === 'object' && isAsyncIterable(body) && !Array.isArray(body)) return typed(Readable.from(body), OCTETS);
  if (typeof body === 'object') return typed(JSON.stringify(body), JSON_TYPE);
  throw new TypeError(`The view returned a value of type ${typeof body}, which is not a response.`);
}

/**
 * True for values sent as JSON as they are: plain objects (or null-prototype ones) and arrays that
 * are not view tuples (see {@link isTuple}).
 */
export function isJsonData(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false;
  if (Array.isArray(x)) return !isTuple(x);
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * JS arrays are both Flask's lists (JSON) and its tuples, so the rule is explicit: an array is a
 * tuple when it has 2–3 elements and its second is an integer status (100–599), or when it has 2
 * elements, the first is a non-JSON body (string, bytes, Response, template, stream) and the
 * second a plain object (headers). Every other array is JSON. `Response.json(arr)` always sends
 * JSON.
 */
export function isTuple(arr: readonly unknown[]): boolean {
  if (arr.length < 2 || arr.length > 3) return false;
  const second = arr[1];
  if (typeof second === 'number') return Number.isInteger(second) && second >= 100 && second <= 599;
  if (arr.length !== 2 || typeof second !== 'object' || second === null || Array.isArray(second)) return false;
  const first = arr[0];
  return typeof first === 'string' || first instanceof Uint8Array || first instanceof Response
    || first instanceof TemplateResult || first instanceof Readable;
}

function applyHeaders(res: Response, headers: HeadersInit): void {
  if (isIterable(headers)) {
    for (const [k, v] of headers) res.headers.set(k, v);
    return;
  }
  for (const k of Object.keys(headers)) {
    const v = headers[k]!;
    if (Array.isArray(v)) { res.headers.delete(k); for (const item of v as readonly string[]) res.headers.append(k, item); }
    else res.headers.set(k, String(v));
  }
}

function isAsyncIterable(x: object): x is AsyncIterable<string | Uint8Array> {
  return typeof (x as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function isIterable(x: unknown): x is Iterable<readonly [string, string]> {
  return typeof x === 'object' && x !== null && typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}
