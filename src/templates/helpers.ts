// Per-request helpers inside templates: `url_for`, `csp_nonce`, `csrf_token`, and the form
// helpers (`field`, `hidden_tag`, `form_errors` filters, `{% csrf_field %}` tag).
//
// One Liquid instance serves every request, so helpers cannot live on it. Each render gets a
// fresh globals object (LiquidJS hands the same object to layouts and to `include`/`render`
// partials, which spawn child contexts but keep `globals`); the helpers are found again from
// that object through a WeakMap. Two renders in flight therefore never share anything.
import type { Context, Emitter, TagToken } from 'liquidjs';
import { renderCsrfField, renderField, renderFormErrors, renderHiddenTag, type RenderFieldOptions } from '../forms/render.ts';
import type { FormState } from '../forms/form.ts';
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
  /**
   * Pops this session's flashed messages, as `{{ flashed_messages }}` (a list of
   * `{ category, message }`; Flask's `get_flashed_messages(with_categories=true)`). Called at most
   * once per render and only if the template reads it, so messages are consumed only by a page
   * that shows them. Omit it and the list is empty.
   */
  flashedMessages?: () => ReadonlyArray<{ category: string; message: string }>;
}

/** Names each render defines; an app may not define them as globals or pass them in the context. */
export const RESERVED_NAMES: readonly string[] = ['csp_nonce', 'csrf_token', 'flashed_messages'];

/** What one render keeps beside its globals object. */
interface ScopeState {
  readonly helpers: RenderHelpers;
  /** This render's CSRF token, drawn on first use and then the same for every form on the page. */
  readonly csrfToken: (() => string) | undefined;
}

const stateByScope = new WeakMap<object, ScopeState>();

/**
 * A fresh globals object for one render: the app's globals, then `csp_nonce` and `csrf_token`
 * (read from `helpers` on first use; the token memoized), registered so that `url_for` and the
 * form helpers find `helpers` from it.
 */
export function renderScope(globals: Readonly<Record<string, unknown>>, helpers: RenderHelpers): Record<string, unknown> {
  const scope: Record<string, unknown> = { ...globals };
  // Getters: LiquidJS finds a name with `in` and reads it only when the template uses it, so
  // the nonce and the CSRF token are only touched by templates that print them (both may be
  // lazily created by the app: a nonce drawn, a session started).
  Object.defineProperty(scope, 'csp_nonce', { enumerable: true, get: () => helpers.cspNonce });
  const source = helpers.csrfToken;
  let csrfToken: (() => string) | undefined;
  if (source !== undefined) {
    let token: string | undefined;
    csrfToken = () => (token ??= source());
    Object.defineProperty(scope, 'csrf_token', { enumerable: true, get: csrfToken });
  }
  const flashes = helpers.flashedMessages;
  let popped: ReadonlyArray<{ category: string; message: string }> | undefined;
  Object.defineProperty(scope, 'flashed_messages', { enumerable: true, get: () => (popped ??= flashes ? flashes() : []) });
  stateByScope.set(scope, { helpers, csrfToken });
  return scope;
}

/** The state of the render `context` belongs to. */
function stateOf(context: Context, helper: string): ScopeState {
  const state = stateByScope.get(context.globals);
  if (state === undefined) throw new Error(`${helper} is only available in TemplateEngine.render()`);
  return state;
}

/** The helpers of the render `context` belongs to. */
function helpersOf(context: Context): RenderHelpers {
  return stateOf(context, 'url_for').helpers;
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

/**
 * The `field` filter: `{{ form | field: 'title' }}` renders the field's label, widget (with the
 * submitted value), help text and errors as escaped HTML (registered raw: the HTML is built
 * escaped by `renderField`). Keyword arguments: `label` (text, or `false`), `class`,
 * `placeholder`, `autocomplete`.
 */
export function fieldFilter(this: FilterImpl, form: unknown, ...argv: unknown[]): string {
  const { positional, keywords } = splitFilterArguments(this.token, argv);
  const name = positional[0];
  if (positional.length !== 1 || typeof name !== 'string') {
    throw new TypeError("field needs one field name, e.g. {{ form | field: 'title' }}");
  }
  return renderField(form as FormState, name, keywords as RenderFieldOptions);
}

/**
 * The `hidden_tag` filter: `{{ form | hidden_tag }}` renders the CSRF input (when the request
 * path provides a token) and the form's hidden fields, like Flask-WTF's `form.hidden_tag()`.
 */
export function hiddenTagFilter(this: FilterImpl, form: unknown): string {
  const token = stateOf(this.context, 'hidden_tag').csrfToken?.();
  return renderHiddenTag(form as FormState, token);
}

/** The `form_errors` filter: `{{ form | form_errors }}`, errors no visible field shows. */
export function formErrorsFilter(form: unknown): string {
  return renderFormErrors(form as FormState);
}

/**
 * The `{% csrf_field %}` tag: `<input type="hidden" name="csrf_token" value="…">` with this
 * render's token. Fails the render when the request path gave no token, since such a form
 * could never be submitted.
 */
export const csrfFieldTag = {
  parse(this: { name?: string }, token: TagToken): void {
    if (token.args.trim() !== '') throw new TypeError('csrf_field takes no arguments: {% csrf_field %}');
  },
  render(ctx: Context, emitter: Emitter): void {
    const csrfToken = stateOf(ctx, 'csrf_field').csrfToken;
    if (csrfToken === undefined) {
      throw new Error('csrf_field: this render has no CSRF token (the request path passes one when the app has sessions)');
    }
    emitter.write(renderCsrfField(csrfToken()));
  },
};
