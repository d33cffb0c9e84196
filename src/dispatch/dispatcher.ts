/**
 * The request path, top to bottom: route → before hooks → view → response → after hooks → write
 * → teardown. Built by the app when it is frozen, from its compiled state.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { HTTPException, InternalServerError, MethodNotAllowed, NotFound, BadRequest } from '../errors/http.ts';
import { Request, type RequestHost } from '../http/request.ts';
import { Response } from '../http/response.ts';
import { isJsonData, makeResponse } from '../http/make-response.ts';
import { writeHtmlFast, writeJsonFast } from '../http/fast-write.ts';
import { errorResponse } from '../http/error-page.ts';
import { headerNames, writeResponse, type WriteContext } from '../http/writer.ts';
import { DEVELOPMENT_HOSTS, hasRepeatedHost, hostName, isTrustedHost } from '../http/hosts.ts';
import { findErrorHandler } from './error-handlers.ts';
import { isLoopbackHost } from '../config/config.ts';
import type { UrlMap } from '../routing/map.ts';
import { compileSecurityHeaders, mergeSecurityHeaderOptions, type CompiledSecurityHeaders } from '../security/headers.ts';
import { checkRedirectTarget } from '../security/redirect.ts';
import type { PhialConfig } from '../config/config.ts';
import type { TemplateEngine, TemplateEngineOptions } from '../templates/engine.ts';
import { createTemplateEngine } from '../templates/lazy.ts';
import type { TemplateResult } from '../http/template-result.ts';
import { SetupError, type Scaffold } from '../app/scaffold.ts';
import { RouteEntry } from './routes.ts';
import { hasBody, prepareBody, validateInputs } from './route-inputs.ts';
import type { SessionRuntime } from './sessions.ts';
import { isSafeMethod } from '../security/csrf.ts';
import type { AfterRequestHook, BeforeRequestHook, ErrorHandler, TeardownRequestHook, ViewReturn } from '../http/view.ts';

/** A logger with the methods the request path uses (pino's). */
export interface DispatchLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  fatal(obj: object, msg?: string): void;
}

/** The compiled state of an app that the request path reads. */
export interface DispatchState {
  readonly app: Scaffold;
  readonly config: PhialConfig;
  readonly logger: DispatchLogger;
  readonly map: UrlMap<RouteEntry>;
  readonly headers: CompiledSecurityHeaders;
  readonly names: Set<string>;
  /** The template engine's options when the app has a template folder (created on first render). */
  readonly templates: TemplateEngineOptions | undefined;
  readonly appBefore: BeforeRequestHook[];
  readonly appAfter: AfterRequestHook[];
  readonly appTeardown: TeardownRequestHook[];
  readonly requestHost: RequestHost;
  readonly sessions: SessionRuntime;
}

/** The 308 to a URL's canonical spelling (strict slashes, merged slashes, dot segments, escapes). */
class CanonicalRedirect extends Response {
  constructor(location: string) {
    super(null, { status: 308, headers: { location } });
  }
}

const NO_HOOKS: BeforeRequestHook[] = [];

/** @internal The request path of one frozen app. */
export class Dispatcher {
  private readonly config: PhialConfig;
  private readonly logger: DispatchLogger;
  private readonly map: UrlMap<RouteEntry>;
  private readonly headers: CompiledSecurityHeaders;
  private readonly names: Set<string>;
  private readonly templateOptions: TemplateEngineOptions | undefined;
  private engine: Promise<TemplateEngine> | undefined;
  private readonly appBefore: BeforeRequestHook[];
  private readonly appAfter: AfterRequestHook[];
  private readonly appTeardown: TeardownRequestHook[];
  private readonly requestHost: RequestHost;
  private readonly app: Scaffold;
  private readonly sessions: SessionRuntime;
  private readonly trustedHosts: readonly string[];

  constructor(state: DispatchState) {
    this.app = state.app;
    this.config = state.config;
    this.logger = state.logger;
    this.map = state.map;
    this.headers = state.headers;
    this.names = state.names;
    this.templateOptions = state.templates;
    this.appBefore = state.appBefore;
    this.appAfter = state.appAfter;
    this.appTeardown = state.appTeardown;
    this.requestHost = state.requestHost;
    this.sessions = state.sessions;
    this.trustedHosts = state.config.trustedHosts.length > 0 || state.config.env === 'production'
      ? state.config.trustedHosts : DEVELOPMENT_HOSTS;
  }

  /** The node:http request listener (bound). Never throws: every failure becomes a response. */
  readonly handle = (raw: IncomingMessage, res: ServerResponse): void => {
    try {
      const pending = this.dispatch(raw, res);
      if (pending !== undefined) pending.catch((err: unknown) => this.fatal(err, res));
    } catch (err) {
      this.fatal(err, res);
    }
  };

  private fatal(err: unknown, res: ServerResponse): void {
    this.logger.fatal({ err }, 'unexpected failure while writing a response');
    if (!res.headersSent) {
      res.writeHead(500, [...this.headers.common, 'content-type', 'text/plain; charset=utf-8', 'connection', 'close']);
      res.end('Internal Server Error');
    } else {
      res.destroy();
    }
  }

  /**
   * The request path: route → before hooks → view → response → after hooks → write → teardown.
   * Errors anywhere before the write go through the error handlers; the written response always
   * carries the security headers.
   *
   * A route with no hooks in its chain takes a synchronous path when its view is synchronous and
   * returns a string or JSON data: the response head is a precomputed array (security headers,
   * content type, CSP) completed with the length, so the defaults cost almost nothing. Any other
   * case takes the general path below, with the same headers.
   */
  private dispatch(raw: IncomingMessage, res: ServerResponse): Promise<void> | undefined {
    const req = new Request(raw, this.requestHost);
    const routed = this.matchRequest(req);
    // The fast path is for hook-free routes on safe requests without a body or a server-side
    // session to read first; everything else (bodies, CSRF checks, store reads) takes the general path.
    if (!(routed instanceof RouteEntry) || !routed.fast || hasBody(raw.headers) || !isSafeMethod(req.method) ||
      this.sessions.needsPreload(raw.headers.cookie)) {
      return this.dispatchFull(req, res, routed);
    }
    const entry = routed;
    let rv: unknown;
    try {
      rv = entry.view(req as Request<never, never>);
    } catch (err) {
      return this.fail(req, res, entry, err);
    }
    if (isThenable(rv)) {
      return Promise.resolve(rv).then(
        (value) => this.finishFast(req, res, entry, value as ViewReturn),
        (err: unknown) => this.fail(req, res, entry, err),
      );
    }
    return this.finishFast(req, res, entry, rv as ViewReturn);
  }

  private finishFast(req: Request, res: ServerResponse, entry: RouteEntry, rv: ViewReturn): Promise<void> | undefined {
    if (req.sessionOpened) return this.respond(req, res, entry, rv);
    if (typeof rv === 'string') {
      writeHtmlFast(res, entry.heads, req, rv);
      return undefined;
    }
    if (isJsonData(rv)) {
      let body: string;
      try { body = JSON.stringify(rv); } catch (err) { return this.fail(req, res, entry, err); }
      writeJsonFast(res, entry.heads, req, body);
      return undefined;
    }
    if (rv instanceof Response) return this.write(req, res, rv, entry);
    return this.respond(req, res, entry, rv);
  }

  private async respond(req: Request, res: ServerResponse, entry: RouteEntry, rv: ViewReturn): Promise<void> {
    let response: Response;
    try {
      response = await this.toResponse(rv, req);
    } catch (err) {
      response = await this.handleError(err, req, entry);
    }
    await this.write(req, res, await this.saveSession(req, response, entry), entry);
  }

  private async fail(req: Request, res: ServerResponse, entry: RouteEntry, err: unknown): Promise<void> {
    await this.write(req, res, await this.saveSession(req, await this.handleError(err, req, entry), entry), entry);
  }

  /**
   * Saves an opened session onto the response (cookie, `Vary: Cookie`, no-store). Flask saves on
   * error pages too. A store that fails here turns the response into a 500: the change was lost.
   */
  private async saveSession(req: Request, response: Response, entry: RouteEntry | undefined): Promise<Response> {
    if (!req.sessionOpened) return response;
    try {
      await this.sessions.save(req, response);
      return response;
    } catch (err) {
      return this.handleError(err, req, entry);
    }
  }

  private async dispatchFull(req: Request, res: ServerResponse, routed: RouteEntry | Response | HTTPException): Promise<void> {
    const entry = routed instanceof RouteEntry ? routed : undefined;
    let response: Response;
    let error: unknown;
    try {
      // A canonicalising redirect is answered before any hook: hooks (guards) only ever see the
      // canonical path, and meet the request again once the client follows the 308. Routing
      // errors (404/405) do pass app hooks first, as in Flask.
      const before = entry ? entry.before : routed instanceof CanonicalRedirect ? NO_HOOKS : this.appBefore;
      // The body is read whole (under the route's limits) before any hook or view, so neither can
      // act on a request whose body will turn out too large or malformed (case C22).
      if (entry) {
        if (hasBody(req.raw.headers)) await prepareBody(req, entry.inputs);
        await this.sessions.preload(req);
        await this.sessions.protect(req, entry.csrfExempt, (event) => this.logger.warn(event, 'CSRF check refused a request'));
      }
      let rv: ViewReturn | void = undefined;
      for (let i = 0; i < before.length && rv === undefined; i++) rv = await before[i]!(req);
      if (rv === undefined) {
        if (routed instanceof Response) response = routed;
        else if (routed instanceof HTTPException) throw routed;
        else {
          await validateInputs(req, entry!.inputs);
          response = await this.toResponse(await entry!.view(req as Request<never, never>), req);
        }
      } else {
        response = await this.toResponse(rv, req);
      }
    } catch (err) {
      error = err;
      response = await this.handleError(err, req, entry);
    }
    const after = entry ? entry.after : this.appAfter;
    for (const hook of after) {
      try {
        const r = await hook(response, req);
        if (r instanceof Response) response = r;
      } catch (err) {
        error = err;
        response = await this.handleError(err, req, entry);
      }
    }
    response = await this.saveSession(req, response, entry);
    if (hasBody(req.raw.headers) && !req.raw.complete) response.headers.set('connection', 'close');
    try {
      await this.write(req, res, response, entry);
    } finally {
      await req.releaseBody();
    }
    const teardown = entry ? entry.teardown : this.appTeardown;
    for (const hook of teardown) {
      try { await hook(req, error); } catch (err) { this.logger.error({ err, reqId: req.id }, 'teardown hook failed'); }
    }
  }

  /** Host check, body-size pre-check and URL matching: a route, or the response/error instead. */
  private matchRequest(req: Request): RouteEntry | Response | HTTPException {
    // llhttp also parses `HTTP/2.0` and version-less (0.9) request lines; only 1.x is served.
    if (req.raw.httpVersionMajor !== 1) return new HTTPException(505, 'Only HTTP/1.0 and HTTP/1.1 are served here.');
    // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host header is a 400.
    const host = req.raw.headers.host;
    if ((host === undefined && req.raw.httpVersion === '1.1') || hasRepeatedHost(req.raw.rawHeaders)) {
      return new BadRequest('The request must carry exactly one Host header.');
    }
    if (this.trustedHosts.length > 0 && !isTrustedHost(req.host, this.trustedHosts)) {
      return new BadRequest('The request host is not trusted.');
    }
    const m = this.map.match(req.path, req.method);
    switch (m.kind) {
      case 'match': {
        const entry = m.data as RouteEntry;
        req.params = m.params;
        req.endpoint = entry.endpoint;
        req.rule = entry.rule;
        req.blueprint = entry.blueprint;
        return entry;
      }
      case 'redirect': {
        const location = checkRedirectTarget(m.location + (req.queryString ? '?' + req.queryString : ''));
        return new CanonicalRedirect(location);
      }
      case 'options':
        return new Response(null, { status: 200, headers: { allow: m.allowed.join(', ') } });
      case 'method_not_allowed':
        return new MethodNotAllowed(m.allowed);
      case 'invalid':
        return new BadRequest('The request path is not valid.');
      default:
        return new NotFound();
    }
  }

  private toResponse(rv: ViewReturn, req: Request): Promise<Response> {
    return makeResponse(rv, (t) => this.renderTemplate(t, req));
  }

  private async renderTemplate(t: TemplateResult, req: Request): Promise<string> {
    if (!this.templateOptions) {
      throw new SetupError('PHIAL_E_NO_TEMPLATES', `No template folder at ${resolve(this.config.rootPath, this.config.templateFolder)}: create it, or set rootPath (e.g. rootPath: import.meta.dirname) or templateFolder`);
    }
    // LiquidJS loads on the first render, so an app that renders nothing never carries it.
    const engine = await (this.engine ??= createTemplateEngine(this.templateOptions));
    return engine.render(t.name, t.context, {
      urlFor: (endpoint, values) => req.urlFor(endpoint, values),
      get cspNonce() { return req.cspNonce; },
      csrfToken: () => this.sessions.csrfToken(req),
      flashedMessages: () => (this.sessions.hasSession(req) ? req.session.getFlashedMessages({ withCategories: true }) as [string, string][] : [])
        .map(([category, message]) => ({ category, message })),
    });
  }

  /** Finds and runs the error handler for `err`, or builds the default error page. */
  private async handleError(err: unknown, req: Request, entry: RouteEntry | undefined): Promise<Response> {
    const scopes = entry ? entry.scopes : [this.app];
    const http = err instanceof HTTPException ? err : undefined;
    if (!http) this.logger.error({ err, reqId: req.id, method: req.method, path: req.path }, `Exception on ${req.path} [${req.method}]`);
    else if (http.code >= 500 && http.code !== 505) this.logger.error({ status: http.code, description: http.description, reqId: req.id, method: req.method, path: req.path }, `HTTP ${http.code} on ${req.path} [${req.method}]`);
    let handler: ErrorHandler | undefined;
    let subject: unknown = err;
    if (http) handler = findErrorHandler(scopes, http);
    else {
      handler = findErrorHandler(scopes, err);
      if (!handler) { subject = new InternalServerError(err); handler = findErrorHandler(scopes, subject); }
    }
    if (handler) {
      try {
        return await this.toResponse(await handler(subject, req), req);
      } catch (handlerErr) {
        this.logger.error({ err: handlerErr, reqId: req.id }, 'error handler failed');
        return this.defaultErrorResponse(new InternalServerError(handlerErr), req);
      }
    }
    return this.defaultErrorResponse(http ?? new InternalServerError(err), req);
  }

  private defaultErrorResponse(err: HTTPException, req: Request): Response {
    let debugDetail: string | undefined;
    if (this.config.debug && err instanceof InternalServerError && isLoopback(req.remoteAddr)) {
      const original = err.originalError;
      debugDetail = original instanceof Error ? (original.stack ?? String(original)) : String(original);
    }
    const res = errorResponse(err, { accept: req.header('accept'), debugDetail, requestId: err.code >= 500 ? req.id : undefined });
    if (err.code === 413 || err.code === 400) res.headers.set('connection', 'close');
    return res;
  }

  private write(req: Request, res: ServerResponse, response: Response, entry: RouteEntry | undefined): Promise<void> | undefined {
    // A response that sets a cookie is never for a shared cache unless the view says so (case C26).
    if (response.headers.has('set-cookie') && !response.headers.has('cache-control')) response.headers.set('cache-control', 'private, no-store');
    let compiled = entry ? entry.headers : this.headers;
    let names = entry ? entry.names : this.names;
    if (response.securityHeaders) {
      compiled = compileSecurityHeaders(mergeSecurityHeaderOptions(
        mergeSecurityHeaderOptions(this.config.securityHeaders, entry?.options.securityHeaders), response.securityHeaders));
      names = headerNames(compiled);
    }
    const ctx: WriteContext = {
      method: req.method, isSecure: req.isSecure, drawnNonce: req.drawnNonce, nonce: () => req.cspNonce,
      // Cookies lose their default `Secure` only in development over plain HTTP to a loopback host,
      // where a browser would otherwise drop them; production never relaxes it.
      insecureCookies: this.config.env !== 'production' && !req.isSecure && isLoopbackHost(hostName(req.header('host')) ?? ''),
    };
    try {
      return writeResponse(ctx, res, response, compiled, names);
    } catch (err) {
      this.logger.error({ err, reqId: req.id }, 'response could not be written');
      if (res.headersSent) { res.destroy(); return undefined; }
      return writeResponse(ctx, res, this.defaultErrorResponse(new InternalServerError(err), req), this.headers, this.names);
    }
  }

}

function isLoopback(addr: string): boolean {
  // remoteAddr is canonical: IPv4-mapped addresses are already plain IPv4.
  return addr === '::1' || addr.startsWith('127.');
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { then?: unknown }).then === 'function';
}
