// Per-request helpers inside templates: `url_for`, `csp_nonce`, `csrf_token`.
//
// One Liquid instance serves every request, so helpers cannot live on it. Each render gets a
// fresh globals object (LiquidJS hands the same object to layouts and to `include`/`render`
// partials, which spawn child contexts but keep `globals`); the helpers are found again from
// that object through a WeakMap. Two renders in flight therefore never share anything.
import type { Context } from 'liquidjs';
import type { FilterImpl, FilterToken } from './liquid-types.ts';

/**
 * Per-request helpers handed to `TemplateEngine.render()`; Phial's app builds them from the
 * request being served.
 */
export interface RenderHelpers {
  /**
   * Builds a URL; called by the `url_for` filter with the endpoint and its keyword arguments,
   * e.g. `{{ 'notes.show' | url_for: id: note.id }}` → `urlFor('notes.show', { id: 3 })`.
   * May throw (unknown endpoint, missing value); the render then fails with a TemplateError.
   */
  urlFor(endpoint: string, values: Record<string, unknown>): string;
  /**
   * This response's CSP nonce, as `{{ csp_nonce }}`. Read only if the template prints it, so
   * it may be a getter that draws the nonce on demand.
   */
  readonly cspNonce: string;
  /**
   * Returns this session's CSRF token, as `{{ csrf_token }}`. Called at most once per render and
   * only if the template reads `csrf_token` (so a session need not be created for pages
   * without forms). Omit it and `{{ csrf_token }}` renders empty.
   */
  csrfToken?: () => string;
}

/** Names each render defines; an app may not define them as globals or pass them in the context. */
export const RESERVED_NAMES: readonly string[] = ['csp_nonce', 'csrf_token'];

const helpersByScope = new WeakMap<object, RenderHelpers>();

/**
 * A fresh globals object for one render: the app's globals, then `csp_nonce` and `csrf_token`
 * (read from `helpers` on first use; the token memoized), registered so that `url_for` finds
 * `helpers` from it.
 */
export function renderScope(globals: Readonly<Record<string, unknown>>, helpers: RenderHelpers): Record<string, unknown> {
  const scope: Record<string, unknown> = { ...globals };
  // Getters: LiquidJS finds a name with `in` and reads it only when the template uses it, so
  // the nonce and the CSRF token are only touched by templates that print them (both may be
  // lazily created by the app: a nonce drawn, a session started).
  Object.defineProperty(scope, 'csp_nonce', { enumerable: true, get: () => helpers.cspNonce });
  const csrfToken = helpers.csrfToken;
  if (csrfToken !== undefined) {
    let token: string | undefined;
    Object.defineProperty(scope, 'csrf_token', { enumerable: true, get: () => (token ??= csrfToken()) });
  }
  helpersByScope.set(scope, helpers);
  return scope;
}

/** The helpers of the render `context` belongs to. */
function helpersOf(context: Context): RenderHelpers {
  const helpers = helpersByScope.get(context.globals);
  if (helpers === undefined) throw new Error('url_for is only available in TemplateEngine.render()');
  return helpers;
}

/** A filter call's arguments, positional ones in order and keyword ones by name. */
export interface FilterArguments {
  readonly positional: unknown[];
  readonly keywords: Record<string, unknown>;
}

/**
 * Splits the evaluated arguments LiquidJS passes to a filter. It passes keyword arguments as
 * `[name, value]` pairs among the positional values; the parsed token tells which are which (an
 * array-valued positional argument looks the same once evaluated).
 */
export function splitFilterArguments(token: FilterToken, argv: readonly unknown[]): FilterArguments {
  const positional: unknown[] = [];
  const entries: [string, unknown][] = [];
  argv.forEach((arg, i) => {
    const parsed = token.args[i];
    if (Array.isArray(parsed) && Array.isArray(arg)) entries.push([String(arg[0]), arg[1]]);
    else positional.push(arg);
  });
  // fromEntries defines own properties, so a `__proto__:` keyword stays a plain key.
  return { positional, keywords: Object.fromEntries(entries) };
}

/**
 * The `url_for` filter: `{{ 'endpoint' | url_for: name: value, … }}`. Keyword arguments only;
 * the URL is auto-escaped like any output, which is what an `href` attribute needs (`&amp;`).
 */
export function urlForFilter(this: FilterImpl, endpoint: unknown, ...argv: unknown[]): string {
  if (typeof endpoint !== 'string' || endpoint === '') {
    throw new TypeError("url_for needs an endpoint name, e.g. {{ 'notes.show' | url_for: id: note.id }}");
  }
  const { positional, keywords } = splitFilterArguments(this.token, argv);
  if (positional.length > 0) {
    throw new TypeError(`url_for takes keyword arguments only, e.g. {{ '${endpoint}' | url_for: id: note.id }}`);
  }
  return helpersOf(this.context).urlFor(endpoint, keywords);
}
