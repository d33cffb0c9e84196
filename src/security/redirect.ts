/**
 * `redirect()`: a Location header that cannot be turned into an injection or a different host.
 *
 * Rules (cases C08, C09, C11, C13): the target is validated and normalised once, and the exact
 * string checked is the one emitted — nothing re-encodes it afterwards. CR, LF, NUL, every other
 * C0 control, DEL and backslash are refused (browsers read `/\x` as `//x`; a header writer that
 * drops a tab turns `/<TAB>/x` into `//x`). A relative target must stay on this origin, so `//x`
 * and `////x` are refused. An absolute target must be `http:` or `https:` (no `javascript:`,
 * `data:`, …). The response has no HTML body echoing the URL.
 *
 * @module
 */
import { BadRequest } from '../errors.ts';
import { Response } from '../http/response.ts';

/** Redirect statuses (RFC 9110 §15.4). 303 turns any method into GET; 307/308 keep it. */
export type RedirectStatus = 301 | 302 | 303 | 307 | 308;

const BASE = 'http://phial.invalid';
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/**
 * Validates a redirect target and returns the exact string to put in `Location`.
 * @throws {BadRequest} when the target is unsafe (controls, backslash, scheme, host escape)
 */
export function checkRedirectTarget(location: string): string {
  if (typeof location !== 'string' || location.length === 0) throw new BadRequest('Invalid redirect target.');
  if (FORBIDDEN.test(location)) throw new BadRequest('Invalid redirect target.');
  // Absolute URL with a scheme?
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(location)) {
    let url: URL;
    try { url = new URL(location); } catch { throw new BadRequest('Invalid redirect target.'); }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadRequest('Redirects only go to http or https URLs.');
    return url.href;
  }
  if (location.startsWith('//')) throw new BadRequest('Invalid redirect target.');
  // Percent-encode non-ASCII only; ASCII is kept byte for byte so the checked string is emitted.
  const normalised = location.replace(/[^\x20-\x7e]+/g, (s) => encodeURIComponent(s)).replace(/ /g, '%20');
  let resolved: URL;
  try { resolved = new URL(normalised, BASE + '/'); } catch { throw new BadRequest('Invalid redirect target.'); }
  if (resolved.origin !== BASE) throw new BadRequest('Invalid redirect target.');
  return normalised;
}

/**
 * A redirect response, like Flask's `redirect(location, code=302)`.
 *
 * @param location - a relative URL on this site (`/notes/3`) or an absolute http(s) URL
 * @param status - 301, 302 (default, Flask's), 303, 307 or 308
 * @throws {BadRequest} for an unsafe target (see the module notes)
 * @throws {RangeError} for a non-redirect status
 * @example
 * return redirect(app.urlFor('notes.show', { id: note.id }), 303);
 */
export function redirect(location: string, status: RedirectStatus = 302): Response {
  if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`Not a redirect status: ${String(status)}`);
  const target = checkRedirectTarget(location);
  return new Response(null, { status, headers: { location: target } });
}
