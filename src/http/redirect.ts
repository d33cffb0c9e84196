/**
 * `redirect()`, Flask's helper: a response whose `Location` is the target as checked by
 * `checkRedirectTarget` (`src/security/redirect.ts`, which holds the rules), emitted unchanged,
 * with no HTML body echoing the URL.
 *
 * @module
 */
import { checkRedirectTarget } from '../security/redirect.ts';
import { Response } from './response.ts';

/** Redirect statuses (RFC 9110 §15.4). 303 turns any method into GET; 307/308 keep it. */
export type RedirectStatus = 301 | 302 | 303 | 307 | 308;

/**
 * A redirect response, like Flask's `redirect(location, code=302)`.
 *
 * @param location - a relative URL on this site (`/notes/3`) or an absolute http(s) URL
 * @param status - 301, 302 (default, Flask's), 303, 307 or 308
 * @throws {BadRequest} for an unsafe target (see `checkRedirectTarget`)
 * @throws {RangeError} for a non-redirect status
 * @example
 * return redirect(app.urlFor('notes.show', { id: note.id }), 303);
 */
export function redirect(location: string, status: RedirectStatus = 302): Response {
  if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`Not a redirect status: ${String(status)}`);
  const target = checkRedirectTarget(location);
  return new Response(null, { status, headers: { location: target } });
}
