/**
 * The CSP Level 3 source-expression grammar (W3C CSP3 §2.3.1), as one classifier.
 *
 * ```
 * source-expression = scheme-source / host-source / keyword-source / nonce-source / hash-source
 * scheme-source  = scheme-part ":"
 * host-source    = [ scheme-part "://" ] host-part [ ":" port-part ] [ path-part ]
 * scheme-part    = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )          ; RFC 3986 §3.1
 * host-part      = "*" / [ "*." ] 1*host-char *( "." 1*host-char ) [ "." ]
 * host-char      = ALPHA / DIGIT / "-"
 * port-part      = 1*DIGIT / "*"
 * path-part      = path-absolute, without ";" or ","                    ; RFC 3986 §3.3
 * keyword-source = "'self'" / "'unsafe-inline'" / "'unsafe-eval'" / "'strict-dynamic'" / …
 * nonce-source   = "'nonce-" base64-value "'"
 * hash-source    = "'" ( "sha256" / "sha384" / "sha512" ) "-" base64-value "'"
 * base64-value   = 1*( ALPHA / DIGIT / "+" / "/" / "-" / "_" ) *2"="
 * ```
 * Keywords, schemes, hosts and hash algorithms are ASCII case-insensitive. A browser drops a
 * source it cannot parse and keeps the rest of the directive, so a typo such as `'self` or
 * `https://cdn'.example` silently changes the policy; Phial refuses it at setup instead.
 *
 * @module
 */

/** What a source expression is, by the CSP3 grammar. `'none'` is the whole-list keyword. */
export type CspSourceKind = 'scheme' | 'host' | 'keyword' | 'none' | 'nonce' | 'hash';

/** CSP3 §2.3.1 keyword-source, plus Chromium's 'inline-speculation-rules'. Lower-case. */
export const CSP_KEYWORDS: ReadonlySet<string> = new Set([
  "'self'", "'unsafe-inline'", "'unsafe-eval'", "'strict-dynamic'", "'unsafe-hashes'",
  "'report-sample'", "'unsafe-allow-redirects'", "'wasm-unsafe-eval'", "'trusted-types-eval'",
  "'report-sha256'", "'report-sha384'", "'report-sha512'", "'unsafe-webtransport-hashes'",
  "'inline-speculation-rules'",
]);

const SCHEME_SOURCE = /^[a-z][a-z0-9+.-]*:$/i;
// pchar of RFC 3986 without ";" and ",": unreserved / pct-encoded / the other sub-delims / ":" / "@".
const PCHAR = "(?:[a-z0-9\\-._~!$&'()*+=:@]|%[0-9a-f]{2})";
const HOST_SOURCE = new RegExp(
  '^(?:[a-z][a-z0-9+.-]*://)?' +
  '(?:\\*|(?:\\*\\.)?[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.?)' +
  '(?::(?:[0-9]+|\\*))?' +
  `(?:/(?:${PCHAR}+(?:/${PCHAR}*)*)?)?$`, 'i');
const NONCE_SOURCE = /^'nonce-[A-Za-z0-9+/_-]+={0,2}'$/i;
const HASH_SOURCE = /^'sha(?:256|384|512)-[A-Za-z0-9+/_-]+={0,2}'$/i;

/**
 * Classifies one source expression by the CSP3 grammar (see the module notes).
 *
 * @param source - one whitespace-free expression as it appears in the header, e.g. `https:`,
 *   `https://*.cdn.example:443/js/`, `'self'`, `'sha256-…'`
 * @returns its kind, or undefined when it matches no production (e.g. `'self`, `"self"`,
 *   `https://cdn'.example`, `data:image/png`, `[::1]`, `*.`); never throws
 * @example cspSourceKind("'strict-dynamic'") // 'keyword'
 * @example cspSourceKind("https://a.example'") // undefined
 */
export function cspSourceKind(source: string): CspSourceKind | undefined {
  if (source.startsWith("'")) {
    const lower = source.toLowerCase();
    if (lower === "'none'") return 'none';
    if (CSP_KEYWORDS.has(lower)) return 'keyword';
    if (NONCE_SOURCE.test(source)) return 'nonce';
    if (HASH_SOURCE.test(source)) return 'hash';
    return undefined;
  }
  if (SCHEME_SOURCE.test(source)) return 'scheme';
  if (HOST_SOURCE.test(source)) return 'host';
  return undefined;
}
