/**
 * The Phial application: configuration, registration (from {@link Scaffold}), freeze, URL
 * building and serving. The request path itself is `src/dispatch/dispatcher.ts`, read top to bottom.
 *
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Request, RequestHost } from '../http/request.ts';
import { headerNames } from '../http/writer.ts';
import { sendFromDirectory } from '../http/static.ts';
import type { UrlMap } from '../routing/map.ts';
import type { ConverterFactory } from '../routing/converters.ts';
import { compileSecurityHeaders, type CompiledSecurityHeaders } from '../security/headers.ts';
import { loadConfig, assertProductionReady, type AppSettings, type PhialConfig, type PhialOptions } from '../config/config.ts';
import { TemplateResult } from '../http/template-result.ts';
import { Scaffold } from './scaffold.ts';
import { SetupError } from '../errors/setup-error.ts';
import { TestClient, type TestClientOptions } from './test-client.ts';
import type { View } from '../http/view.ts';
import type { RunningServer } from '../server/types.ts';
import { startServer } from './listen.ts';
import { compileRoutes, type RouteEntry } from '../dispatch/routes.ts';
import { Dispatcher } from '../dispatch/dispatcher.ts';
import { SessionRuntime, type AppCsrfOptions, type AppSessionOptions } from '../steps/sessions.ts';
import { BUILTIN_STEP_NAMES, builtinSteps } from '../steps/builtin.ts';
import { checkStepDeclaration, type StepDeclaration } from '../steps/step.ts';
import { removeStaleUploads } from '../http/body/stale-uploads.ts';
import { uploadDirPrefix } from '../http/body/upload-dirs.ts';

/**
 * An extension (Flask's pattern): an object that sets itself up on an app in `initApp`, e.g.
 * adding request steps with {@link Phial.addStep}, hooks and routes. Register it with
 * `app.register(ext)` or by calling `ext.initApp(app)` yourself, before the app is frozen.
 */
export interface PhialExtension {
  /** The key under which the extension appears in `app.extensions` (Flask's `app.extensions`). */
  readonly name: string;
  /** Sets the extension up on `app`. */
  initApp(app: Phial): void;
}
import { IDENTIFIER as NAME_OK } from '../util/identifier.ts';

/** Options of {@link Phial}: the configuration (see `PhialOptions`) plus a logger. */
export interface PhialAppOptions extends PhialOptions {
  /** A pino logger to use instead of the default JSON logger on stdout. */
  logger?: Logger | Logger<string>;
  /** Session back-end and timeouts; default encrypted cookies (see {@link AppSessionOptions}). */
  session?: AppSessionOptions;
  /** CSRF settings. Protection is always on for unsafe methods; routes opt out with `csrf: false`. */
  csrf?: AppCsrfOptions;
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
  /**
   * The request steps of the route in order, e.g. `['host', 'csrf-origin', 'body', 'session',
   * 'csrf-token']`; a step that runs only for some of its methods carries them: `csrf-origin[POST]`.
   * `host` is the request-line and Host check that runs before routing.
   */
  steps: string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

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
  private map!: UrlMap<RouteEntry>;
  private headers!: CompiledSecurityHeaders;
  private dispatcher!: Dispatcher;
  private readonly shutdownHooks: Array<() => void | Promise<void>> = [];
  /** The largest `maxContentLength` of any route (bytes): above it, no `100 Continue`. */
  private maxRouteBody = 0;
  private readonly requestHost: RequestHost;
  private readonly sessionOptions: AppSessionOptions | undefined;
  private readonly csrfOptions: AppCsrfOptions | undefined;
  private sessions: SessionRuntime | undefined;
  private readonly addedSteps: StepDeclaration[] = [];
  private readonly extensionMap = new Map<string, PhialExtension>();

  /**
   * @throws {ConfigError} for an invalid setting, or in production for a missing/weak secret key or
   *   debug mode (the error names the setting)
   */
  constructor(options: PhialAppOptions = {}) {
    super(options.name ?? 'app');
    this.config = loadConfig(options);
    // Synchronous stdout: Phial logs little (lifecycle, errors; no access log), and an async
    // destination registers an exit-time flushSync that spins forever when stdout is a broken pipe
    // (sonic-boom retries every write error), which would hang graceful shutdown.
    this.logger = options.logger ?? pino({ name: this.config.name, level: this.config.logLevel }, pino.destination({ dest: 1, sync: true }));
    const config = this.config;
    this.sessionOptions = options.session;
    this.csrfOptions = options.csrf;
    this.requestHost = {
      openSession: (req) => this.sessions!.openOnAccess(req),
      get maxContentLength() { return config.maxContentLength; },
      get bodyLimits() { return config.bodyLimits; },
      get trustedProxies() { return config.trustedProxies; },
      noTrustedProxies: config.trustedProxies.hops === 0 && config.trustedProxies.cidrs.length === 0,
      uploadPrefix: uploadDirPrefix(config.name),
      urlFor: (endpoint, values, opts) => this.urlFor(endpoint, values, opts),
    };
  }

  /**
   * The app's own settings (Flask's `app.config['UPLOAD_FOLDER']`): option `settings`, then the
   * `settingsEnv` variables; typed by `AppSettings`, frozen.
   */
  get settings(): Readonly<AppSettings> { return this.config.settings; }

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

  /**
   * Adds a request step: protective work that runs on every route it builds itself onto, between
   * routing and the before-request hooks, at its `position` (see `STEP_POSITIONS`; e.g. rate
   * limits run before the body is read, login checks after the session is open). No fast path
   * skips a step: a route takes the fast path only when none of its steps applies to the request.
   * @throws {SetupError} `PHIAL_E_BAD_STEP` for a bad or duplicate name or position;
   *   `PHIAL_E_SETUP_FINISHED` after the app is frozen
   */
  addStep(step: StepDeclaration): this {
    this.assertSetup('addStep');
    if ((BUILTIN_STEP_NAMES as readonly string[]).includes(step?.name) || step?.name === 'host') {
      throw new SetupError('PHIAL_E_BAD_STEP', `Step name ${JSON.stringify(step.name)} is a built-in step's`);
    }
    checkStepDeclaration(step, this.addedSteps);
    this.addedSteps.push(Object.freeze({ ...step }));
    return this;
  }

  /**
   * Sets up an extension (calls its `initApp`) and lists it in {@link extensions}.
   * @throws {SetupError} `PHIAL_E_BAD_EXTENSION` without a name or `initApp`; `PHIAL_E_DUPLICATE`
   *   when an extension of that name is registered;
   *   `PHIAL_E_SETUP_FINISHED` after the app is frozen
   */
  register(extension: PhialExtension): this {
    this.assertSetup('register');
    if (typeof extension !== 'object' || extension === null || typeof extension.name !== 'string' || extension.name === '' || typeof extension.initApp !== 'function') {
      throw new SetupError('PHIAL_E_BAD_EXTENSION', 'app.register() takes an extension: { name, initApp(app) }');
    }
    if (this.extensionMap.has(extension.name)) throw new SetupError('PHIAL_E_DUPLICATE', `Extension ${JSON.stringify(extension.name)} is already registered`);
    this.extensionMap.set(extension.name, extension);
    extension.initApp(this);
    return this;
  }

  /** The registered extensions by name (Flask's `app.extensions`). */
  get extensions(): ReadonlyMap<string, PhialExtension> { return this.extensionMap; }

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
    removeStaleUploads(this.config.name, this.logger);
    const headers = compileSecurityHeaders(this.config.securityHeaders);
    const names = headerNames(headers);
    const appAfter = [...this.afterRequestHooks].reverse();
    const appTeardown = [...this.teardownRequestHooks].reverse();
    this.registerStatic();
    const sessions = new SessionRuntime(this.config, this.sessionOptions, this.csrfOptions);
    this.onShutdown(() => sessions.iface.close());
    const builtin: StepDeclaration[] = [];
    for (const step of builtinSteps({ sessions, warn: (event, msg) => this.logger.warn(event, msg) })) {
      checkStepDeclaration(step, builtin, true);
      builtin.push(step);
    }
    const steps = [...builtin, ...this.addedSteps];
    const map = compileRoutes({
      app: this, securityHeaders: this.config.securityHeaders, headers, names, appAfter, appTeardown, converters: this.converters,
      bodyLimits: this.config.bodyLimits, steps,
    });
    this.maxRouteBody = Math.max(this.config.bodyLimits.maxContentLength, ...map.rules().map((r) => (r.data as RouteEntry).inputs.limits.maxContentLength));
    const templateDir = resolve(this.config.rootPath, this.config.templateFolder);
    const templates = existsSync(templateDir) ? { roots: [templateDir], cache: !this.config.debug } : undefined;
    this.map = map;
    this.headers = headers;
    this.dispatcher = new Dispatcher({
      app: this, config: this.config, logger: this.logger, map, headers, names, templates,
      appBefore: [...this.beforeRequestHooks], appAfter, appTeardown, requestHost: this.requestHost, sessions,
    });
    this.sessions = sessions;
    this.frozen = true;
  }

  private registerStatic(): void {
    const folder = this.config.staticFolder;
    if (folder === false) return;
    const dir = resolve(this.config.rootPath, folder);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
    const prefix = this.config.staticUrlPath.replace(/\/+$/, '');
    this.prependRoute({
      rule: `${prefix}/<path:filename>`,
      options: { endpoint: 'static', methods: ['GET'] },
      view: ((req: Request<{ filename: string }>) => sendFromDirectory(dir, req.params.filename, req)) as View<never>,
    });
  }

  /** The node:http request listener (bound). Never throws: every failure becomes a response. */
  readonly handle = (raw: IncomingMessage, res: ServerResponse): void => {
    if (!this.frozen) this.freeze();
    this.dispatcher.handle(raw, res);
  };

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
      if (entry.csrfExempt) options.csrf = 'exempt';
      if (entry.options.accepts) options.accepts = entry.inputs.accepts!.join(' ');
      if (entry.inputs.schemas) options.schema = Object.keys(entry.inputs.schemas).join(' ');
      const limits = entry.inputs.limits as unknown as Record<string, number>;
      const appLimits = this.config.bodyLimits as unknown as Record<string, number>;
      for (const k of Object.keys(limits)) if (limits[k] !== appLimits[k]) options[`bodyLimits.${k}`] = String(limits[k]);
      return { rule: r.rule, methods: [...r.methods].sort(), endpoint: r.endpoint, options, steps: this.describeSteps(entry, r.methods) };
    });
  }

  private describeSteps(entry: RouteEntry, methods: readonly string[]): string[] {
    const safe = methods.filter((m) => SAFE_METHODS.has(m));
    const unsafe = methods.filter((m) => !SAFE_METHODS.has(m));
    const lists: Array<[readonly string[], readonly { name: string; position: number }[]]> = [];
    if (safe.length > 0) lists.push([safe, entry.safeSteps]);
    if (unsafe.length > 0) lists.push([unsafe, entry.unsafeSteps]);
    const all = new Map<string, { position: number; methods: string[] }>();
    for (const [ms, steps] of lists) {
      for (const s of steps) {
        const seen = all.get(s.name) ?? { position: s.position, methods: [] };
        seen.methods.push(...ms);
        all.set(s.name, seen);
      }
    }
    const names = [...all.entries()].sort((a, b) => a[1].position - b[1].position).map(([name, { methods: ms }]) =>
      ms.length === methods.length ? name : `${name}[${[...ms].sort().join(',')}]`);
    // The request-line and Host checks run on every request, before routing.
    return ['host', ...names];
  }

  /** @internal The security block for raw server replies (parser errors, timeouts). */
  get rawReplyHeaders(): readonly string[] {
    if (!this.frozen) this.freeze();
    const csp = this.headers.staticCsp;
    return csp === null ? this.headers.common : [...this.headers.common, this.headers.cspHeaderName, csp];
  }

  /**
   * @internal `100 Continue` only for a body some route may accept: a declared length above every
   * route's `maxContentLength` is answered 413 without inviting the upload.
   */
  shouldContinue(req: IncomingMessage): boolean {
    if (!this.frozen) this.freeze();
    const declared = req.headers['content-length'];
    return declared === undefined || Number(declared) <= this.maxRouteBody;
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
