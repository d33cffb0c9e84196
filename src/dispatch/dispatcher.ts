/**
 * The request path, top to bottom: route → before hooks → view → response → after hooks → write
 * → teardown. Built by the app when it is frozen, from its compiled state.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { HTTPException, InternalServerError, ValidationError } from '../errors/http.ts';
import { Request, type RequestHost } from '../http/request.ts';
import { Response } from '../http/response.ts';
import { isJsonData, makeResponse } from '../http/make-response.ts';
import { writeHtmlFast, writeJsonFast } from '../http/fast-write.ts';
import { errorResponse } from '../http/error-page.ts';
import { headerNames, writeResponse, type WriteContext } from '../http/writer.ts';
import { DEVELOPMENT_HOSTS, hostName } from '../http/hosts.ts';
import { findErrorHandler } from './error-handlers.ts';
import { isLoopbackHost } from '../config/config.ts';
import { isLoopbackIp } from '../net/ip.ts';
import type { Logger } from '../util/logger.ts';
import type { UrlMap } from '../routing/map.ts';
import { compileSecurityHeaders, mergeSecurityHeaderOptions, type CompiledSecurityHeaders } from '../security/headers.ts';
import type { PhialConfig } from '../config/config.ts';
import type { TemplateEngine, TemplateEngineOptions } from '../templates/engine.ts';
import { createTemplateEngine } from '../templates/lazy.ts';
import type { TemplateResult } from '../http/template-result.ts';
import { SetupError } from '../errors/setup-error.ts';
import type { ScopeRegistrations as Scaffold } from '../http/registrations.ts';
import type { RouteEntry } from './routes.ts';
import { hostCheck, matchRequest, type HostCheck, type Routed } from './matcher.ts';
import { hasBody } from '../steps/inputs.ts';
import { firstApplicable, runSteps, type CompiledStep } from '../steps/step.ts';
import type { SessionRuntime } from '../steps/sessions.ts';
import { isSafeMethod } from '../security/csrf.ts';
import type { AfterRequestHook, BeforeRequestHook, ErrorHandler, TeardownRequestHook, ViewReturn } from '../http/view.ts';

/** A logger with the methods the request path uses (pino's). */
export type DispatchLogger = Pick<Logger, 'debug' | 'warn' | 'error' | 'fatal'>;

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

const NO_STEPS: readonly CompiledStep[] = [];

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
  private readonly trustedHost: HostCheck | undefined;
  /** The full security block (CSP included) for the last-resort 500. */
  private readonly lastResortHead: readonly string[];

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
    this.trustedHost = hostCheck(state.config.trustedHosts.length > 0 || state.config.env === 'production'
      ? state.config.trustedHosts : DEVELOPMENT_HOSTS);
    const csp = state.headers.staticCsp;
    this.lastResortHead = [...state.headers.common, ...(csp === null ? [] : [state.headers.cspHeaderName, csp]),
      'content-type', 'text/plain; charset=utf-8', 'connection', 'close'];
  }

  /** Logs a streamed body that failed after its head was sent (made once, not per response). */
  private readonly streamFailed = (err: unknown, ctx: WriteContext): void => {
    const req = ctx.request!;
    // A client that hung up is not a failure of the app; a body stream that threw is.
    if ((err as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE') this.logger.debug({ reqId: req.id }, 'client closed the connection during a streamed response');
    else this.logger.error({ err, reqId: req.id, method: req.method, path: req.path }, `Response stream failed on ${req.path} [${req.method}]`);
  };

  /** The node:http request listener (bound). Never throws: every failure becomes a response. */
  readonly handle = (raw: IncomingMessage, res: ServerResponse): void => {
    try {
      const pending = this.dispatch(raw, res);
      if (pending !== undefined) pending.catch((err: unknown) => this.lastResort(err, res));
    } catch (err) {
      this.lastResort(err, res);
    }
  };

  /**
   * Only a defect of Phial itself reaches this (every client input and every app error is
   * answered by the error handlers): it is logged as fatal and answered with a bare 500 that
   * still carries the whole security header block.
   */
  private lastResort(err: unknown, res: ServerResponse): void {
    this.logger.fatal({ err }, 'unexpected failure while writing a response');
    if (!res.headersSent) {
      res.writeHead(500, this.lastResortHead as string[]);
      res.end('Internal Server Error');
    } else {
      res.destroy();
    }
  }

  /**
   * The request path: match → steps → before hooks → view → response → after hooks → session
   * → write → teardown (Flask's `full_dispatch_request`, with the steps as an explicit
   * `preprocess_request`). Errors anywhere before the write go through the error handlers; the
   * written response always carries the security headers.
   *
   * The fast path is for a route with no hooks when none of its steps applies to this request
   * (no body, no server-side session cookie, a safe method or an exempt route, no schema): a
   * synchronous view that returns a string or JSON data is then written from a precomputed head
   * (security headers, content type, CSP) completed with the length. That one clause decides it;
   * every step that applies sends the request down the general path.
   */
  private dispatch(raw: IncomingMessage, res: ServerResponse): Promise<void> | undefined {
    const req = new Request(raw, this.requestHost);
    const routed = matchRequest(req, this.map, this.trustedHost);
    if (routed.kind !== 'route') return this.fullDispatch(req, res, routed, NO_STEPS, -1);
    const entry = routed.entry;
    const steps = isSafeMethod(req.method) ? entry.safeSteps : entry.unsafeSteps;
    const first = firstApplicable(steps, req);
    if (first !== -1 || !entry.hookFree) return this.fullDispatch(req, res, routed, steps, first);
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

  /** The general path. Teardown hooks run whatever happened before them. */
  private async fullDispatch(req: Request, res: ServerResponse, routed: Routed, steps: readonly CompiledStep[], first: number): Promise<void> {
    const entry = routed.kind === 'route' ? routed.entry : undefined;
    let error: unknown;
    const onError = (err: unknown): void => { error = err; };
    try {
      let response: Response;
      try {
        response = await this.preprocessAndDispatch(req, routed, steps, first);
      } catch (err) {
        onError(err);
        response = await this.handleError(err, req, entry);
      }
      response = await this.processResponse(req, response, entry, onError);
      response = await this.saveSession(req, response, entry);
      // An unread body stays on the socket: the connection cannot carry another request.
      if (hasBody(req.raw.headers) && !req.raw.complete) response.headers.set('connection', 'close');
      await this.write(req, res, response, entry);
    } finally {
      try { await req.releaseBody(); } catch (err) { this.logger.error({ err, reqId: req.id }, 'request body clean-up failed'); }
      await this.teardown(req, entry, error);
    }
  }

  /**
   * The route's steps (its protections, in order), then the before-request hooks, then the view.
   * A before hook that returns a value answers the request (Flask's `preprocess_request`).
   */
  private async preprocessAndDispatch(req: Request, routed: Routed, steps: readonly CompiledStep[], first: number): Promise<Response> {
    if (routed.kind === 'redirect') return routed.response;
    if (first !== -1) await runSteps(steps, first, req);
    const before = routed.kind === 'route' ? routed.entry.before : this.appBefore;
    for (let i = 0; i < before.length; i++) {
      const rv = await before[i]!(req);
      if (rv !== undefined) return this.toResponse(rv, req);
    }
    switch (routed.kind) {
      case 'route': return this.toResponse(await routed.entry.view(req as Request<never, never>), req);
      case 'options': return routed.response;
      default: throw routed.error;
    }
  }

  /** The after-request hooks, innermost scope first; one that throws is answered by the error handlers. */
  private async processResponse(req: Request, response: Response, entry: RouteEntry | undefined, onError: (err: unknown) => void): Promise<Response> {
    const after = entry ? entry.after : this.appAfter;
    for (const hook of after) {
      try {
        const r = await hook(response, req);
        if (r instanceof Response) response = r;
      } catch (err) {
        onError(err);
        response = await this.handleError(err, req, entry);
      }
    }
    return response;
  }

  /** The teardown hooks: each runs even when an earlier one failed; failures are logged. */
  private async teardown(req: Request, entry: RouteEntry | undefined, error: unknown): Promise<void> {
    const teardown = entry ? entry.teardown : this.appTeardown;
    for (const hook of teardown) {
      try { await hook(req, error); } catch (err) { this.logger.error({ err, reqId: req.id }, 'teardown hook failed'); }
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
    if (http) return closeAfterRefusal(http, await this.answerError(http, req, scopes));
    // Flask logs an exception only when no handler of its class takes it (then it is a 500).
    if (findErrorHandler(scopes, err) === undefined) this.logger.error({ err, reqId: req.id, method: req.method, path: req.path }, `Exception on ${req.path} [${req.method}]`);
    return this.answerError(err, req, scopes);
  }

  private async answerError(err: unknown, req: Request, scopes: readonly Scaffold[]): Promise<Response> {
    const http = err instanceof HTTPException ? err : undefined;
    if (http && http.status >= 500 && http.status !== 505) this.logger.error({ status: http.status, description: http.description, reqId: req.id, method: req.method, path: req.path }, `HTTP ${http.status} on ${req.path} [${req.method}]`);
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
    if (this.config.debug && err instanceof InternalServerError && isLoopbackIp(req.remoteAddr)) {
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
    const ctx: WriteContext = {
      method: req.method, isSecure: req.isSecure, drawnNonce: req.drawnNonce, nonce: () => req.cspNonce,
      // Cookies lose their default `Secure` only in development over plain HTTP to a loopback host,
      // where a browser would otherwise drop them; production never relaxes it.
      insecureCookies: this.config.env !== 'production' && !req.isSecure && isLoopbackHost(hostName(req.header('host')) ?? ''),
      onStreamError: this.streamFailed, request: req,
    };
    try {
      let compiled = entry ? entry.headers : this.headers;
      let names = entry ? entry.names : this.names;
      if (response.securityHeaders) {
        // Per-response changes are checked here, so a bad one is a 500 like any view error.
        compiled = compileSecurityHeaders(mergeSecurityHeaderOptions(
          mergeSecurityHeaderOptions(this.config.securityHeaders, entry?.options.securityHeaders), response.securityHeaders));
        names = headerNames(compiled);
      }
      return writeResponse(ctx, res, response, compiled, names);
    } catch (err) {
      this.logger.error({ err, reqId: req.id }, 'response could not be written');
      if (res.headersSent) { res.destroy(); return undefined; }
      return writeResponse(ctx, res, this.defaultErrorResponse(new InternalServerError(err), req), this.headers, this.names);
    }
  }

}

/**
 * A 400 or 413 means the request itself was malformed (its framing, Host or body may be read
 * differently by something in front): the connection carries no further request, whichever
 * handler answered. A validation failure is a well-formed request with wrong values.
 */
function closeAfterRefusal(err: HTTPException, res: Response): Response {
  if ((err.status === 400 || err.status === 413) && !(err instanceof ValidationError)) res.headers.set('connection', 'close');
  return res;
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { then?: unknown }).then === 'function';
}
