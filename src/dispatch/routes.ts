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
import { compileRouteInputs, type RouteInputs } from './route-inputs.ts';
import type { BodyLimits } from '../http/body/index.ts';
import type { AfterRequestHook, BeforeRequestHook, RouteOptions, TeardownRequestHook, View } from '../http/view.ts';

import { IDENTIFIER as NAME_OK } from '../util/identifier.ts';

/** @internal A compiled route: its view with every hook, handler and header it will meet. */
export class RouteEntry {
  /** No hook anywhere in its chain and no input schema: eligible for the synchronous fast path. */
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
    readonly inputs: RouteInputs,
    /** Exempt from CSRF checks: the route or a blueprint of its chain says `csrf: false`. */
    readonly csrfExempt: boolean,
  ) {
    this.fast = before.length === 0 && after.length === 0 && teardown.length === 0 && inputs.schemas === undefined;
    this.heads = compileHeads(headers);
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
}

/**
 * Builds the URL map of an app and its (nested) blueprints.
 * @throws {RuleError} for an invalid or duplicate rule
 */
export function compileRoutes(ctx: RouteCompileContext): UrlMap<RouteEntry> {
  const converters: Record<string, ConverterFactory> = Object.create(null) as Record<string, ConverterFactory>;
  for (const [k, v] of ctx.converters) converters[k] = v;
  const map = new UrlMap<RouteEntry>({ converters });
  compileScope(ctx, map, ctx.app, '', '', []);
  return map;
}

function compileScope(ctx: RouteCompileContext, map: UrlMap<RouteEntry>, scope: Scaffold, prefix: string, endpointPrefix: string, chain: Scaffold[]): void {
  const inner = [...chain].reverse();
  for (const rec of scope.routeRecords) {
    const rule = prefix + rec.rule;
    const local = rec.options.endpoint ?? (NAME_OK.test(rec.view.name) ? rec.view.name : rec.rule);
    const endpoint = endpointPrefix ? `${endpointPrefix}.${local}` : local;
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
    map.add(rule, {
      endpoint,
      methods: (rec.options.methods ?? ['GET']).map((m) => m.toUpperCase()),
      ...(rec.options.strictSlashes !== undefined ? { strictSlashes: rec.options.strictSlashes } : {}),
      data: entry,
    });
  }
  for (const { blueprint, options } of scope.children) {
    const name = options.name ?? blueprint.name;
    compileScope(
      ctx, map, blueprint, prefix + (options.urlPrefix?.replace(/\/+$/, '') ?? blueprint.urlPrefix),
      endpointPrefix ? `${endpointPrefix}.${name}` : name, [...chain, blueprint],
    );
  }
}

