/**
 * CSRF, part 1: Fetch Metadata / Origin checks ({@link checkCrossOrigin}), the algorithm of Go
 * 1.25's `net/http.CrossOriginProtection` and of the OWASP CSRF Prevention Cheat Sheet ("Fetch
 * Metadata headers", "Verifying origin with standard headers"): browsers tell the server where a
 * request comes from, and an unsafe request from another origin is refused.
 *
 * @module
 */

/** Origins trusted to send unsafe cross-origin requests, e.g. `['https://admin.example.com']`. */
export interface TrustedOrigins {
  /**
   * Serialised origins (`scheme://host[:port]`, http or https only, no path, no wildcard),
   * compared exactly after normalisation (lower-case scheme and host, default port dropped,
   * IDN to punycode). Read once per object: build a new object to change the list.
   */
  readonly origins: readonly string[];
}

const ORIGIN_SHAPE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\\@\s]+$/;
const NO_TRUSTED: ReadonlySet<string> = new Set();
const compiledTrusted = new WeakMap<TrustedOrigins, ReadonlySet<string>>();

/**
 * Normalises a serialised origin (RFC 6454 §6.2, as browsers send in `Origin`) to WHATWG URL's
 * `origin`: `HTTPS://Example.COM:443` → `https://example.com`.
 * @returns the normalised origin, or `undefined` for anything else: `null`, a path, userinfo,
 *   a scheme other than http/https, or an unparsable host.
 */
export function normalizeOrigin(value: string): string | undefined {
  if (typeof value !== 'string' || value.length > 2048 || !ORIGIN_SHAPE.test(value)) return undefined;
  let url: URL;
  try { url = new URL(value); } catch { return undefined; }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return url.origin;
}

function trustedSet(trusted: TrustedOrigins | undefined): ReadonlySet<string> {
  if (trusted === undefined) return NO_TRUSTED;
  let set = compiledTrusted.get(trusted);
  if (set === undefined) {
    const built = new Set<string>();
    for (const origin of trusted.origins) {
      // `*` parses as a host character, but no browser sends it: a pattern would never match.
      const normal = typeof origin === 'string' && !origin.includes('*') ? normalizeOrigin(origin) : undefined;
      if (normal === undefined) {
        throw new TypeError(`Invalid trusted origin ${JSON.stringify(origin)}: expected scheme://host[:port] with http or https, no path, no wildcard`);
      }
      built.add(normal);
    }
    set = built;
    compiledTrusted.set(trusted, set);
  }
  return set;
}

/**
 * Validates and normalises a trusted-origin list once, at setup. Passing the result to
 * {@link checkCrossOrigin} or {@link csrfProtect} costs a set lookup per request.
 * @throws {TypeError} naming the first entry that is not an http(s) origin.
 * @example trustedOrigins(['https://admin.example.com', 'http://localhost:5173'])
 */
export function trustedOrigins(origins: readonly string[]): TrustedOrigins {
  const value: TrustedOrigins = Object.freeze({ origins: Object.freeze([...origins]) });
  trustedSet(value);
  return value;
}

/** The origin signals {@link checkCrossOrigin} reads; header values as Node parsed them. */
export interface CrossOriginInput {
  /** The request method, case-sensitive (RFC 9110 §9.1): only `GET`, `HEAD`, `OPTIONS` are safe. */
  readonly method: string;
  readonly secFetchSite?: string | undefined;
  readonly origin?: string | undefined;
  readonly referer?: string | undefined;
  /** The request's host (`example.com:8443`), after the trusted-host and trusted-proxy checks. */
  readonly host?: string | undefined;
  /** Whether the client-facing scheme is https (after trusted proxies): the own origin's scheme. */
  readonly isSecure: boolean;
}

/** Which signal let a request through. */
export type CrossOriginPass = 'safe-method' | 'fetch-site' | 'origin' | 'trusted-origin' | 'referer';

/**
 * Why a request was refused; `no-origin-signal` is the one undecided outcome (see
 * {@link checkCrossOrigin}).
 */
export type CrossOriginFailure =
  | 'fetch-site'
  | 'origin-null'
  | 'origin-malformed'
  | 'origin-mismatch'
  | 'origin-scheme-mismatch'
  | 'referer-malformed'
  | 'referer-mismatch'
  | 'no-origin-signal';

/** What {@link checkCrossOrigin} found. */
export type CrossOriginResult =
  | { readonly ok: true; readonly via: CrossOriginPass }
  | { readonly ok: false; readonly reason: CrossOriginFailure };

/** Methods that must not change state and are never checked (RFC 9110 §9.2.1; Go's list). */
export function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

/**
 * Decides from browser-set headers whether a request comes from this site, in Go 1.25's order:
 *
 * 1. `GET`, `HEAD`, `OPTIONS` pass.
 * 2. `Sec-Fetch-Site` (sent by every major browser since 2023, only to https or localhost):
 *    `same-origin` and `none` (a user navigation) pass; anything else (`cross-site`, `same-site`,
 *    an unknown or repeated value) fails unless `Origin` is a trusted origin.
 * 3. Without it, `Origin`: passes when it equals the request's own origin (scheme from
 *    `isSecure`, plus `host`) or a trusted origin; `null` (opaque origins: sandboxed frames,
 *    privacy redirects) and malformed values fail. Unlike Go, which compares hosts only, the
 *    scheme counts: an `http://` page posting to the `https://` site is cross-origin (OWASP).
 *    So `isSecure` must reflect the client's scheme behind a TLS proxy, or old browsers fail
 *    with `origin-scheme-mismatch`.
 * 4. Without both, on https only, the origin of `Referer` is compared the same way (Django and
 *    Flask-WTF do so; over plain http the header proves nothing).
 * 5. With none of them the request is either not from a browser or from one that hides where
 *    it comes from: the result is `{ ok: false, reason: 'no-origin-signal' }`, the one failure
 *    that is *undecided*. Go lets such requests through; Phial's {@link csrfProtect} instead
 *    requires the synchronizer token when the request carries credentials. A caller that only
 *    checks `ok` fails closed.
 *
 * @param trusted Origins allowed cross-origin (see {@link trustedOrigins}).
 * @throws {TypeError} when `trusted` holds an entry that is not an origin (configuration error).
 */
export function checkCrossOrigin(input: CrossOriginInput, trusted?: TrustedOrigins): CrossOriginResult {
  if (isSafeMethod(input.method)) return { ok: true, via: 'safe-method' };
  const site = present(input.secFetchSite);
  const origin = present(input.origin);
  if (site !== undefined) {
    if (site === 'same-origin' || site === 'none') return { ok: true, via: 'fetch-site' };
    if (origin !== undefined && isTrusted(origin, trusted)) return { ok: true, via: 'trusted-origin' };
    return { ok: false, reason: 'fetch-site' };
  }
  if (origin !== undefined) {
    if (origin === 'null') return { ok: false, reason: 'origin-null' };
    const normal = normalizeOrigin(origin);
    if (normal === undefined) return { ok: false, reason: 'origin-malformed' };
    const own = ownOrigin(input);
    if (normal === own) return { ok: true, via: 'origin' };
    if (trustedSet(trusted).has(normal)) return { ok: true, via: 'trusted-origin' };
    return { ok: false, reason: own !== undefined && sameHostOtherScheme(normal, own) ? 'origin-scheme-mismatch' : 'origin-mismatch' };
  }
  const referer = present(input.referer);
  if (input.isSecure && referer !== undefined) {
    let from: string;
    try { from = new URL(referer).origin; } catch { return { ok: false, reason: 'referer-malformed' }; }
    if (from === ownOrigin(input)) return { ok: true, via: 'referer' };
    if (trustedSet(trusted).has(from)) return { ok: true, via: 'trusted-origin' };
    return { ok: false, reason: 'referer-mismatch' };
  }
  return { ok: false, reason: 'no-origin-signal' };
}

/** Go's `Header.Get` semantics: an empty value counts as absent. */
function present(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isTrusted(origin: string, trusted: TrustedOrigins | undefined): boolean {
  const normal = normalizeOrigin(origin);
  return normal !== undefined && trustedSet(trusted).has(normal);
}

function ownOrigin(input: CrossOriginInput): string | undefined {
  const host = present(input.host);
  return host === undefined ? undefined : normalizeOrigin(`${input.isSecure ? 'https' : 'http'}://${host}`);
}

/** Both normalised origins name the same host and differ in scheme: a TLS proxy not trusted, usually. */
function sameHostOtherScheme(a: string, b: string): boolean {
  const ua = new URL(a);
  const ub = new URL(b);
  return ua.hostname === ub.hostname && ua.protocol !== ub.protocol;
}
