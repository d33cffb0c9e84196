/**
 * Response header storage with validation on write.
 *
 * A header name must be an RFC 9110 token; a value must hold only HTAB, visible ASCII, space and
 * obs-text (the same set Node's `writeHead` accepts). CR, LF and NUL are refused here, at `set`
 * time, so a response whose headers were built from request data fails inside the view (a clean
 * 500 or the app's 400) instead of splitting the response (case C13, CWE-113).
 *
 * @module
 */
import { PhialError } from '../errors/phial-error.ts';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Key of {@link ResponseHeaders}' unvalidated setter. A symbol no public entry exports, so app code
 * cannot reach a way around the header checks; declared in the typings only because the class
 * names it.
 */
export const SET_TRUSTED: unique symbol = Symbol('phial.headers.setTrusted');

/** Thrown when a header name or value would be unsafe to write. */
export class HeaderValueError extends PhialError {
  declare readonly code: 'PHIAL_E_HEADER_VALUE';
  constructor(message: string) { super('PHIAL_E_HEADER_VALUE', message); }
}

/**
 * Checks a header name and value.
 * @throws {HeaderValueError} when the name is not a token or the value contains CR, LF, NUL or
 *   another control character.
 */
export function assertHeader(name: string, value: string): void {
  if (!TOKEN.test(name)) throw new HeaderValueError(`Invalid header name: ${JSON.stringify(name.slice(0, 64))}`);
  if (INVALID_VALUE.test(value)) {
    throw new HeaderValueError(`Invalid character in the value of header ${name} (CR, LF, NUL and other controls are refused)`);
  }
}

/** Anything accepted as initial headers. */
export type HeadersInit = Record<string, string | number | readonly string[]> | Iterable<readonly [string, string]>;

/**
 * Case-insensitive response headers. Names are stored lower-case (what HTTP/2 requires and what
 * Node writes fastest). Multi-valued headers (`set-cookie`) keep one entry per value.
 */
export class ResponseHeaders {
  /** lower-case name → value(s) */
  private readonly map = new Map<string, string | string[]>();

  constructor(init?: HeadersInit) {
    if (!init) return;
    if (isIterable(init)) {
      for (const [k, v] of init) this.append(k, v);
    } else {
      for (const k of Object.keys(init)) {
        const v = init[k]!;
        if (Array.isArray(v)) for (const item of v as readonly string[]) this.append(k, item);
        else this.set(k, String(v));
      }
    }
  }

  /** Replaces every value of `name`. @throws {HeaderValueError} */
  set(name: string, value: string | number): this {
    const v = String(value);
    assertHeader(name, v);
    this.map.set(name.toLowerCase(), v);
    return this;
  }

  /** Adds a value (e.g. a second `Set-Cookie`). @throws {HeaderValueError} */
  append(name: string, value: string | number): this {
    const v = String(value);
    assertHeader(name, v);
    const key = name.toLowerCase();
    const cur = this.map.get(key);
    if (cur === undefined) this.map.set(key, v);
    else if (Array.isArray(cur)) cur.push(v);
    else this.map.set(key, [cur, v]);
    return this;
  }

  /** The first value, or undefined. */
  get(name: string): string | undefined {
    const v = this.map.get(name.toLowerCase());
    return Array.isArray(v) ? v[0] : v;
  }

  /** Every value of `name`. */
  getAll(name: string): string[] {
    const v = this.map.get(name.toLowerCase());
    return v === undefined ? [] : Array.isArray(v) ? [...v] : [v];
  }

  has(name: string): boolean { return this.map.has(name.toLowerCase()); }

  /** @internal Whether any stored name is in `names` (lower-case). */
  hasAnyOf(names: ReadonlySet<string>): boolean {
    for (const k of this.map.keys()) if (names.has(k)) return true;
    return false;
  }

  /**
   * @internal Sets a header the framework built from constants (no validation: the value is
   * known to be safe). Never call it with request data.
   */
  [SET_TRUSTED](lowerName: string, value: string): this {
    this.map.set(lowerName, value);
    return this;
  }
  delete(name: string): boolean { return this.map.delete(name.toLowerCase()); }
  get size(): number { return this.map.size; }

  /** Appends `[name, value, …]` pairs to `out` (the flat form `writeHead` takes). */
  flattenInto(out: string[]): void {
    for (const [k, v] of this.map) {
      if (Array.isArray(v)) for (const item of v) out.push(k, item);
      else out.push(k, v);
    }
  }

  /** `[name, value]` entries, one per value. */
  *entries(): IterableIterator<[string, string]> {
    for (const [k, v] of this.map) {
      if (Array.isArray(v)) for (const item of v) yield [k, item];
      else yield [k, v];
    }
  }

  [Symbol.iterator](): IterableIterator<[string, string]> { return this.entries(); }
}

function isIterable(x: unknown): x is Iterable<readonly [string, string]> {
  return typeof x === 'object' && x !== null && typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}
