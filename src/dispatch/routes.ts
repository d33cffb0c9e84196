/**
 * Compiling registrations into routes: every rule with its prefix, endpoint name, the hooks and
 * error-handler scopes of its blueprint chain, and its security header block — all resolved once,
 * when the app is frozen, so a request does no lookups by name.
 *
 * @module
 */
import { UrlMap } from '../routing/map.ts';
import type { ConverterFactory } from '../routing/converters.ts';
import { compileSecurityHeaders, mergeSecurityHeaderOptions, type CompiledSecurityHeaders, type SecurityHeaderOptions } from '../security/headers.ts';
import { headerNames } from '../http/writer.ts';
import { compileHeads, type ResponseHeads } from '../http/fast-write.ts';
import type { ScopeRegistrations as Scaffold } from '../http/registrations.ts';
import { compileRouteInputs, type RouteInputs } from '../steps/inputs.ts';
import type { BodyLimits } from '../http/body/index.ts';
import { compileSteps, type CompiledStep, type StepDeclaration } from '../steps/step.ts';
import { SetupError } from '../errors/setup-error.ts';
import { findUnknownKey, unknownKeyMessage } from '../util/known-keys.ts';
import type { AfterRequestHook, BeforeRequestHook, RouteOptions, TeardownRequestHook, View } from '../http/view.ts';

import { IDENTIFIER as NAME_OK } from '../util/identifier.ts';

/** @internal A compiled route: its view with every step, hook, handler and header it will meet. */
export class RouteEntry {
  /** No hook anywhere in its chain (its steps decide the rest, per request). */
  readonly hookFree: boolean;
  readonly heads: ResponseHeads;
  /** The steps of safe-method requests (GET, HEAD, OPTIONS, TRACE), in order. */
  safeSteps: readonly CompiledStep[] = [];
  /** The steps of every other method, in order. */
  unsafeSteps: readonly CompiledStep[] = [];
  /** The matcher's outcome for this route, made once (no allocation per request). */
  readonly routed: { readonly kind: 'route'; readonly entry: RouteEntry };
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
    readonly inputs: RouteInputs,
    /** Exempt from CSRF checks: the route or a blueprint of its chain says `csrf: false`. */
    readonly csrfExempt: boolean,
  ) {
    this.hookFree = before.length === 0 && after.length === 0 && teardown.length === 0;
    this.heads = compileHeads(headers);
    this.routed = Object.freeze({ kind: 'route', entry: this });
  }
}

/** What route compilation needs from the app. */
export interface RouteCompileContext {
  readonly app: Scaffold;
  readonly securityHeaders: SecurityHeaderOptions;
  readonly headers: CompiledSecurityHeaders;
  readonly names: Set<string>;
  /** App-level after/teardown hooks, already in execution (reverse registration) order. */
  readonly appAfter: AfterRequestHook[];
  readonly appTeardown: TeardownRequestHook[];
  readonly converters: ReadonlyMap<string, ConverterFactory>;
  /** The app's body limits, which routes override field by field. */
  readonly bodyLimits: BodyLimits;
  /** Every step declaration of the app, built-in and added. */
  readonly steps: readonly StepDeclaration[];
}

/**
 * Builds the URL map of an app and its (nested) blueprints.
 * @throws {RuleError} for an invalid or duplicate rule
 */
export function compileRoutes(ctx: RouteCompileContext): UrlMap<RouteEntry> {
  const converters: Record<string, ConverterFactory> = Object.create(null) as Record<string, ConverterFactory>;
  for (const [k, v] of ctx.converters) converters[k] = v;
  const map = new UrlMap<RouteEntry>({ converters });
  compileScope(ctx, map, ctx.app, '', '', [], new Map());
  return map;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

function attachSteps(ctx: RouteCompileContext, entry: RouteEntry, methods: readonly string[], chain: readonly Scaffold[]): void {
  const base = {
    rule: entry.rule, endpoint: entry.endpoint, methods, options: entry.options,
    blueprints: chain.map((s) => s.name), csrfExempt: entry.csrfExempt, inputs: entry.inputs,
  };
  entry.safeSteps = compileSteps(ctx.steps, { ...base, safe: true });
  // A rule with only safe methods still meets unsafe requests (they get 405): those run no steps.
  entry.unsafeSteps = methods.some((m) => !SAFE_METHODS.has(m)) ? compileSteps(ctx.steps, { ...base, safe: false }) : entry.safeSteps;
}

/** The options of `RouteOptions` Phial itself reads; steps declare the ones they add. */
const ROUTE_OPTIONS = ['endpoint', 'methods', 'strictSlashes', 'securityHeaders', 'csrf', 'schema', 'accepts', 'bodyLimits'];

function compileScope(ctx: RouteCompileContext, map: UrlMap<RouteEntry>, scope: Scaffold, prefix: string, endpointPrefix: string, chain: Scaffold[], views: Map<string, unknown>): void {
  const inner = [...chain].reverse();
  const knownOptions = [...ROUTE_OPTIONS, ...ctx.steps.flatMap((s) => s.routeOptions ?? [])];
  for (const rec of scope.routeRecords) {
    const rule = prefix + rec.rule;
    const unknown = findUnknownKey(rec.options, knownOptions);
    if (unknown) throw new SetupError('PHIAL_E_UNKNOWN_OPTION', unknownKeyMessage(`Route ${rule}`, unknown, knownOptions));
    const local = rec.options.endpoint ?? (NAME_OK.test(rec.view.name) ? rec.view.name : rec.rule);
    const endpoint = endpointPrefix ? `${endpointPrefix}.${local}` : local;
    // Flask: one endpoint, one view function (several rules may share it).
    const previous = views.get(endpoint);
    if (previous !== undefined && previous !== rec.view) {
      throw new SetupError('PHIAL_E_DUPLICATE', `Route ${rule}: endpoint "${endpoint}" already belongs to another view function; give one of them its own name or the endpoint option`);
    }
    views.set(endpoint, rec.view);
    const routeHeaders = rec.options.securityHeaders
      ? compileSecurityHeaders(mergeSecurityHeaderOptions(ctx.securityHeaders, rec.options.securityHeaders))
      : ctx.headers;
    const entry = new RouteEntry(
      rec.view, endpoint, rule, endpointPrefix || undefined,
      [...ctx.app.beforeRequestHooks, ...chain.flatMap((s) => s.beforeRequestHooks)],
      [...inner.flatMap((s) => [...s.afterRequestHooks].reverse()), ...ctx.appAfter],
      [...inner.flatMap((s) => [...s.teardownRequestHooks].reverse()), ...ctx.appTeardown],
      [...inner, ctx.app],
      routeHeaders,
      routeHeaders === ctx.headers ? ctx.names : headerNames(routeHeaders),
      rec.options,
      compileRouteInputs(rec.options, ctx.bodyLimits, rule),
      rec.options.csrf === false || chain.some((s) => (s as { csrfExempt?: boolean }).csrfExempt === true),
    );
    const methods = (rec.options.methods ?? ['GET']).map((m) => m.toUpperCase());
    attachSteps(ctx, entry, methods, chain);
    map.add(rule, {
      endpoint,
      methods,
      ...(rec.options.strictSlashes !== undefined ? { strictSlashes: rec.options.strictSlashes } : {}),
      data: entry,
    });
  }
  for (const { blueprint, options } of scope.children) {
    const name = options.name ?? blueprint.name;
    compileScope(
      ctx, map, blueprint, prefix + (options.urlPrefix?.replace(/\/+$/, '') ?? blueprint.urlPrefix),
      endpointPrefix ? `${endpointPrefix}.${name}` : name, [...chain, blueprint], views,
    );
  }
}

