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
const INVALID: CanonicalPath = Object.freeze({ ok: false, invalid: true });

/**
 * Splits a raw request path into decoded segments, or says how to canonicalise it.
 *
 * Rules, in order:
 * - `rawPath` must start with `/` and contain only printable ASCII (`!`..`~`); anything else
 *   (absolute-form targets, `*`, raw spaces, control or non-ASCII characters) is `{ invalid }`.
 *   Raw non-ASCII would otherwise be read one way here (Latin-1, as node hands it over) and
 *   another way by a client that meant UTF-8.
 * - Each segment is percent-decoded once as UTF-8. A malformed escape, invalid UTF-8 (including
 *   overlong forms such as `%C0%AE`) or a decoded NUL is `{ invalid }` (→ 400).
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
  const len = rawPath.length;
  if (len === 0 || rawPath.charCodeAt(0) !== SLASH) return INVALID;
  const segments: string[] = [];
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
          if (decoded === null) return INVALID;
          segment = decoded;
        }
        if (segment === '.' || segment === '..') redirect = true;
        segments.push(segment);
      }
      start = i + 1;
      escaped = false;
    } else if (c === PERCENT) {
      escaped = true;
    } else if (c < 0x21 || c > 0x7e) {
      return INVALID;
    }
  }
  if (redirect) return { ok: false, redirect: resolve(rawPath) };
  return { ok: true, segments, trailingSlash };
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

/** Slow path of {@link canonicalPath}: merges slashes and resolves dot segments. */
function resolve(rawPath: string): string {
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
    out.push(raw.includes('\\') ? raw.replaceAll('\\', '%5C') : raw);
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

function unescapeOne(escape: string): string {
  return String.fromCharCode(parseInt(escape.slice(1), 16));
}
