/**
 * Flask's tagged JSON (FL:src/flask/json/tag.py `TaggedJSONSerializer`), the payload format of
 * Flask session cookies, in both directions.
 *
 * JSON has no bytes, dates or tuples, so Flask wraps such values in a one-key object whose key is
 * a tag starting with a space: `{" b": "AP8="}`. Encoding checks tags in Flask's order (dict with
 * a tag-like key, dict, tuple, list, bytes, Markup, UUID, datetime); decoding walks the value
 * bottom-up and unwraps any object whose single key is a registered tag.
 *
 * | JS value | tag | JSON |
 * |---|---|---|
 * | {@link tuple}`(…)` (a frozen array marked as a tuple) | `" t"` | list of tagged items |
 * | `Uint8Array` / `Buffer` | `" b"` | **standard** base64 with padding |
 * | {@link Markup}, or any object with an `__html__()` method | `" m"` | the HTML string |
 * | {@link Uuid} | `" u"` | 32 lower-case hex digits |
 * | `Date` | `" d"` | IMF-fixdate `"Tue, 02 Jan 2024 03:04:05 GMT"`: **second precision** |
 * | plain object whose one key is a tag name | `" di"` | `{"<key>__": tagged}` |
 *
 * The text is what Flask writes inside an app context: compact separators, keys sorted by code
 * point, non-ASCII escaped as `\uXXXX`, floats in Python's notation (Python
 * `json.dumps(sort_keys=True, ensure_ascii=True)`), so Phial and Flask write the same JSON text for
 * the same data.
 *
 * Not carried over: Python ints beyond 2^53 (read as the nearest double), `NaN`/`Infinity`
 * (refused both ways), Python's `date` without time (Flask writes it as an untagged string).
 *
 * @module
 */

/** Deepest nesting encoded or decoded; deeper data is refused (and cycles stop here). */
export const MAX_TAGGED_DEPTH = 100;

/** The names of Flask's registered tags (`TaggedJSONSerializer.tags`). */
const TAG_NAMES: ReadonlySet<string> = new Set([' di', ' t', ' b', ' m', ' u', ' d']);

/**
 * An HTML string that is already safe, Flask/MarkupSafe's `Markup`: tagged `" m"` so a Flask app
 * reading the session gets a `Markup` back. Phial's templates still escape it unless the
 * template says `| raw`: a session value is never trusted HTML by default.
 */
export class Markup {
  /** The HTML text. */
  readonly html: string;
  constructor(html: string) {
    if (typeof html !== 'string') throw new TypeError(`Markup expects a string, got ${typeof html}`);
    this.html = html;
  }
  /** The MarkupSafe protocol: the HTML text. */
  __html__(): string { return this.html; }
  toString(): string { return this.html; }
  toJSON(): string { return this.html; }
}

/**
 * A UUID, Python's `uuid.UUID`: tagged `" u"` as 32 hex digits. Accepts the spellings Python's
 * `UUID(hex)` accepts: hex with or without dashes and braces, optionally prefixed `urn:uuid:`.
 *
 * @throws {TypeError} when the text is not 32 hex digits after removing those decorations
 * @example new Uuid('12345678-1234-5678-1234-567812345678').hex // '12345678123456781234567812345678'
 */
export class Uuid {
  /** 32 lower-case hex digits. */
  readonly hex: string;
  constructor(text: string) {
    const hex = typeof text === 'string'
      ? text.replace('urn:', '').replace('uuid:', '').replace(/^\{+|\}+$/g, '').replaceAll('-', '').toLowerCase()
      : '';
    if (!/^[0-9a-f]{32}$/.test(hex)) throw new TypeError(`not a UUID: ${JSON.stringify(String(text).slice(0, 60))}`);
    this.hex = hex;
  }
  /** The canonical dashed form, `8-4-4-4-12`. */
  toString(): string {
    const h = this.hex;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  toJSON(): string { return this.toString(); }
}

const tuples = new WeakSet<readonly unknown[]>();

/**
 * A Python tuple: a frozen array that tagged JSON writes as `{" t": [...]}`. Tuples decoded from a
 * session come back as such frozen arrays, so they round-trip as tuples.
 *
 * @example session.set('point', tuple(1, 2)) // Flask reads (1, 2)
 */
export function tuple<T extends unknown[]>(...items: T): Readonly<T> {
  const t = Object.freeze(items);
  tuples.add(t);
  return t;
}

/** True for arrays made by {@link tuple} or decoded from a `" t"` tag. */
export function isTuple(value: unknown): value is readonly unknown[] {
  return Array.isArray(value) && tuples.has(value);
}

/** Tagged JSON that does not decode: bad JSON, a malformed tag, or nesting too deep. */
export class TaggedJsonError extends Error {
  override readonly name = 'TaggedJsonError';
}

// ---------------------------------------------------------------------------------------------
// Encoding

const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const SHORT_ESCAPES: Readonly<Record<number, string>> = { 0x22: '\\"', 0x5c: '\\\\', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' };

/** A JSON string literal as Python's `json.dumps(ensure_ascii=True)` writes it. */
function quote(s: string): string {
  if (PLAIN_ASCII.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) out += s[i];
    else out += SHORT_ESCAPES[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** Orders strings by code point, as Python sorts `str` (JS compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only a surrogate against U+E000..U+FFFF orders differently: surrogates encode ≥ U+10000.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys && Math.max(x, y) >= 0xe000) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * A number as Python's `json.dumps` writes it, so both sides produce the same text. Integral
 * values are written as integers (JS cannot tell `1.0` from `1`; Python reads them as `int`).
 * Fractions use the shortest round-trip digits (both languages' algorithm) but Python's notation:
 * scientific below 1e-4 with a two-digit exponent (`1e-05`), where JS writes `0.00001`.
 */
function pyNumber(n: number): string {
  if (Number.isInteger(n) || Math.abs(n) >= 1e-4) return String(n);
  return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Werkzeug's `http_date`: IMF-fixdate (RFC 9110 §5.6.7), seconds truncated. */
function httpDate(d: Date, path: string): string {
  const year = d.getUTCFullYear();
  if (Number.isNaN(d.getTime()) || year < 1 || year > 9999) {
    throw new TypeError(`session value at ${path} is an invalid Date or outside years 1-9999`);
  }
  return `${DAYS[d.getUTCDay()]}, ${pad2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${String(year).padStart(4, '0')} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} GMT`;
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function hasHtml(v: object): v is { __html__(): unknown } {
  return typeof (v as { __html__?: unknown }).__html__ === 'function';
}

const SUPPORTED = 'sessions hold JSON data plus Date, Uint8Array, Markup, Uuid and tuple()';

function refuse(path: string, what: string): never {
  throw new TypeError(`session value at ${path} is ${what}; ${SUPPORTED}`);
}

function encode(v: unknown, path: string, depth: number): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string': return quote(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) refuse(path, String(v));
      return pyNumber(v);
    case 'object': break;
    default: refuse(path, typeof v === 'function' ? 'a function' : `a ${typeof v}`);
  }
  if (depth >= MAX_TAGGED_DEPTH) refuse(path, `nested deeper than ${MAX_TAGGED_DEPTH} levels (a cycle?)`);
  const d = depth + 1;
  if (Array.isArray(v)) {
    let items = '';
    for (let i = 0; i < v.length; i++) items += (i ? ',' : '') + encode(v[i], `${path}[${i}]`, d);
    return tuples.has(v) ? `{" t":[${items}]}` : `[${items}]`;
  }
  if (v instanceof Uint8Array) {
    return `{" b":"${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}"}`;
  }
  if (v instanceof Date) return `{" d":"${httpDate(v, path)}"}`;
  if (v instanceof Uuid) return `{" u":"${v.hex}"}`;
  if (hasHtml(v)) {
    const html = v.__html__();
    if (typeof html !== 'string') refuse(path, 'an object whose __html__() does not return a string');
    return `{" m":${quote(html)}}`;
  }
  if (!isPlainObject(v)) refuse(path, `an instance of ${v.constructor?.name ?? 'a class'}`);
  const keys = Object.keys(v);
  if (keys.length === 1 && TAG_NAMES.has(keys[0]!)) {
    const k = keys[0]!;
    return `{" di":{${quote(`${k}__`)}:${encode(v[k], `${path}.${k}`, d)}}}`;
  }
  keys.sort(compareCodePoints);
  let out = '';
  for (const k of keys) {
    const item = v[k];
    if (item === undefined) refuse(`${path}.${k}`, 'undefined');
    out += `${out ? ',' : ''}${quote(k)}:${encode(item, `${path}.${k}`, d)}`;
  }
  return `{${out}}`;
}

/**
 * Serializes a session value as Flask's tagged JSON text (`TaggedJSONSerializer.dumps` inside an
 * app context).
 *
 * @param value usually the session's data object
 * @param path the value's name in error messages
 * @returns ASCII-only JSON text
 * @throws {TypeError} naming the path of a value tagged JSON cannot carry: `undefined`, functions,
 *   symbols, bigints, `NaN`/`Infinity`, invalid dates, class instances other than the tagged ones
 *   (Map, Set, …), nesting beyond {@link MAX_TAGGED_DEPTH} (which also stops cycles)
 * @example taggedDumps({ t: tuple(1, 2), b: Buffer.from([0, 255]) }) // '{"b":{" b":"AP8="},"t":{" t":[1,2]}}'
 */
export function taggedDumps(value: unknown, path = 'session'): string {
  return encode(value, path, 0);
}

// ---------------------------------------------------------------------------------------------
// Decoding

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

function bad(detail: string): never {
  throw new TaggedJsonError(`bad tagged JSON: ${detail}`);
}

function parseHttpDate(text: unknown): Date {
  const m = typeof text === 'string' ? IMF_FIXDATE.exec(text) : null;
  if (!m) bad('" d" holds no IMF-fixdate');
  const [day, month, year, h, min, s] = [Number(m[1]), MONTHS.indexOf(m[2]!), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])];
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(h, min, s, 0);
  if (d.getUTCDate() !== day || h > 23 || min > 59 || s > 59) bad('" d" holds an impossible date');
  return d;
}

function untag(tag: string, value: unknown): unknown {
  switch (tag) {
    case ' t':
      if (!Array.isArray(value)) bad('" t" holds no list');
      return tuple(...(value as unknown[]));
    case ' b':
      if (typeof value !== 'string' || !STD_BASE64.test(value)) bad('" b" holds no base64');
      return Buffer.from(value, 'base64');
    case ' m':
      if (typeof value !== 'string') bad('" m" holds no string');
      return new Markup(value);
    case ' u':
      try { return new Uuid(value as string); } catch { return bad('" u" holds no UUID'); }
    case ' d':
      return parseHttpDate(value);
    default: { // ' di': Flask strips the two characters it appended
      const keys = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
      if (keys.length !== 1 || !keys[0]!.endsWith('__')) bad('" di" holds no one-key object');
      const k = keys[0]!;
      return defineEntry({}, k.slice(0, -2), (value as Record<string, unknown>)[k]);
    }
  }
}

/** Sets an own data property; `__proto__` becomes an ordinary key, never the prototype. */
function defineEntry(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
  return target;
}

function scan(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (depth >= MAX_TAGGED_DEPTH) bad(`nested deeper than ${MAX_TAGGED_DEPTH} levels`);
  if (Array.isArray(v)) return v.map((item) => scan(item, depth + 1));
  const src = v as Record<string, unknown>;
  const keys = Object.keys(src);
  const out: Record<string, unknown> = {};
  for (const k of keys) defineEntry(out, k, scan(src[k], depth + 1));
  return keys.length === 1 && TAG_NAMES.has(keys[0]!) ? untag(keys[0]!, out[keys[0]!]) : out;
}

/**
 * Parses Flask's tagged JSON text (`TaggedJSONSerializer.loads`): tuples become frozen
 * {@link tuple} arrays, bytes `Buffer`s, datetimes `Date`s (UTC), Markup {@link Markup}, UUIDs
 * {@link Uuid}. Objects are fresh plain objects; a `__proto__` key is an ordinary own property.
 *
 * @throws {TaggedJsonError} for invalid JSON (including Python's `NaN`/`Infinity`), a tag whose
 *   value has the wrong shape, or nesting beyond {@link MAX_TAGGED_DEPTH}
 */
export function taggedLoads(text: string): unknown {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (err) { throw new TaggedJsonError(`bad tagged JSON: ${(err as Error).message}`); }
  return scan(raw, 0);
}
