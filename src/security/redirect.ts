/**
 * Redirect targets: a Location value that cannot be turned into an injection or a different host
 * (`redirect()` in `src/http/redirect.ts` emits only what {@link checkRedirectTarget} returns).
 *
 * Rules (cases C08, C09, C11, C13): the target is validated and normalised once, and the exact
 * string checked is the one emitted — nothing re-encodes it afterwards. CR, LF, NUL, every other
 * C0 control, DEL and backslash are refused (browsers read `/\x` as `//x`; a header writer that
 * drops a tab turns `/<TAB>/x` into `//x`). A relative target must stay on this origin, so `//x`
 * and `////x` are refused. An absolute target must be `http:` or `https:` (no `javascript:`,
 * `data:`, …).
 *
 * {@link safeNextUrl} is the stricter check for a "return to" value from the request (a login
 * `next` parameter): only this origin or an allow-list of origins, with a fallback instead of
 * an error.
 *
 * @module
 */
import { BadRequest } from '../errors/http.ts';

const BASE = 'http://phial.invalid';
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/** Percent-encodes non-ASCII runs and spaces. @throws {URIError} for a lone surrogate */
function encodeNonAscii(s: string): string {
  return s.replace(/[^\x20-\x7e]+/g, (run) => encodeURIComponent(run)).replace(/ /g, '%20');
}

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
  let normalised: string;
  try { normalised = encodeNonAscii(location); } catch { throw new BadRequest('Invalid redirect target.'); } // lone surrogate
  let resolved: URL;
  try { resolved = new URL(normalised, BASE + '/'); } catch { throw new BadRequest('Invalid redirect target.'); }
  if (resolved.origin !== BASE) throw new BadRequest('Invalid redirect target.');
  return normalised;
}

/** Options of {@link safeNextUrl}. */
export interface SafeNextOptions {
  /** The app's own origin, e.g. `config.origin` (`https://app.example`); never the Host header. */
  origin: string;
  /** Other origins a redirect may go to, e.g. `['https://allowed.example']`. Default none. */
  allow?: readonly string[];
  /** Returned when the value is refused or missing. Default `/`. */
  fallback?: string;
}

/** Longest accepted value, in characters; a longer one is not a link a login page produced. */
export const MAX_NEXT_URL_LENGTH = 2048;

function originOf(what: string, value: string): string {
  let url: URL;
  try { url = new URL(value); } catch { throw new TypeError(`safeNextUrl: ${what} must be an origin like https://app.example, got ${JSON.stringify(value)}`); }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin === 'null') {
    throw new TypeError(`safeNextUrl: ${what} must be an http(s) origin, got ${JSON.stringify(value)}`);
  }
  return url.origin;
}

/**
 * Validates a "return to" URL taken from the request (Flask-Login's `next`, Django's
 * `url_has_allowed_host_and_scheme`), case C11. The checked string is exactly the returned one,
 * and `redirect()` emits it unchanged.
 *
 * Refused (the fallback is returned): anything not a non-empty string of at most
 * {@link MAX_NEXT_URL_LENGTH} characters; any C0 control, DEL or backslash (`/<TAB>/x` and
 * `/\x` become `//x` in browsers and header writers); a leading `//` (protocol-relative); leading or
 * trailing spaces (URL parsers strip them, so they would check a different string); a scheme
 * other than http/https; and any value whose `new URL(value, origin).origin` is neither `origin`
 * nor in `allow`, or that carries credentials (`user@`). Accepted values are returned with non-ASCII characters and spaces
 * percent-encoded (as `redirect()` would); a value with a scheme is returned in the URL parser's
 * serialisation (`HTTPS://App.Example` → `https://app.example/`), so no client can read it
 * against another base.
 *
 * @param value - the untrusted value, e.g. `req.query.get('next')` (null/undefined allowed)
 * @returns a same-origin (or allow-listed) URL, or `fallback`; never throws for any `value`
 * @throws {TypeError} only when `origin` or an `allow` entry is not an http(s) origin (a setup bug)
 * @example safeNextUrl(req.query.get('next'), { origin: 'https://app.example' }) // '/account' or '/'
 * @example safeNextUrl('/\\attacker.example', { origin: 'https://app.example' }) // '/'
 */
export function safeNextUrl(value: unknown, options: SafeNextOptions): string {
  const origin = originOf('origin', options.origin);
  const allowed = (options.allow ?? []).map((a) => originOf('an allow entry', a));
  const fallback = options.fallback ?? '/';
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NEXT_URL_LENGTH) return fallback;
  if (FORBIDDEN.test(value) || value.startsWith('//')) return fallback;
  // URL parsers strip leading and trailing spaces; the checked string must be the parsed one.
  if (value.startsWith(' ') || value.endsWith(' ')) return fallback;
  const hasScheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value);
  let candidate: string;
  let url: URL;
  try {
    candidate = hasScheme ? value : encodeNonAscii(value);
    url = new URL(candidate, origin + '/');
  } catch {
    return fallback; // a lone surrogate, or a URL that does not parse
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fallback;
  if (url.username !== '' || url.password !== '') return fallback; // `https://app.example@…`-style look-alikes
  if (url.origin !== origin && !allowed.includes(url.origin)) return fallback;
  const out = hasScheme ? url.href : candidate;
  // The emitted string must pass redirect()'s own check unchanged (it would be a bug otherwise).
  try { if (checkRedirectTarget(out) !== out) return fallback; } catch { return fallback; }
  return out;
}
