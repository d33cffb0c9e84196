/**
 * Request `Cookie` header parsing (RFC 6265 §5.4 as browsers send it).
 *
 * Only space and horizontal tab are trimmed (not Unicode spaces), so a cookie named
 * `\u00a0__Host-x` can never be read as the `__Host-x` cookie; a pair without `=` or with an empty
 * name is skipped; the first occurrence of a name wins (browsers send the most specific path
 * first). Values are returned as sent, without percent-decoding or unquoting: signing layers
 * compare exact bytes. The result is a null-prototype record so `__proto__` is an ordinary name.
 *
 * @module
 */

/** Upper bounds applied while parsing. */
export interface CookieLimits {
  /** Maximum number of cookies kept (default 100; browsers cap around 180 per domain). */
  maxCount: number;
  /** Maximum length of the whole header in characters (default 16 384, Node's header cap). */
  maxHeaderLength: number;
}

const DEFAULT_LIMITS: CookieLimits = { maxCount: 100, maxHeaderLength: 16384 };

function trimSpTab(s: string, start: number, end: number): [number, number] {
  while (start < end && (s.charCodeAt(start) === 0x20 || s.charCodeAt(start) === 0x09)) start++;
  while (end > start && (s.charCodeAt(end - 1) === 0x20 || s.charCodeAt(end - 1) === 0x09)) end--;
  return [start, end];
}

/**
 * Parses a `Cookie` header into a null-prototype record of name → raw value.
 * Input beyond the limits is ignored (never an error: a browser may carry stale cookies).
 */
export function parseCookieHeader(header: string | undefined, limits: CookieLimits = DEFAULT_LIMITS): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (!header) return out;
  const s = header.length > limits.maxHeaderLength ? header.slice(0, limits.maxHeaderLength) : header;
  let count = 0;
  let pos = 0;
  while (pos < s.length && count < limits.maxCount) {
    let semi = s.indexOf(';', pos);
    if (semi === -1) semi = s.length;
    const eq = s.indexOf('=', pos);
    if (eq !== -1 && eq < semi) {
      const [ns, ne] = trimSpTab(s, pos, eq);
      if (ne > ns) {
        const name = s.slice(ns, ne);
        if (!(name in out)) {
          const [vs, ve] = trimSpTab(s, eq + 1, semi);
          out[name] = s.slice(vs, ve);
          count++;
        }
      }
    }
    pos = semi + 1;
  }
  return out;
}
