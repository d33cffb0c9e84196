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
 * - Every pair is read: no count or length cap of its own. The header is already bounded by the
 *   server's `maxHeaderSize` (16 KiB by default, 431 above), and a cap here could only drop
 *   cookies silently: a client (or a sibling app on the domain) sending many cookies would push
 *   the session cookie past it and the session would vanish without an error. Parsing is one
 *   linear pass.
 * - Never throws, whatever the input. The result is a null-prototype record, so `__proto__` and
 *   `constructor` are ordinary names.
 *
 * @module
 */

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
 * notes for every rule). Every pair of the header is read.
 * @param header - the header as Node gives it (repeated lines are joined with `; `); its size is
 *   bounded by the server's `maxHeaderSize`
 * @returns never throws; an empty record for a missing or non-string header
 * @example parseCookieHeader('a=1; b="x%20y"; a=2') // { a: '1', b: 'x y' }
 */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (typeof header !== 'string' || header.length === 0) return out;
  const s = header;
  let pos = 0;
  // The next `=` at or after `pos`, kept across pairs so that `a;a;a;…` stays linear.
  let nextEq = -1;
  while (pos < s.length) {
    let semi = s.indexOf(';', pos);
    if (semi === -1) semi = s.length;
    if (nextEq < pos && nextEq !== Infinity) { nextEq = s.indexOf('=', pos); if (nextEq === -1) nextEq = Infinity; }
    let eq = nextEq;
    if (eq < semi) {
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
        }
      }
    }
    pos = semi + 1;
  }
  return out;
}
