/**
 * The Phial application: configuration, registration (from {@link Scaffold}), freeze, and the
 * one request path. Read {@link Phial.dispatch} top to bottom to see everything a request meets.
 *
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { HTTPException, InternalServerError, MethodNotAllowed, NotFound, BadRequest, RequestEntityTooLarge } from './errors.ts';
import { Request, type RequestHost } from './http/request.ts';
import { Response } from './http/response.ts';
import { isJsonData, makeResponse } from './http/make-response.ts';
import { compileHeads, writeHtmlFast, writeJsonFast, type ResponseHeads } from './http/fast-write.ts';
import { errorResponse } from './http/error-page.ts';
import { headerNames, writeResponse, type WriteContext } from './http/writer.ts';
import { sendFromDirectory } from './http/static.ts';
import { UrlMap } from './routing/map.ts';
import type { ConverterFactory } from './routing/converters.ts';
import { compileSecurityHeaders, mergeSecurityHeaderOptions, type CompiledSecurityHeaders } from './security/headers.ts';
import { checkRedirectTarget } from './security/redirect.ts';
import { loadConfig, assertProductionReady, type PhialConfig, type PhialOptions } from './config.ts';
import { TemplateEngine } from './templates/engine.ts';
import { TemplateResult } from './template-result.ts';
import { Scaffold, SetupError } from './scaffold.ts';
import { isTrustedHost } from './http/hosts.ts';
import { TestClient, type TestClientOptions } from './testing/client.ts';
import type { AfterRequestHook, BeforeRequestHook, ErrorHandler, RouteOptions, TeardownRequestHook, View, ViewReturn } from './types.ts';
import type { RunningServer } from './server/types.ts';
import { startServer } from './listen.ts';

/** Options of {@link Phial}: the configuration (see `PhialOptions`) plus a logger. */
export interface PhialAppOptions extends PhialOptions {
  /** A pino logger to use instead of the default JSON logger on stdout. */
  logger?: Logger | Logger<string>;
}

/** Options of {@link Phial.listen}. */
export interface ListenOptions {
  /** Address to bind (default: config `host`, 127.0.0.1). */
  host?: string;
  /** TCP port (default: config `port`, 5000); 0 picks a free one. */
  port?: number;
  /** Worker processes (node:cluster); default 1 (serve in this process). */
  workers?: number;
}

/** A route as `phial routes` lists it. */
export interface RouteDescription {
  rule: string;
  methods: string[];
  endpoint: string;
  /** Security-relevant options that differ from the app's defaults, name → value or `off`. */
  options: Record<string, string>;
}

/** @internal A compiled route: its view with every hook, handler and header it will meet. */
class RouteEntryImpl {
  /** No hook anywhere in its chain: eligible for the synchronous fast path. */
  readonly fast: boolean;
  readonly heads: ResponseHeads;
  constructor(
    readonly view: View<never>,
    readonly endpoint: string,
    readonly rule: string,
    readonly blueprint: string | undefined,
    readonly before: BeforeRequestHook[],
    readonly after: AfterRequestHook[],
    readonly teardown: TeardownRequestHook[],
    readonly scopes: Scaffold[],
    readonly headers: CompiledSecurityHeaders,
    readonly names: Set<string>,
    readonly options: RouteOptions,
  ) {
    this.fast = before.length === 0 && after.length === 0 && teardown.length === 0;
    this.heads = compileHeads(headers);
  }
}
type RouteEntry = RouteEntryImpl;

const NAME_OK = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A Phial application.
 *
 * @example
 * const app = new Phial({ name: 'notes' });
 * app.get('/users/<int:id>', (req) => ({ id: req.params.id })); // id: number
 * await app.listen();
 */
export class Phial extends Scaffold {
  /** The resolved configuration (options, then `PHIAL_*` environment, then `*_FILE` secrets). */
  readonly config: PhialConfig;
  /** JSON logger (pino). Errors are logged here with the request id; never sent to clients. */
  readonly logger: Logger | Logger<string>;

  private frozen = false;
  private readonly converters = new Map<string, ConverterFactory>();
  private map!: UrlMap;
  private headers!: CompiledSecurityHeaders;
  private names!: Set<string>;
  private templates: TemplateEngine | undefined;
  private appBefore: BeforeRequestHook[] = [];
  private appAfter: AfterRequestHook[] = [];
  private appTeardown: TeardownRequestHook[] = [];
  private readonly shutdownHooks: Array<() => void | Promise<void>> = [];
  private readonly requestHost: RequestHost;

  /**
   * @throws {ConfigError} for an invalid setting, or in production for a missing/weak secret key or
   *   debug mode (the error names the setting)
   */
  constructor(options: PhialAppOptions = {}) {
    super(options.name ?? 'app');
    this.config = loadConfig(options);
    this.logger = options.logger ?? pino({ name: this.config.name, level: this.config.logLevel });
    const config = this.config;
    this.requestHost = {
      get maxContentLength() { return config.maxContentLength; },
      urlFor: (endpoint, values, opts) => this.urlFor(endpoint, values, opts),
    };
  }

  /** True once the app handled a request (or was frozen explicitly): setup is closed. */
  isFrozen(): boolean { return this.frozen; }

  protected assertSetup(method: string): void {
    if (this.frozen) {
      throw new SetupError('PHIAL_E_SETUP_FINISHED',
        `The setup method '${method}' can no longer be called on the application: it already handled its first request. Register everything before the app starts serving.`);
    }
  }

  /**
   * Registers a custom URL converter usable in rules as `<name:var>` or `<name(args):var>`.
   * Declare its value type with `declare module 'phial' { interface ConverterTypes { name: T } }`.
   * @throws {SetupError} after the first request or for a duplicate name
   */
  addConverter(name: string, factory: ConverterFactory): this {
    this.assertSetup('addConverter');
    if (!NAME_OK.test(name)) throw new SetupError('PHIAL_E_BAD_NAME', `Converter name ${JSON.stringify(name)} is not an identifier`);
    if (this.converters.has(name)) throw new SetupError('PHIAL_E_DUPLICATE', `Converter ${name} is already registered`);
    this.converters.set(name, factory);
    return this;
  }

  /** Runs `hook` during graceful shutdown (close pools, flush queues). */
  onShutdown(hook: () => void | Promise<void>): this {
    this.shutdownHooks.push(hook);
    return this;
  }

  /** @internal Runs the shutdown hooks in reverse order; errors are logged, not thrown. */
  async runShutdownHooks(): Promise<void> {
    for (const hook of [...this.shutdownHooks].reverse()) {
      try { await hook(); } catch (err) { this.logger.error({ err }, 'shutdown hook failed'); }
    }
  }

  /**
   * Compiles rules, hooks and security headers. Called by the first request, `listen()` or
   * `testClient()`; explicit calls are allowed. Idempotent.
   * @throws {RuleError} for an invalid or duplicate rule
   */
  freeze(): void {
    if (this.frozen) return;
    const options: Record<string, ConverterFactory> = Object.create(null) as Record<string, ConverterFactory>;
    for (const [k, v] of this.converters) options[k] = v;
    const map = new UrlMap({ converters: options });
    this.headers = compileSecurityHeaders(this.config.securityHeaders);
    this.names = headerNames(this.headers);
    this.appBefore = [...this.beforeRequestHooks];
    this.appAfter = [...this.afterRequestHooks].reverse();
    this.appTeardown = [...this.teardownRequestHooks].reverse();
    this.registerStatic();
    this.compileScope(map, this, '', '', []);
    this.map = map;
    const templateDir = resolve(this.config.rootPath, this.config.templateFolder);
    if (existsSync(templateDir)) this.templates = new TemplateEngine({ roots: [templateDir], cache: !this.config.debug });
    this.frozen = true;
  }

  private registerStatic(): void {
    const folder = this.config.staticFolder;
    if (folder === false) return;
    const dir = resolve(this.config.rootPath, folder);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
    const prefix = this.config.staticUrlPath.replace(/\/+$/, '');
    this.routeRecords.unshift({
      rule: `${prefix}/<path:filename>`,
      options: { endpoint: 'static', methods: ['GET'] },
      view: ((req: Request<{ filename: string }>) => sendFromDirectory(dir, req.params.filename, req)) as View<never>,
    });
  }

  private compileScope(map: UrlMap, scope: Scaffold, prefix: string, endpointPrefix: string, chain: Scaffold[]): void {
    const inner = [...chain].reverse();
    for (const rec of scope.routeRecords) {
      const rule = prefix + rec.rule;
      const local = rec.options.endpoint ?? (NAME_OK.test(rec.view.name) ? rec.view.name : rec.rule);
      const endpoint = endpointPrefix ? `${endpointPrefix}.${local}` : local;
      const routeHeaders = rec.options.securityHeaders
        ? compileSecurityHeaders(mergeSecurityHeaderOptions(this.config.securityHeaders, rec.options.securityHeaders))
        : this.headers;
      const entry = new RouteEntryImpl(
        rec.view, endpoint, rule, endpointPrefix || undefined,
        [...this.beforeRequestHooks, ...chain.flatMap((s) => s.beforeRequestHooks)],
        [...inner.flatMap((s) => [...s.afterRequestHooks].reverse()), ...this.appAfter],
        [...inner.flatMap((s) => [...s.teardownRequestHooks].reverse()), ...this.appTeardown],
        [...inner, this],
        routeHeaders,
        routeHeaders === this.headers ? this.names : headerNames(routeHeaders),
        rec.options,
      );
      map.add(rule, {
        endpoint,
        methods: (rec.options.methods ?? ['GET']).map((m) => m.toUpperCase()),
        ...(rec.options.strictSlashes !== undefined ? { strictSlashes: rec.options.strictSlashes } : {}),
        data: entry,
      });
    }
    for (const { blueprint, options } of scope.children) {
      const name = options.name ?? blueprint.name;
      this.compileScope(
        map, blueprint, prefix + (options.urlPrefix?.replace(/\/+$/, '') ?? blueprint.urlPrefix),
        endpointPrefix ? `${endpointPrefix}.${name}` : name, [...chain, blueprint],
      );
    }
  }

  /** The node:http request listener (bound). Never throws: every failure becomes a response. */
  readonly handle = (raw: IncomingMessage, res: ServerResponse): void => {
    if (!this.frozen) this.freeze();
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
    if (!(routed instanceof RouteEntryImpl) || !routed.fast) return this.dispatchFull(req, res, routed);
    const entry = routed;
    let rv: unknown;
    try {
      rv = entry.view(req as Request<never>);
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
    await this.write(req, res, response, entry);
  }

  private async fail(req: Request, res: ServerResponse, entry: RouteEntry, err: unknown): Promise<void> {
    await this.write(req, res, await this.handleError(err, req, entry), entry);
  }

  private async dispatchFull(req: Request, res: ServerResponse, routed: RouteEntry | Response | HTTPException): Promise<void> {
    const entry = routed instanceof RouteEntryImpl ? routed : undefined;
    let response: Response;
    let error: unknown;
    try {
      const before = entry ? entry.before : this.appBefore;
      let rv: ViewReturn | void = undefined;
      for (let i = 0; i < before.length && rv === undefined; i++) rv = await before[i]!(req);
      if (rv === undefined) {
        if (routed instanceof Response) response = routed;
        else if (routed instanceof HTTPException) throw routed;
        else response = await this.toResponse(await entry!.view(req as Request<never>), req);
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
    await this.write(req, res, response, entry);
    const teardown = entry ? entry.teardown : this.appTeardown;
    for (const hook of teardown) {
      try { await hook(req, error); } catch (err) { this.logger.error({ err, reqId: req.id }, 'teardown hook failed'); }
    }
  }

  /** Host check, body-size pre-check and URL matching: a route, or the response/error instead. */
  private matchRequest(req: Request): RouteEntry | Response | HTTPException {
    const trusted = this.config.trustedHosts;
    if (trusted.length > 0 && !isTrustedHost(req.header('host'), trusted)) {
      return new BadRequest('The request host is not trusted.');
    }
    const declared = req.raw.headers['content-length'];
    if (declared !== undefined && Number(declared) > this.config.maxContentLength) {
      return new RequestEntityTooLarge();
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
        return new Response(null, { status: 308, headers: { location } });
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

  private renderTemplate(t: TemplateResult, req: Request): Promise<string> {
    if (!this.templates) {
      throw new SetupError('PHIAL_E_NO_TEMPLATES', `No template folder: create ${resolve(this.config.rootPath, this.config.templateFolder)}`);
    }
    return this.templates.render(t.name, t.context, {
      urlFor: (endpoint, values) => req.urlFor(endpoint, values),
      cspNonce: req.cspNonce,
    });
  }

  /** Finds and runs the error handler for `err`, or builds the default error page. */
  private async handleError(err: unknown, req: Request, entry: RouteEntry | undefined): Promise<Response> {
    const scopes = entry ? entry.scopes : [this];
    const http = err instanceof HTTPException ? err : undefined;
    if (!http) this.logger.error({ err, reqId: req.id, method: req.method, path: req.path }, `Exception on ${req.path} [${req.method}]`);
    let handler: ErrorHandler | undefined;
    let subject: unknown = err;
    if (http) handler = findCodeHandler(scopes, http.code) ?? findClassHandler(scopes, http);
    else {
      handler = findClassHandler(scopes, err);
      if (!handler) { subject = new InternalServerError(err); handler = findCodeHandler(scopes, 500) ?? findClassHandler(scopes, subject); }
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
    let compiled = entry ? entry.headers : this.headers;
    let names = entry ? entry.names : this.names;
    if (response.securityHeaders) {
      compiled = compileSecurityHeaders(mergeSecurityHeaderOptions(
        mergeSecurityHeaderOptions(this.config.securityHeaders, entry?.options.securityHeaders), response.securityHeaders));
      names = headerNames(compiled);
    }
    const ctx: WriteContext = { method: req.method, isSecure: req.isSecure, drawnNonce: req.drawnNonce, nonce: () => req.cspNonce };
    try {
      return writeResponse(ctx, res, response, compiled, names);
    } catch (err) {
      this.logger.error({ err, reqId: req.id }, 'response could not be written');
      if (res.headersSent) { res.destroy(); return undefined; }
      return writeResponse(ctx, res, this.defaultErrorResponse(new InternalServerError(err), req), this.headers, this.names);
    }
  }

  /**
   * Builds the URL of an endpoint, like Flask's `url_for`. Values that are not rule variables go
   * to the query string; `_anchor` adds a fragment. `external: true` prefixes the configured
   * `origin` — never the request's Host header (case C28).
   *
   * @example app.urlFor('notes.show', { id: 3 }) // "/notes/3"
   * @throws {BuildError} when no rule of the endpoint fits the values
   * @throws {SetupError} for `external` without a configured `origin`
   */
  urlFor(endpoint: string, values: Record<string, unknown> = {}, options: { external?: boolean; blueprint?: string } = {}): string {
    if (!this.frozen) this.freeze();
    let ep = endpoint;
    if (ep.startsWith('.')) ep = options.blueprint ? options.blueprint + ep : ep.slice(1);
    const { _anchor: anchor, _external: externalValue, ...rest } = values;
    let url = this.map.build(ep, rest);
    if (anchor !== undefined && anchor !== null) url += '#' + encodeURIComponent(String(anchor));
    if (options.external || externalValue === true) {
      const origin = this.config.origin;
      if (!origin) throw new SetupError('PHIAL_E_NO_ORIGIN', 'External URLs need the `origin` setting (PHIAL_ORIGIN), e.g. https://app.example; Phial never builds them from the Host header.');
      url = origin + url;
    }
    return url;
  }

  /**
   * A template response: renders `name` from the template folder with `context` when the response
   * is built, with `url_for`, `csp_nonce` and `config` available inside. Auto-escaped.
   * @example return app.render('notes/show.html', { note });
   */
  render(name: string, context: Record<string, unknown> = {}): TemplateResult {
    return new TemplateResult(name, context);
  }

  /** Every route with its methods, endpoint and security options (for `phial routes`). */
  describeRoutes(): RouteDescription[] {
    if (!this.frozen) this.freeze();
    const base = this.headers.describe();
    return this.map.rules().map((r) => {
      const entry = r.data as RouteEntry;
      const options: Record<string, string> = {};
      const own = entry.headers.describe();
      for (const k of Object.keys(own)) if (own[k] !== base[k]) options[k] = own[k]!;
      if (entry.options.strictSlashes === false) options.strictSlashes = 'off';
      return { rule: r.rule, methods: [...r.methods].sort(), endpoint: r.endpoint, options };
    });
  }

  /** The app-wide security headers as configured, name → value or `off`. */
  describeSecurityHeaders(): Record<string, string> {
    if (!this.frozen) this.freeze();
    return this.headers.describe();
  }

  /**
   * Serves the app on node:http with Phial's limits, with graceful shutdown on SIGTERM/SIGINT.
   * In production, refuses to bind a non-loopback address without `trustedHosts`.
   * @throws {ConfigError} when the configuration is not fit for production
   */
  async listen(options: ListenOptions = {}): Promise<RunningServer | undefined> {
    const host = options.host ?? this.config.host;
    const port = options.port ?? this.config.port;
    if (this.config.env === 'production') assertProductionReady(this.config, { host });
    this.freeze();
    return startServer(this, { host, port, workers: options.workers ?? 1 });
  }

  /** An in-process test client with a cookie jar (see `phial/testing`). */
  testClient(options: TestClientOptions = {}): TestClient {
    this.freeze();
    return new TestClient(this, options);
  }
}

function findCodeHandler(scopes: Scaffold[], code: number): ErrorHandler | undefined {
  for (const s of scopes) {
    const h = s.codeHandlers.get(code);
    if (h) return h;
  }
  return undefined;
}

function findClassHandler(scopes: Scaffold[], err: unknown): ErrorHandler | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  for (const s of scopes) {
    if (s.classHandlers.size === 0) continue;
    for (let p = Object.getPrototypeOf(err) as object | null; p; p = Object.getPrototypeOf(p) as object | null) {
      const h = s.classHandlers.get((p as { constructor: never }).constructor);
      if (h) return h;
    }
  }
  return undefined;
}

function isLoopback(addr: string): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr.startsWith('127.');
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { then?: unknown }).then === 'function';
}
