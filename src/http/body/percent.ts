/**
 * Percent-decoding of `application/x-www-form-urlencoded` names and values (query strings and
 * form bodies), strictly UTF-8.
 *
 * The WHATWG URL standard decodes `%XX` sequences to bytes and reads them as UTF-8 with
 * replacement, and qs keeps an undecodable sequence as its literal text; either way `%FF` would
 * become data that no one sent as text (U+FFFD, or the three characters `%FF`). Phial follows the
 * rule of its JSON and text bodies instead: bytes that are not UTF-8 are a 400, so a value is
 * either exactly what the client's UTF-8 said or refused. A `%` not followed by two hex digits is
 * not an escape and stays as it is (as in the URL standard).
 *
 * @module
 */
import { BadRequest } from '../../errors/http.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const ESCAPE = /%[0-9A-Fa-f]{2}/g;

/** The 400 for a name or value whose percent-decoded bytes are not UTF-8. */
export function notUtf8Param(): BadRequest {
  return new BadRequest('A form or query parameter is not valid UTF-8.');
}

/**
 * Decodes one urlencoded name or value: `+` is a space, `%XX` a byte, the bytes are UTF-8.
 *
 * @param s - the raw component, e.g. `caf%C3%A9+au+lait`; characters other than escapes are kept
 *   as they are (a form body was already decoded from UTF-8; a query string is ASCII, llhttp
 *   refuses other bytes in the request line)
 * @returns the text, e.g. `café au lait`
 * @throws {BadRequest} (400) when the decoded bytes are not UTF-8 (`%FF`, `%C3`, an encoded
 *   surrogate `%ED%A0%80`, an overlong form)
 * @example decodeFormComponent('a%ZZ%C3%A9') // 'a%ZZé' (not an escape: kept)
 */
export function decodeFormComponent(s: string): string {
  const text = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!text.includes('%')) return text;
  try {
    // Fast path; throws on invalid UTF-8 and also on a lone `%`, which the slow path sorts out.
    return decodeURIComponent(text);
  } catch {
    return decodeSlow(text);
  }
}

function decodeSlow(s: string): string {
  const out = Buffer.allocUnsafe(Buffer.byteLength(s));
  let n = 0;
  let last = 0;
  for (const m of s.matchAll(ESCAPE)) {
    n += out.write(s.slice(last, m.index), n, 'utf8');
    out[n++] = parseInt(m[0].slice(1), 16);
    last = m.index + 3;
  }
  n += out.write(s.slice(last), n, 'utf8');
  try {
    return strictUtf8.decode(out.subarray(0, n));
  } catch {
    throw notUtf8Param();
  }
}
