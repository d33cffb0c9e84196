/**
 * The one canonical request path (case C04).
 *
 * Routing, guards and static files must all see the same path. {@link canonicalPath} is computed
 * once, before routing: a path that is not already in canonical form is never matched at all;
 * the caller answers with a 308 to the canonical spelling (which is then routed, and guarded, like
 * any other request) or with 400 when the encoding is malformed.
 *
 * @module
 */

/** The outcome of {@link canonicalPath}. */
export type CanonicalPath =
  | {
      readonly ok: true;
      /** Each segment percent-decoded exactly once; never empty, never `.` or `..`. */
      readonly segments: string[];
      /** Whether the path ends in `/` (always false for the root path `/`). */
      readonly trailingSlash: boolean;
      readonly redirect?: undefined;
      readonly invalid?: undefined;
    }
  | { readonly ok: false; readonly redirect: string; readonly invalid?: undefined }
  | { readonly ok: false; readonly invalid: true; readonly redirect?: undefined };

const SLASH = 47;
const PERCENT = 37;
const BACKSLASH = 92;
const INVALID: CanonicalPath = Object.freeze({ ok: false, invalid: true });

/**
 * Splits a raw request path into decoded segments, or says how to canonicalise it.
 *
 * Rules, in order:
 * - `rawPath` must start with `/` and contain only printable ASCII (`!`..`~`); anything else
 *   (absolute-form targets, `*`, raw spaces, control or non-ASCII characters) is `{ invalid }`.
 *   node's HTTP parser already refuses most of these with 400; the check keeps the guarantee
 *   for other callers (test clients, adapters) so that text is only ever decoded here.
 * - Each segment is percent-decoded once as UTF-8. A malformed escape, invalid UTF-8 (including
 *   overlong forms such as `%C0%AE`) or a decoded NUL is `{ invalid }` (→ 400).
 * - A segment with escapes must be spelled canonically: only characters outside ASCII letters,
 *   digits, `-._~!$&'()*+,:;=@` are escaped, with upper-case hex (RFC 3986 §6.2.2). `/%61dmin`,
 *   `/%2fx` and `/caf%c3%a9` give `{ redirect }` to `/admin`, `/%2Fx`, `/caf%C3%A9`, so the raw
 *   path a guard reads and the decoded path the router matches always name the same resource.
 * - Empty segments (`//`) and dot segments (`.`, `..`, also spelled `%2e`, `.%2E`, …) give
 *   `{ redirect }`: the path with slashes merged and dots resolved as in RFC 3986 §5.2.4, never
 *   above the root. This is Werkzeug's `merge_slashes` 308, extended to dot segments, which
 *   Werkzeug leaves to the client. Retained segments keep their original encoding, except a raw
 *   `\` becomes `%5C` so that the `Location` can never read as `/\host` (a protocol-relative URL
 *   to WHATWG parsers).
 * - A segment whose decoded text contains `/` or `\` (from `%2F`, `%5C` or a raw `\`) is kept as
 *   it is; the router never offers such a segment to a converter, so an encoded separator can
 *   never open another directory.
 *
 * The query string must already be cut off.
 *
 * @param rawPath - The request path as received, still percent-encoded, without the query.
 * @returns `{ ok: true, segments, trailingSlash }`, `{ ok: false, redirect }` or
 *   `{ ok: false, invalid: true }`. Never throws.
 *
 * @example
 * ```ts
 * canonicalPath('/users/caf%C3%A9/');  // { ok: true, segments: ['users', 'café'], trailingSlash: true }
 * canonicalPath('//admin/./x');        // { ok: false, redirect: '/admin/x' }
 * canonicalPath('/x/%2e%2e/admin');    // { ok: false, redirect: '/admin' }
 * canonicalPath('/bad%zz');            // { ok: false, invalid: true }
 * ```
 */
export function canonicalPath(rawPath: string): CanonicalPath {
  const buffer: SegmentBuffer = { segments: [], count: 0, plain: true };
  const status = splitPath(rawPath, buffer);
  if (status === SPLIT_INVALID) return INVALID;
  if (status === SPLIT_REDIRECT) return { ok: false, redirect: canonicalLocation(rawPath) };
  return { ok: true, segments: buffer.segments, trailingSlash: status === SPLIT_TRAILING };
}

/**
 * Where {@link splitPath} writes segments: `segments[0..count)`. The router reuses one buffer
 * across requests, so entries past `count` are stale and must be ignored.
 */
export interface SegmentBuffer {
  segments: string[];
  count: number;
  /** False when some segment holds `/` or `\` (decoded or raw): such segments skip converters. */
  plain: boolean;
}

/** {@link splitPath}: canonical, without a trailing slash. */
export const SPLIT_OK = 0;
/** {@link splitPath}: canonical, with a trailing slash. */
export const SPLIT_TRAILING = 1;
/** {@link splitPath}: not canonical; {@link canonicalLocation} gives the target. */
export const SPLIT_REDIRECT = 2;
/** {@link splitPath}: malformed (400). */
export const SPLIT_INVALID = 3;

/**
 * The allocation-free core of {@link canonicalPath} for the router's hot path: writes the
 * decoded segments into `out` from index 0 and returns one of the `SPLIT_*` codes. The segments
 * are meaningful only for `SPLIT_OK` and `SPLIT_TRAILING`.
 */
export function splitPath(rawPath: string, out: SegmentBuffer): number {
  const segments = out.segments;
  let count = 0;
  let plain = true;
  out.count = 0;
  const len = rawPath.length;
  if (len === 0 || rawPath.charCodeAt(0) !== SLASH) return SPLIT_INVALID;
  let redirect = false;
  let trailingSlash = false;
  let start = 1;
  let escaped = false;
  for (let i = 1; i <= len; i++) {
    const c = i < len ? rawPath.charCodeAt(i) : SLASH;
    if (c === SLASH) {
      if (i === start) {
        if (i === len) trailingSlash = len > 1;
        else redirect = true;
      } else {
        let segment = rawPath.slice(start, i);
        if (escaped) {
          const decoded = decodeSegment(segment);
          if (decoded === null) return SPLIT_INVALID;
          // One spelling per path: `/%61dmin` and `/admin` route alike, so a guard that reads
          // the raw path must never see the first (case C04). Escapes that need not be escapes,
          // and lower-case hex, redirect to the canonical encoding.
          if (!redirect && canonicalSegment(decoded) !== segment) redirect = true;
          segment = decoded;
          if (plain && (decoded.includes('/') || decoded.includes('\\'))) plain = false;
        }
        if (segment === '.' || segment === '..') redirect = true;
        segments[count++] = segment;
      }
      start = i + 1;
      escaped = false;
    } else if (c === PERCENT) {
      escaped = true;
    } else if (c < 0x21 || c > 0x7e) {
      return SPLIT_INVALID;
    } else if (c === BACKSLASH) {
      plain = false;
    }
  }
  out.count = count;
  out.plain = plain;
  if (redirect) return SPLIT_REDIRECT;
  return trailingSlash ? SPLIT_TRAILING : SPLIT_OK;
}

/** Percent-decodes one segment as UTF-8; null when malformed or when it hides a NUL. */
function decodeSegment(raw: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null;
  }
  return decoded.includes('\0') ? null : decoded;
}

/**
 * The canonical encoded path for a path that {@link splitPath} found valid but not canonical:
 * slashes merged, dot segments resolved.
 */
export function canonicalLocation(rawPath: string): string {
  const pieces = rawPath.slice(1).split('/');
  const out: string[] = [];
  let trailing = false;
  for (let k = 0; k < pieces.length; k++) {
    const raw = pieces[k]!;
    const isLast = k === pieces.length - 1;
    if (raw === '') {
      if (isLast) trailing = true;
      continue;
    }
    // Already validated by the caller, so decoding cannot fail here.
    const decoded = raw.includes('%') ? (decodeSegment(raw) ?? raw) : raw;
    if (decoded === '.' || decoded === '..') {
      if (decoded === '..') out.pop();
      if (isLast) trailing = true;
      continue;
    }
    // A segment with a backslash gets the whole canonical encoding (not only `\` → `%5C`): it then
    // holds an escape, and an escaped segment is canonical only in that encoding (`/\?` → `/%5C%3F`).
    out.push(raw.includes('%') || raw.includes('\\') ? canonicalSegment(decoded) : raw);
  }
  if (out.length === 0) return '/';
  return '/' + out.join('/') + (trailing ? '/' : '');
}

/** Characters `encodeURIComponent` escapes but Werkzeug's `to_url` keeps (`$&+,:;=@`, and `/`). */
const KEPT_ESCAPES = /%(?:24|26|2B|2C|3A|3B|3D|40|2F)/g;
const KEPT_ESCAPES_NO_SLASH = /%(?:24|26|2B|2C|3A|3B|3D|40)/g;

/**
 * Percent-encodes text for a URL path the way Werkzeug's converters do: everything except
 * ASCII letters, digits, `-._~` and ``!$&'()*+,:;=@`` is escaped as UTF-8.
 *
 * @param text - Decoded text.
 * @param keepSlash - Keep `/` as a separator (the `path` converter); otherwise it becomes `%2F`.
 * @throws URIError when `text` holds a lone surrogate, which has no UTF-8 encoding.
 *
 * @example
 * ```ts
 * encodePathText('a/b c', true);   // 'a/b%20c'
 * encodePathText('a/b c', false);  // 'a%2Fb%20c'
 * ```
 */
export function encodePathText(text: string, keepSlash: boolean): string {
  const encoded = encodeURIComponent(text);
  if (!encoded.includes('%')) return encoded;
  return encoded.replace(keepSlash ? KEPT_ESCAPES : KEPT_ESCAPES_NO_SLASH, unescapeOne);
}

/**
 * The canonical encoding of a decoded segment: {@link encodePathText} without keeping `/`, so
 * `%2F` stays escaped; lone surrogates cannot occur (segments are decoded from valid UTF-8).
 */
function canonicalSegment(decoded: string): string {
  return encodePathText(decoded, false);
}

function unescapeOne(escape: string): string {
  return String.fromCharCode(parseInt(escape.slice(1), 16));
}
