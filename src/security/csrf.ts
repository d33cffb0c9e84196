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
import { checkCrossOrigin, type CrossOriginFailure, type CrossOriginPass, type TrustedOrigins } from './csrf-origin.ts';
import { CSRF_HEADER_NAME, verifyCsrfToken, type CsrfTokenFailure } from './csrf-token.ts';

// The two parts are reachable from this module, the one the rest of Phial imports.
export {
  checkCrossOrigin, isSafeMethod, normalizeOrigin, trustedOrigins,
  type CrossOriginFailure, type CrossOriginInput, type CrossOriginPass, type CrossOriginResult, type TrustedOrigins,
} from './csrf-origin.ts';
export {
  CSRF_DEFAULT_MAX_AGE_SECONDS, CSRF_FIELD_NAME, CSRF_HEADER_NAME, generateCsrfToken, newCsrfSecret, verifyCsrfToken,
  type CsrfTokenFailure, type CsrfTokenResult, type VerifyCsrfTokenOptions,
} from './csrf-token.ts';

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
  const first = csrfHeaderDecision(request, policy);
  return first.ok === 'token-required' ? csrfTokenDecision(request, policy) : first;
}

/** The header decision's third outcome: no header decided, a synchronizer token must. */
export interface CsrfTokenRequired { readonly ok: 'token-required' }

/**
 * The part of {@link csrfProtect} that reads headers only (steps 1–3 without the token): it runs
 * before the request body is read, so a cross-site request is refused before its body is parsed
 * or its files are written. `token-required` means {@link csrfTokenDecision} must decide.
 * @throws {TypeError} for a bad policy (no secret keys)
 */
export function csrfHeaderDecision(request: CsrfRequest, policy: CsrfPolicy): CsrfDecision | CsrfTokenRequired {
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
  return TOKEN_REQUIRED;
}

const TOKEN_REQUIRED: CsrfTokenRequired = Object.freeze({ ok: 'token-required' });

/**
 * The synchronizer-token part of {@link csrfProtect}, for a request whose headers decided
 * nothing ({@link csrfHeaderDecision} said `token-required`): a valid token from the
 * `X-CSRF-Token` header or else the `csrf_token` form field, checked against the session's secret.
 * @throws whatever the lazy `formToken` / `sessionSecret` functions throw
 */
export async function csrfTokenDecision(request: CsrfRequest, policy: CsrfPolicy): Promise<CsrfDecision> {
  const secret = await resolve(request.sessionSecret);
  if (typeof secret !== 'string' || secret === '') return refuse('session-missing');
  const headerToken = single(request.headers[CSRF_HEADER_NAME]);
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
