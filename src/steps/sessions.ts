/**
 * Sessions and CSRF as the request path sees them: the app's session settings resolved into one
 * session back-end, and the per-request steps — open the session when the request carries its
 * cookie, check CSRF on unsafe methods, save the session and write its cookie with `Vary: Cookie`
 * and `Cache-Control: private, no-store` (Flask CVE-2023-30861, case C26).
 *
 * @module
 */
import type { PhialConfig } from '../config/config.ts';
import { Forbidden } from '../errors/http.ts';
import { SetupError } from '../errors/setup-error.ts';
import { findUnknownKey, unknownKeyMessage } from '../util/known-keys.ts';
import type { Request } from '../http/request.ts';
import type { Response } from '../http/response.ts';
import { isUrlEncoded, isMultipart } from '../http/content-type.ts';
import { csrfHeaderDecision, csrfTokenDecision, trustedOrigins, generateCsrfToken, type CsrfPolicy, type CsrfRequest } from '../security/csrf.ts';
import { createSessionInterface, sessionCookieName, SESSION_COOKIE_ATTRIBUTES, type SessionInterface } from '../sessions/interface.ts';
import type { CommonSessionOptions } from '../sessions/options.ts';
import { CSRF_SECRET_KEY, type Session } from '../sessions/session.ts';
import type { SessionStore } from '../sessions/stores/types.ts';

/**
 * The `session` option of an app. Default `{ type: 'encrypted' }`: AES-256-GCM cookies under a key
 * derived from `secretKey`. `'signed'` is Flask's format (readable by the client, shareable with a
 * Flask app during a migration); `'server'` keeps the data in `store` and only a 256-bit random id
 * in the cookie (Flask-Session), so a logout or `regenerate()` revokes the old cookie everywhere.
 */
export type AppSessionOptions = CommonSessionOptions & {
  /** Base cookie name (default `session`); sent as `__Host-<name>` over HTTPS. */
  cookieName?: string;
} & (
  | { type?: 'encrypted' | 'signed' }
  | {
    type: 'server';
    /**
     * The store, or a function of the resolved config that builds it (so it can live in the
     * instance folder), e.g.
     * `(config) => new SqliteSessionStore({ instancePath: config.instancePath })`.
     */
    store: SessionStore | ((config: PhialConfig) => SessionStore);
  }
);

/** The `csrf` option of an app. CSRF protection cannot be switched off app-wide; routes opt out with `csrf: false`. */
export interface AppCsrfOptions {
  /**
   * Origins (`https://admin.example`) allowed to send unsafe requests cross-origin, besides the
   * request's own origin. Default: the configured `origin`, if any.
   */
  trustedOrigins?: readonly string[];
  /** Require the synchronizer token on every unsafe request, even same-origin ones (Flask-WTF's mode). Default false. */
  requireToken?: boolean;
  /** Token lifetime, seconds. Default 3600 (Flask-WTF's `WTF_CSRF_TIME_LIMIT`). */
  maxAgeSeconds?: number;
}

const SESSION_OPTIONS = ['type', 'store', 'cookieName', 'idleTimeout', 'absoluteTimeout', 'refreshInterval', 'permanent', 'now'];
const CSRF_OPTIONS = ['trustedOrigins', 'requireToken', 'maxAgeSeconds'];

/** @internal What the request path needs for sessions and CSRF, resolved at freeze. */
export class SessionRuntime {
  readonly iface: SessionInterface;
  readonly cookieBase: string;
  private readonly csrfPolicy: CsrfPolicy;

  constructor(readonly config: PhialConfig, session: AppSessionOptions = {}, readonly csrf: AppCsrfOptions = {}) {
    for (const [where, options, known] of [['session', session, SESSION_OPTIONS], ['csrf', csrf, CSRF_OPTIONS]] as const) {
      const found = findUnknownKey(options, known);
      if (found) throw new SetupError('PHIAL_E_UNKNOWN_OPTION', unknownKeyMessage(`The ${where} option`, found, known));
    }
    const { cookieName, ...rest } = session;
    this.cookieBase = cookieName ?? 'session';
    sessionCookieName(false, this.cookieBase); // validates the name at startup
    if (rest.type === 'server') {
      const store = typeof rest.store === 'function' ? rest.store(config) : rest.store;
      this.iface = createSessionInterface({ ...rest, type: 'server', store, env: config.env });
    } else {
      this.iface = createSessionInterface({
        ...rest, type: rest.type ?? 'encrypted', secretKey: config.secretKey, secretKeyFallbacks: config.secretKeyFallbacks,
      });
    }
    this.csrfPolicy = {
      secretKeys: [config.secretKey, ...config.secretKeyFallbacks],
      trustedOrigins: trustedOrigins(csrf.trustedOrigins ?? (config.origin ? [config.origin] : [])),
      requireToken: csrf.requireToken, maxAgeSeconds: csrf.maxAgeSeconds,
    };
  }

  /** The session cookie's name for this request (`__Host-` prefixed over HTTPS). */
  cookieName(req: Request<unknown, unknown>): string {
    return sessionCookieName(this.secure(req), this.cookieBase);
  }

  /**
   * Whether the session cookie is `__Host-`/`Secure`: over HTTPS, and always in production (a
   * TLS-terminating proxy that is not in `trustedProxies` still serves the browser over HTTPS).
   */
  private secure(req: Request<unknown, unknown>): boolean {
    return req.isSecure || this.config.env === 'production';
  }

  /** True when the raw `Cookie` header may hold the session cookie (a cheap, conservative test). */
  mayCarryCookie(cookieHeader: string | undefined): boolean {
    return cookieHeader !== undefined && cookieHeader.includes(this.cookieBase);
  }

  /**
   * True when the request must take the general path to have its session opened before the view:
   * a server-side session whose cookie is present (its store is read asynchronously). Cookie
   * sessions open synchronously on first access, so they never force it.
   */
  needsPreload(cookieHeader: string | undefined): boolean {
    return this.iface.openSync === undefined && this.mayCarryCookie(cookieHeader);
  }

  /** The session cookie's value on this request, if any. */
  private cookieValue(req: Request<unknown, unknown>): string | undefined {
    return this.mayCarryCookie(req.raw.headers.cookie) ? req.cookies[this.cookieName(req)] : undefined;
  }

  /** True when the request has a session: opened already, or its cookie is present. */
  hasSession(req: Request<unknown, unknown>): boolean {
    return req.sessionOpened || this.cookieValue(req) !== undefined;
  }

  /**
   * Opens a server-side session now when the request carries its cookie (a view then reads it
   * synchronously). Cookie sessions are left to open on first access: a request that never
   * touches `req.session` decodes nothing.
   */
  async preload(req: Request<unknown, unknown>): Promise<void> {
    if (req.sessionOpened || this.iface.openSync !== undefined) return;
    const value = this.cookieValue(req);
    if (value !== undefined) req.attachSession(await this.iface.open(value));
  }

  /** The session of a request on first access: decoded from its cookie (cookie back-ends) or a fresh one. */
  openOnAccess(req: Request<unknown, unknown>): Session {
    const openSync = this.iface.openSync;
    return openSync ? openSync.call(this.iface, this.cookieValue(req)) : this.iface.fresh();
  }

  /**
   * The header half of the CSRF check of an unsafe request (Fetch Metadata / `Origin`), which
   * runs before the body is read.
   * @returns true when a synchronizer token must still decide ({@link checkCsrfToken})
   * @throws {Forbidden} 403 with a short message; the reason goes to the security log
   */
  checkCsrfHeaders(req: Request<unknown, unknown>, log: (event: object) => void): boolean {
    const decision = csrfHeaderDecision(this.csrfRequest(req), this.csrfPolicy);
    if (decision.ok === 'token-required') return true;
    if (!decision.ok) this.refuse(req, decision.reason, decision.message, log);
    return false;
  }

  /**
   * The token half of the CSRF check: a valid synchronizer token from `X-CSRF-Token` or the
   * `csrf_token` form field (the body is already read), bound to the session's secret.
   * @throws {Forbidden} 403 with a short message; the reason goes to the security log
   */
  async checkCsrfToken(req: Request<unknown, unknown>, log: (event: object) => void): Promise<void> {
    const decision = await csrfTokenDecision(this.csrfRequest(req), this.csrfPolicy);
    if (!decision.ok) this.refuse(req, decision.reason, decision.message, log);
  }

  private refuse(req: Request<unknown, unknown>, reason: string, message: string, log: (event: object) => void): never {
    log({ event: 'csrf_refused', reason, method: req.method, path: req.path, reqId: req.id, ip: req.remoteAddr });
    throw new Forbidden(message);
  }

  private csrfRequest(req: Request<unknown, unknown>): CsrfRequest {
    return {
      method: req.method, headers: req.headers, isSecure: req.isSecure, host: req.host,
      formToken: async () => {
        const mt = req.mediaType;
        if (!mt || !(isUrlEncoded(mt) || isMultipart(mt))) return undefined;
        return (await req.form())['csrf_token'];
      },
      sessionSecret: async () => {
        await this.preload(req);
        if (!this.hasSession(req)) return undefined;
        const secret = req.session.get(CSRF_SECRET_KEY as never) as unknown;
        return typeof secret === 'string' ? secret : undefined;
      },
    };
  }

  /** A fresh masked CSRF token for this request's session (creating the session's secret if needed). */
  csrfToken(req: Request<unknown, unknown>): string {
    return generateCsrfToken(req.session.csrfSecret(), this.config.secretKey);
  }

  /**
   * Saves an opened session and sets, refreshes or deletes its cookie on `response`; a response
   * that touched the session becomes `Vary: Cookie` and, unless the view set its own
   * `Cache-Control`, `private, no-store`.
   */
  async save(req: Request<unknown, unknown>, response: Response): Promise<void> {
    if (!req.sessionOpened) return;
    const session = req.session as Session;
    const result = await this.iface.save(session);
    const name = this.cookieName(req);
    const secure = this.secure(req);
    if (result.action === 'set') {
      response.setCookie(name, result.value, {
        ...SESSION_COOKIE_ATTRIBUTES, secure, ...(result.maxAge !== undefined ? { maxAge: result.maxAge } : {}),
      } as never);
    } else if (result.action === 'delete') {
      response.deleteCookie(name, { ...SESSION_COOKIE_ATTRIBUTES, secure } as never);
    }
    if (session.accessed || result.action !== 'none') {
      const vary = response.headers.get('vary');
      if (!vary || !/(^|,)\s*(cookie|\*)\s*(,|$)/i.test(vary)) response.headers.set('vary', vary ? `${vary}, Cookie` : 'Cookie');
      if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'private, no-store');
    }
  }
}
