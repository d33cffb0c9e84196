/**
 * Request `Cookie` header parsing (RFC 6265 §4.2 and §5.4, as browsers send it).
 *
 * Decisions, each against a known confusion:
 * - Pairs are split on `;`, a name from its value on the first `=`. Only SP and HTAB are trimmed
 *   around names and values, never Unicode spaces: `\u00a0__Host-x` stays a different name from
 *   `__Host-x`, so a cookie a subdomain could set is never read as a prefixed one.
 * - A pair without `=` (what browsers send for a nameless cookie), a pair with an empty name, and
 *   names are never unquoted or decoded: `"__Host-x"=1` and `__Host%2Dx=1` are not `__Host-x`.
 *   (Werkzeug once unquoted names; RFC 6265bis §5.7 makes browsers refuse nameless cookies whose
 *   value looks like a prefixed pair, and the server must not undo that.)
 * - The first occurrence of a name wins: browsers send the cookie with the longest path first.
 * - Values: one pair of surrounding DQUOTEs is removed (RFC 6265 §4.1.1 `cookie-value` allows
 *   `DQUOTE *cookie-octet DQUOTE`; the quotes are not part of the value), then percent-escapes
 *   are decoded once as UTF-8, the inverse of `serializeCookie`'s encoding, so what a view sets
 *   is what it reads back. A value whose escapes are malformed or not UTF-8 is kept as sent.
 *   Signed values (base64url and `.`) contain neither quotes nor `%`, so they pass unchanged.
 * - Limits: at most `maxCount` cookies (default 100) and `maxHeaderLength` characters of header
 *   (default 16 384, Node's whole-header cap); the rest is ignored, not an error, since a browser
 *   may carry stale cookies from other apps on the domain. A pair cut by the length limit is
 *   dropped whole, never read as a shorter value.
 * - Never throws, whatever the input. The result is a null-prototype record, so `__proto__` and
 *   `constructor` are ordinary names.
 *
 * @module
 */

/** Upper bounds applied while parsing. */
export interface CookieLimits {
  /** Maximum number of cookies kept (default 100; browsers cap around 180 per domain). */
  maxCount: number;
  /** Maximum length of the whole header in characters (default 16 384). */
  maxHeaderLength: number;
}

/** The default {@link CookieLimits}. */
export const DEFAULT_COOKIE_LIMITS: Readonly<CookieLimits> = Object.freeze({ maxCount: 100, maxHeaderLength: 16384 });

function isSpTab(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * Decodes a cookie value as sent: removes one pair of surrounding DQUOTEs, then percent-decodes
 * once as UTF-8 when that succeeds (otherwise the unquoted text is returned as is).
 * @example decodeCookieValue('"a%20b"') // 'a b'
 * @example decodeCookieValue('%E0%A4%A') // '%E0%A4%A' (malformed: kept)
 */
export function decodeCookieValue(raw: string): string {
  let v = raw;
  if (v.length >= 2 && v.charCodeAt(0) === 0x22 && v.charCodeAt(v.length - 1) === 0x22) v = v.slice(1, -1);
  if (!v.includes('%')) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/**
 * Parses a `Cookie` header into a null-prototype record of name → decoded value (see the module
 * notes for every rule).
 * @param header - the header as Node gives it (repeated lines are joined with `; `)
 * @param limits - count and length caps; input beyond them is ignored
 * @returns never throws; an empty record for a missing or non-string header
 * @example parseCookieHeader('a=1; b="x%20y"; a=2') // { a: '1', b: 'x y' }
 */
export function parseCookieHeader(header: string | undefined, limits: CookieLimits = DEFAULT_COOKIE_LIMITS): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (typeof header !== 'string' || header.length === 0) return out;
  const maxCount = limits.maxCount;
  let s = header;
  if (s.length > limits.maxHeaderLength) {
    // Cut at the last `;` inside the limit: a value cut in half must not be read as the value.
    s = s.slice(0, Math.max(0, limits.maxHeaderLength));
    s = s.slice(0, Math.max(0, s.lastIndexOf(';')));
  }
  let count = 0;
  let pos = 0;
  while (pos < s.length && count < maxCount) {
    let semi = s.indexOf(';', pos);
    if (semi === -1) semi = s.length;
    let eq = s.indexOf('=', pos);
    if (eq !== -1 && eq < semi) {
      let ns = pos;
      let ne = eq;
      while (ns < ne && isSpTab(s.charCodeAt(ns))) ns++;
      while (ne > ns && isSpTab(s.charCodeAt(ne - 1))) ne--;
      if (ne > ns) {
        const name = s.slice(ns, ne);
        if (!(name in out)) {
          let ve = semi;
          eq++;
          while (eq < ve && isSpTab(s.charCodeAt(eq))) eq++;
          while (ve > eq && isSpTab(s.charCodeAt(ve - 1))) ve--;
          out[name] = decodeCookieValue(s.slice(eq, ve));
          count++;
        }
      }
    }
    pos = semi + 1;
  }
  return out;
}
