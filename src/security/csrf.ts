/**
 * Cross-site request forgery protection: the decision the request path takes for every unsafe
 * request, and its two parts.
 *
 * 1. **Fetch Metadata / Origin** ({@link checkCrossOrigin}), the algorithm of Go 1.25's
 *    `net/http.CrossOriginProtection` and of the OWASP CSRF Prevention Cheat Sheet ("Fetch
 *    Metadata headers", "Verifying origin with standard headers"): browsers tell the server where
 *    a request comes from, and an unsafe request from another origin is refused.
 * 2. **Synchronizer token** ({@link generateCsrfToken}, {@link verifyCsrfToken}), OWASP's
 *    "synchronizer token pattern" the way Flask-WTF builds it: an HMAC over a per-session secret
 *    and a timestamp, so it is bound to one session, expires, and verifies under the current key
 *    or a fallback key. It decides the requests that carry no origin signal at all (old browsers,
 *    privacy proxies that strip headers).
 *
 * {@link csrfProtect} combines them. The `Content-Type` of the request plays no part anywhere:
 * browsers send every type cross-site (`text/plain` and friends need no preflight), so exempting
 * any type by its spelling is the bypass of case C24.
 *
 * @module
 */
import { createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';

// ---------------------------------------------------------------------------------------------
// Origins
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Synchronizer token
// ---------------------------------------------------------------------------------------------

/** The form field that carries the token (Flask-WTF's name). */
export const CSRF_FIELD_NAME = 'csrf_token';
/** The request header that carries the token (lower-case, as Node presents headers). */
export const CSRF_HEADER_NAME = 'x-csrf-token';
/** Default token lifetime in seconds: one hour, Flask-WTF's `WTF_CSRF_TIME_LIMIT`. */
export const CSRF_DEFAULT_MAX_AGE_SECONDS = 3600;
/** Clock skew tolerated between the servers that issue and verify a token, in seconds. */
const FUTURE_SKEW_SECONDS = 60;

const TS_BYTES = 6; // seconds since the epoch, big-endian: good until the year 8,921,556
const MAC_BYTES = 32; // HMAC-SHA256
const RAW_BYTES = TS_BYTES + MAC_BYTES;
/** Encoded token length: base64url of mask (38 bytes) + masked raw token (38 bytes). */
const TOKEN_LENGTH = Math.ceil(((2 * RAW_BYTES) * 4) / 3);
const TOKEN_SHAPE = new RegExp(`^[A-Za-z0-9_-]{${TOKEN_LENGTH}}$`);
const KEY_SALT = 'phial.csrf-token.v1';

// Random masks come from a pool, like CSP nonces: one CSPRNG call serves ~100 tokens.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

function drawMask(): Buffer {
  if (poolOffset + RAW_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const mask = Buffer.from(pool.subarray(poolOffset, poolOffset + RAW_BYTES));
  poolOffset += RAW_BYTES;
  return mask;
}

// One derived key per app secret key (itsdangerous-style derivation, so the app key is never
// used directly for this purpose). Bounded: apps have a current key and a few fallbacks.
const derivedKeys = new Map<string, Buffer>();

function derivedKey(secretKey: string): Buffer {
  let key = derivedKeys.get(secretKey);
  if (key === undefined) {
    key = createHmac('sha256', secretKey).update(KEY_SALT).digest();
    if (derivedKeys.size >= 16) derivedKeys.clear();
    derivedKeys.set(secretKey, key);
  }
  return key;
}

// Recent MACs by (app key, session secret, second): a page with several forms, and the POST that
// follows it, reuse one HMAC. Bounded; cleared when full.
const recentMacs = new Map<string, Buffer>();

function tokenMac(secretKey: string, sessionSecret: string, ts: Buffer): Buffer {
  const id = `${ts.readUIntBE(0, TS_BYTES)}\0${sessionSecret}\0${secretKey}`;
  let mac = recentMacs.get(id);
  if (mac === undefined) {
    mac = computeMac(secretKey, sessionSecret, ts);
    if (recentMacs.size >= 1024) recentMacs.clear();
    recentMacs.set(id, mac);
  }
  return mac;
}

function computeMac(secretKey: string, sessionSecret: string, ts: Buffer): Buffer {
  const secret = Buffer.from(sessionSecret, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(secret.length);
  // Length-prefixed, as OWASP's signed token does, so no two (secret, ts) pairs share bytes.
  return createHmac('sha256', derivedKey(secretKey)).update(length).update(secret).update(ts).digest();
}

/**
 * A new per-session CSRF secret: 32 random bytes (256 bits), base64url, 43 characters. The
 * session keeps it server-side (or in its signed/encrypted cookie) and replaces it on
 * `regenerate()`, which invalidates every token issued before.
 */
export function newCsrfSecret(): string {
  const bytes = Buffer.alloc(32);
  randomFillSync(bytes);
  return bytes.toString('base64url');
}

/**
 * Issues a synchronizer token for the session whose CSRF secret is `sessionSecret`.
 *
 * The token is HMAC-SHA256(key derived from `secretKey`, len ‖ sessionSecret ‖ timestamp) with
 * the timestamp (seconds) beside it, XOR-masked with fresh random bytes and base64url-encoded:
 * 102 characters from `[A-Za-z0-9_-]`, safe in HTML attributes and headers. Every call returns
 * a different string (masking against BREACH compression attacks, as Django does), and all of
 * them verify until they expire.
 *
 * @param sessionSecret The session's CSRF secret (see {@link newCsrfSecret}); never sent as is.
 * @param secretKey The app's current secret key.
 * @param now Issue time in milliseconds since the epoch; default `Date.now()`.
 * @throws {TypeError} when `sessionSecret` or `secretKey` is empty or not a string.
 * @example const token = generateCsrfToken(session.csrfSecret, config.secretKey);
 */
export function generateCsrfToken(sessionSecret: string, secretKey: string, now: number = Date.now()): string {
  requireSecret(sessionSecret, 'sessionSecret');
  requireSecret(secretKey, 'secretKey');
  const raw = Buffer.alloc(RAW_BYTES);
  raw.writeUIntBE(Math.max(0, Math.floor(now / 1000)), 0, TS_BYTES);
  tokenMac(secretKey, sessionSecret, raw.subarray(0, TS_BYTES)).copy(raw, TS_BYTES);
  const mask = drawMask();
  for (let i = 0; i < RAW_BYTES; i++) raw[i] = raw[i]! ^ mask[i]!;
  return Buffer.concat([mask, raw]).toString('base64url');
}

/** Why a token did not verify. */
export type CsrfTokenFailure = 'token-missing' | 'token-malformed' | 'token-expired' | 'token-invalid';

/** What {@link verifyCsrfToken} found. */
export type CsrfTokenResult = { readonly ok: true } | { readonly ok: false; readonly reason: CsrfTokenFailure };

/** Options of {@link verifyCsrfToken}. */
export interface VerifyCsrfTokenOptions {
  /**
   * Token lifetime in seconds, counted from issue; default {@link CSRF_DEFAULT_MAX_AGE_SECONDS}
   * (3600, Flask-WTF's). `Infinity` binds the token to the session's lifetime only.
   */
  readonly maxAgeSeconds?: number;
  /** Verification time in milliseconds since the epoch; default `Date.now()`. */
  readonly now?: number;
}

/**
 * Verifies a submitted synchronizer token against the session's CSRF secret.
 *
 * The signature is checked first (in constant time, under each key in turn), then the age, so
 * `token-expired` is only reported for a token this app really issued. A token of another
 * session, another app key, or with any byte changed is `token-invalid`.
 *
 * @param token The submitted value, untrusted: any type, any length (never throws for it).
 * @param sessionSecret This session's CSRF secret.
 * @param secretKeys The current app key first, then fallback keys (Flask's
 *   `SECRET_KEY_FALLBACKS`): a token signed with any of them verifies.
 * @throws {TypeError} when `sessionSecret` is empty, `secretKeys` is empty or holds an empty
 *   key, or `maxAgeSeconds` is not a positive number (all programming errors).
 * @example
 * const result = verifyCsrfToken(req.headers['x-csrf-token'], session.csrfSecret, [key, ...fallbacks]);
 * if (!result.ok) abort(403);
 */
export function verifyCsrfToken(
  token: unknown,
  sessionSecret: string,
  secretKeys: readonly string[],
  options: VerifyCsrfTokenOptions = {},
): CsrfTokenResult {
  requireSecret(sessionSecret, 'sessionSecret');
  if (!Array.isArray(secretKeys) || secretKeys.length === 0) throw new TypeError('verifyCsrfToken: `secretKeys` must list at least the current secret key');
  for (const key of secretKeys) requireSecret(key, 'secretKeys[]');
  const { maxAgeSeconds = CSRF_DEFAULT_MAX_AGE_SECONDS, now = Date.now() } = options;
  if (typeof maxAgeSeconds !== 'number' || Number.isNaN(maxAgeSeconds) || maxAgeSeconds <= 0) {
    throw new TypeError(`verifyCsrfToken: maxAgeSeconds must be a positive number of seconds, got ${String(maxAgeSeconds)}`);
  }
  if (token === undefined || token === null || token === '') return { ok: false, reason: 'token-missing' };
  if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return { ok: false, reason: 'token-malformed' };
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== 2 * RAW_BYTES) return { ok: false, reason: 'token-malformed' };
  const raw = Buffer.alloc(RAW_BYTES);
  for (let i = 0; i < RAW_BYTES; i++) raw[i] = bytes[RAW_BYTES + i]! ^ bytes[i]!;
  const ts = raw.subarray(0, TS_BYTES);
  const mac = raw.subarray(TS_BYTES);
  let signed = false;
  for (const key of secretKeys) {
    if (timingSafeEqual(tokenMac(key, sessionSecret, ts), mac)) { signed = true; break; }
  }
  if (!signed) return { ok: false, reason: 'token-invalid' };
  const issued = raw.readUIntBE(0, TS_BYTES);
  const nowSeconds = Math.floor(now / 1000);
  if (issued > nowSeconds + FUTURE_SKEW_SECONDS) return { ok: false, reason: 'token-invalid' };
  if (nowSeconds - issued > maxAgeSeconds) return { ok: false, reason: 'token-expired' };
  return { ok: true };
}

function requireSecret(value: unknown, name: string): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`CSRF: \`${name}\` must be a non-empty string`);
}

// ---------------------------------------------------------------------------------------------
// The decision
// ---------------------------------------------------------------------------------------------

/** A value, or a function producing it on demand (so a body or a session is only read if needed). */
export type Lazy<T> = T | (() => T | Promise<T>);

/** Node's parsed request headers (lower-case names), e.g. `IncomingMessage.headers`. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** The request as {@link csrfProtect} sees it. */
export interface CsrfRequest {
  /** The request method as received (case-sensitive). */
  readonly method: string;
  /** All request headers. Only `sec-fetch-site`, `origin`, `referer`, `host`, `cookie`, `authorization` and `x-csrf-token` are read; never `content-type`. */
  readonly headers: RequestHeaders;
  /** The client-facing scheme is https (after trusted proxies). */
  readonly isSecure: boolean;
  /** The validated host; default the `host` header. */
  readonly host?: string | undefined;
  /**
   * Whether the request carries credentials a browser attaches by itself. Default: a non-empty
   * `Cookie` header, or an `Authorization` header with the Basic, Digest, Negotiate or NTLM
   * scheme (a Bearer token is not ambient). Set `true` for TLS client-certificate logins.
   */
  readonly hasCredentials?: boolean | undefined;
  /** The parsed `csrf_token` form field, read only when a token is needed and the header is absent. */
  readonly formToken?: Lazy<unknown>;
  /** The session's CSRF secret, or `undefined` when there is no session; read only when a token is needed. */
  readonly sessionSecret?: Lazy<string | undefined>;
}

/** The app's CSRF settings, plus the route's exemption. */
export interface CsrfPolicy {
  /** The current secret key first, then fallbacks (verify only). Required, non-empty. */
  readonly secretKeys: readonly string[];
  /** Origins allowed to send unsafe requests cross-origin; default none. */
  readonly trustedOrigins?: TrustedOrigins | undefined;
  /** Token lifetime in seconds; default 3600. */
  readonly maxAgeSeconds?: number | undefined;
  /** The route or blueprint is explicitly exempt (`csrf: false`): every request passes. Default `false`. */
  readonly exempt?: boolean | undefined;
  /**
   * Require a valid token on every unsafe request, even same-origin ones (Flask-WTF's
   * behaviour). Default `false`: the token is required only when no origin signal decided.
   */
  readonly requireToken?: boolean | undefined;
  /** Decision time in milliseconds since the epoch; default `Date.now()` (for tests). */
  readonly now?: number | undefined;
}

/** How a request passed. */
export type CsrfPass = CrossOriginPass | 'exempt' | 'no-credentials' | 'token';

/** Why a request was refused (stable; for the security log). */
export type CsrfFailure = Exclude<CrossOriginFailure, 'no-origin-signal'> | 'session-missing' | CsrfTokenFailure;

/** The decision: let the request through, or answer 403 with `message` and log `reason`. */
export type CsrfDecision =
  | { readonly ok: true; readonly via: CsrfPass }
  | { readonly ok: false; readonly status: 403; readonly reason: CsrfFailure; readonly message: string };

/** Short, safe 403 messages (Flask-WTF's wording for the token ones). No request data in them. */
export const CSRF_MESSAGES: Readonly<Record<CsrfFailure, string>> = Object.freeze({
  'fetch-site': 'Cross-site request refused.',
  'origin-null': 'Cross-origin request refused: the origin is hidden.',
  'origin-malformed': 'Cross-origin request refused: the Origin header is malformed.',
  'origin-mismatch': 'Cross-origin request refused.',
  'origin-scheme-mismatch': 'Cross-origin request refused: the origin uses another scheme.',
  'referer-malformed': 'The referrer header is malformed.',
  'referer-mismatch': 'The referrer does not match this site.',
  'session-missing': 'The CSRF session token is missing.',
  'token-missing': 'The CSRF token is missing.',
  'token-malformed': 'The CSRF token is invalid.',
  'token-invalid': 'The CSRF token is invalid.',
  'token-expired': 'The CSRF token has expired.',
});

const AMBIENT_AUTH = /^(?:basic|digest|negotiate|ntlm)(?:\s|$)/i;

/**
 * Decides whether an unsafe request may proceed. The request path calls it for every request
 * whose method is not safe (it may skip safe methods: they always pass), before the view.
 *
 * 1. An exempt route passes (`via: 'exempt'`); so do safe methods.
 * 2. {@link checkCrossOrigin}: a cross-origin signal refuses the request, whatever token it
 *    carries (Django and Go also refuse); a same-origin signal lets it through.
 * 3. No origin signal: a request without ambient credentials passes (`no-credentials`: nothing
 *    for a forger to borrow); one with credentials needs a valid synchronizer token from the
 *    `X-CSRF-Token` header or else the `csrf_token` form field, checked against the session's
 *    CSRF secret.
 * With `requireToken`, step 2's same-origin pass and step 3's no-credentials pass also need a
 * valid token.
 *
 * The request's `Content-Type` is never read: no type, casing, parameter or absence changes
 * the outcome (case C24).
 *
 * @returns the decision; a refusal carries `status: 403`, the `message` for the response body
 *   and the stable `reason` for the security log (never log the token itself).
 * @throws {TypeError} for a bad policy (no secret keys, invalid trusted origin, bad max age),
 *   and whatever the lazy `formToken` / `sessionSecret` functions throw (e.g. a 400 for a
 *   malformed body).
 * @example
 * const decision = await csrfProtect(
 *   { method: req.method, headers: req.headers, isSecure: req.isSecure, host: req.host,
 *     formToken: async () => (await req.form()).csrf_token,
 *     sessionSecret: async () => (await req.loadSession())?.csrfSecret },
 *   { secretKeys: [config.secretKey, ...config.secretKeyFallbacks], exempt: route.csrfExempt },
 * );
 * if (!decision.ok) { log.warn({ event: 'csrf', reason: decision.reason }); throw new Forbidden(decision.message); }
 */
export async function csrfProtect(request: CsrfRequest, policy: CsrfPolicy): Promise<CsrfDecision> {
  if (!Array.isArray(policy.secretKeys) || policy.secretKeys.length === 0) {
    throw new TypeError('csrfProtect: `secretKeys` must list at least the current secret key');
  }
  if (policy.exempt === true) return { ok: true, via: 'exempt' };
  const { headers } = request;
  const cross = checkCrossOrigin({
    method: request.method,
    secFetchSite: single(headers['sec-fetch-site']),
    origin: single(headers.origin),
    referer: single(headers.referer),
    host: request.host ?? single(headers.host),
    isSecure: request.isSecure,
  }, policy.trustedOrigins);
  if (cross.ok && cross.via === 'safe-method') return cross;
  if (!cross.ok && cross.reason !== 'no-origin-signal') return refuse(cross.reason);
  if (policy.requireToken !== true) {
    if (cross.ok) return cross;
    if (!(request.hasCredentials ?? hasAmbientCredentials(headers))) return { ok: true, via: 'no-credentials' };
  }

  const secret = await resolve(request.sessionSecret);
  if (typeof secret !== 'string' || secret === '') return refuse('session-missing');
  const headerToken = single(headers[CSRF_HEADER_NAME]);
  const token = headerToken !== undefined && headerToken !== '' ? headerToken : await resolve(request.formToken);
  const verdict = verifyCsrfToken(token, secret, policy.secretKeys, {
    ...(policy.maxAgeSeconds !== undefined ? { maxAgeSeconds: policy.maxAgeSeconds } : {}),
    ...(policy.now !== undefined ? { now: policy.now } : {}),
  });
  return verdict.ok ? { ok: true, via: 'token' } : refuse(verdict.reason);
}

/**
 * Whether the headers carry credentials a browser sends on its own: any cookie, or HTTP
 * authentication the browser remembers (Basic, Digest, Negotiate, NTLM).
 */
export function hasAmbientCredentials(headers: RequestHeaders): boolean {
  const cookie = single(headers.cookie);
  if (cookie !== undefined && cookie.trim() !== '') return true;
  const auth = single(headers.authorization);
  return auth !== undefined && AMBIENT_AUTH.test(auth.trimStart());
}

function refuse(reason: CsrfFailure): CsrfDecision {
  return { ok: false, status: 403, reason, message: CSRF_MESSAGES[reason] };
}

/** A repeated header becomes one comma-joined value, which no check accepts (fail closed). */
function single(value: string | string[] | undefined): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  return value.join(', ');
}

async function resolve<T>(value: Lazy<T> | undefined): Promise<T | undefined> {
  return typeof value === 'function' ? await (value as () => T | Promise<T>)() : value;
}
