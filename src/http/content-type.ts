/**
 * The one media-type parser of Phial (RFC 9110 §8.3.1), used for body parsing, validation and
 * every other place that looks at a `Content-Type`.
 *
 * Parsing once, strictly, is the point: fastify accepted `application/json\tfoo`,
 * `application/json garbage` and `Application/JSON ;x` in its body parser while its schema
 * lookup used the raw string (CVE-2025-32442, CVE-2026-25223, CVE-2026-3419), and a media type
 * equal to `constructor` hit an inherited property of its parser table (CVE-2022-39288). Here a
 * malformed value is a 415, the normalised `essence` drives every decision, and nothing is ever
 * looked up in a plain object keyed by a media type.
 *
 * Grammar (RFC 9110 §5.6.2 token, §5.6.4 quoted-string, §5.6.6 parameters):
 * ```
 * media-type = type "/" subtype parameters
 * parameters = *( OWS ";" OWS [ parameter ] )
 * parameter  = parameter-name "=" ( token / quoted-string )
 * ```
 * Whitespace is allowed only around the `;` separators (and around the whole value, which HTTP
 * field parsing strips). Type, subtype and parameter names are case-insensitive (lower-cased
 * here); parameter values keep their case. A parameter named twice is refused, because two
 * parsers that pick different copies (first vs last `boundary` or `charset`) disagree.
 *
 * @module
 */
import { UnsupportedMediaType } from '../errors/http.ts';

/** A parsed media type, e.g. from `Content-Type: Application/JSON; charset="UTF-8"`. */
export interface MediaType {
  /** Lower-case top-level type, e.g. `application`. */
  readonly type: string;
  /** Lower-case subtype, e.g. `json` or `vnd.api+json`. */
  readonly subtype: string;
  /** Lower-case `type/subtype` without parameters, e.g. `application/json`. */
  readonly essence: string;
  /** Parameters: lower-case names, values as sent with quoted-string escapes removed. */
  readonly params: ReadonlyMap<string, string>;
}

// RFC 9110 §5.6.2 tchar: "!#$%&'*+-.^_`|~", DIGIT, ALPHA.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;

function isTchar(code: number): boolean {
  return code < 128 && TCHAR[code] === 1;
}

/** RFC 9110 qdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (%x80-FF). */
function isQdtext(code: number): boolean {
  return code === 0x09 || code === 0x20 || code === 0x21 || (code >= 0x23 && code <= 0x5b)
    || (code >= 0x5d && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}

/** RFC 9110 quoted-pair second octet: HTAB / SP / VCHAR / obs-text. */
function isQuotedPairChar(code: number): boolean {
  return code === 0x09 || (code >= 0x20 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Thrown for every malformed value: the client sees one short, fixed sentence. */
function malformed(): UnsupportedMediaType {
  return new UnsupportedMediaType('The Content-Type header is not a valid media type.');
}

/** Index just past the token starting at `pos` (equal to `pos` when there is none). */
function tokenEnd(s: string, pos: number): number {
  while (pos < s.length && isTchar(s.charCodeAt(pos))) pos++;
  return pos;
}

/**
 * Parses a media type such as a `Content-Type` value.
 *
 * @param value - the header value; `undefined`, empty or whitespace-only means "no media type"
 * @returns the parsed type, or `undefined` when there is none
 * @throws {UnsupportedMediaType} (415) for anything that is not exactly `type/subtype` tokens
 *   followed by well-formed `; name=value` parameters: whitespace inside the type
 *   (`application/json\tfoo`), trailing garbage (`application/json garbage`), no slash
 *   (`constructor`, `__proto__`), an empty or duplicated parameter name, a bad value
 * @example
 * parseMediaType('Application/JSON ;charset=utf-8')
 * // → { type: 'application', subtype: 'json', essence: 'application/json', params: Map { 'charset' => 'utf-8' } }
 */
export function parseMediaType(value: string | undefined): MediaType | undefined {
  if (value === undefined) return undefined;
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  if (start === end) return undefined;
  const s = end === value.length && start === 0 ? value : value.slice(start, end);

  const typeEnd = tokenEnd(s, 0);
  if (typeEnd === 0 || s.charCodeAt(typeEnd) !== 0x2f /* / */) throw malformed();
  const subEnd = tokenEnd(s, typeEnd + 1);
  if (subEnd === typeEnd + 1) throw malformed();
  const type = s.slice(0, typeEnd).toLowerCase();
  const subtype = s.slice(typeEnd + 1, subEnd).toLowerCase();
  const params = new Map<string, string>();

  let pos = subEnd;
  while (pos < s.length) {
    while (pos < s.length && isOws(s.charCodeAt(pos))) pos++;
    // After the subtype or a parameter only `;` may follow (whitespace alone was trimmed above).
    if (s.charCodeAt(pos) !== 0x3b /* ; */) throw malformed();
    pos++;
    while (pos < s.length && isOws(s.charCodeAt(pos))) pos++;
    if (pos === s.length || s.charCodeAt(pos) === 0x3b) continue; // empty parameter is allowed
    const nameEnd = tokenEnd(s, pos);
    if (nameEnd === pos || s.charCodeAt(nameEnd) !== 0x3d /* = */) throw malformed();
    const name = s.slice(pos, nameEnd).toLowerCase();
    pos = nameEnd + 1;
    let paramValue: string;
    if (s.charCodeAt(pos) === 0x22 /* " */) {
      pos++;
      let out = '';
      let chunkStart = pos;
      for (;;) {
        if (pos >= s.length) throw malformed();
        const c = s.charCodeAt(pos);
        if (c === 0x22) break;
        if (c === 0x5c /* \ */) {
          if (pos + 1 >= s.length || !isQuotedPairChar(s.charCodeAt(pos + 1))) throw malformed();
          out += s.slice(chunkStart, pos);
          chunkStart = pos + 1;
          pos += 2;
          continue;
        }
        if (!isQdtext(c)) throw malformed();
        pos++;
      }
      paramValue = out + s.slice(chunkStart, pos);
      pos++;
    } else {
      const valueEnd = tokenEnd(s, pos);
      if (valueEnd === pos) throw malformed();
      paramValue = s.slice(pos, valueEnd);
      pos = valueEnd;
    }
    if (params.has(name)) throw malformed();
    params.set(name, paramValue);
  }
  return Object.freeze({ type, subtype, essence: `${type}/${subtype}`, params });
}

/**
 * Serialises a media type: `essence` then `; name=value` for each parameter, the value quoted
 * (with `"` and `\` escaped) when it is not a token. `parseMediaType(formatMediaType(m))`
 * gives back `m`.
 * @example formatMediaType(parseMediaType('text/plain; charset=UTF-8')!) // 'text/plain; charset=UTF-8'
 */
export function formatMediaType(mt: MediaType): string {
  let out = mt.essence;
  for (const [name, v] of mt.params) {
    let token = v.length > 0;
    for (let i = 0; token && i < v.length; i++) token = isTchar(v.charCodeAt(i));
    out += `; ${name}=${token ? v : `"${v.replace(/["\\]/g, '\\$&')}"`}`;
  }
  return out;
}

/**
 * True when `subtype` carries the structured-syntax suffix `+suffix` after a non-empty name
 * (RFC 6839 §3: `vnd.api+json` has the suffix `json`; `json` alone and `+json` have none).
 */
function hasSuffix(subtype: string, suffix: string): boolean {
  return subtype.length > suffix.length + 1 && subtype.endsWith(suffix) && subtype.charCodeAt(subtype.length - suffix.length - 1) === 0x2b /* + */;
}

/**
 * The one definition of a JSON media type in Phial: `application/json` (RFC 8259 §11) or any
 * type with the `+json` structured-syntax suffix (RFC 6839 §3.1), e.g. `application/problem+json`.
 * `text/json` and `application/x-json` are not JSON here. Body parsing, `req.json()`, route
 * validation and `accepts` patterns (`*\/*+json`, see {@link matchesMediaRange}) all use it, so a
 * body a route accepts as JSON is always one `req.json()` reads.
 * @param mt - a parsed media type, or undefined (no `Content-Type`: false)
 */
export function isJson(mt: MediaType | undefined): boolean {
  return mt !== undefined && ((mt.type === 'application' && mt.subtype === 'json') || hasSuffix(mt.subtype, 'json'));
}

/**
 * Whether `mt` falls in the media range `pattern` of a route's `accepts` list.
 *
 * Patterns are lower-case: `*\/*`; `type/*`; `type/subtype` (exact); `type/*+suffix` or
 * `*\/*+suffix`, which match subtypes with that structured-syntax suffix (RFC 6839 §3) and never
 * the bare suffix (`*\/*+json` matches `application/vnd.api+json`, not `text/json`). Parameters
 * never take part. With `*\/*+json` and `application/json` together, the matched set is exactly
 * {@link isJson}.
 * @param mt - the request's parsed `Content-Type`
 * @param pattern - a validated pattern (`type/subtype` shape; see `compileRouteInputs`)
 * @example matchesMediaRange(parseMediaType('application/ld+json')!, '*\/*+json') // true
 */
export function matchesMediaRange(mt: MediaType, pattern: string): boolean {
  if (pattern === '*/*') return true;
  const slash = pattern.indexOf('/');
  const type = pattern.slice(0, slash);
  const sub = pattern.slice(slash + 1);
  if (type !== '*' && type !== mt.type) return false;
  if (sub === '*') return true;
  if (sub.startsWith('*+')) return hasSuffix(mt.subtype, sub.slice(2));
  return sub === mt.subtype;
}

/** True for `application/x-www-form-urlencoded` (an HTML form without files). */
export function isUrlEncoded(mt: MediaType | undefined): boolean {
  return mt !== undefined && mt.essence === 'application/x-www-form-urlencoded';
}

/**
 * True for `multipart/form-data` (RFC 7578), the HTML form encoding that carries files. Other
 * `multipart/*` types (`mixed`, `related`) are not forms and return false.
 */
export function isMultipart(mt: MediaType | undefined): boolean {
  return mt !== undefined && mt.essence === 'multipart/form-data';
}
