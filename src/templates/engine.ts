// The app's file templates: LiquidJS with auto-escaping, layouts and partials, confined to the
// template roots, plus Phial's per-request helpers (url_for, csp_nonce, csrf_token) and form helpers.
import { Liquid, LiquidError } from 'liquidjs';
import { TemplateError } from './errors.ts';
import { bareLiquidMessage, findInChain, liquidPosition } from './liquid-errors.ts';
import type { TemplateErrorCode, TemplateLocation } from './errors.ts';
import { escapeOutput, registerEscapeFiltersAsRaw } from './escape.ts';
import {
  RootedTemplateFS,
  TemplateNameError,
  TemplateNotFoundError,
  TemplateReadError,
  assertSafeTemplateName,
} from './fs.ts';
import {
  RESERVED_NAMES,
  csrfFieldTag,
  fieldFilter,
  formErrorsFilter,
  hiddenTagFilter,
  renderScope,
  splitFilterArguments,
  urlForFilter,
} from './helpers.ts';
import type { RenderHelpers } from './helpers.ts';
import type { FilterImpl } from './liquid-types.ts';
import { IDENTIFIER } from '../util/identifier.ts';

/** Options of {@link TemplateEngine}. */
export interface TemplateEngineOptions {
  /**
   * Template folders, searched in order for every name (pages, layouts and partials alike).
   * Relative folders are resolved against the current directory when the engine is created.
   * At least one is required.
   */
  roots: readonly string[];
  /**
   * Keep parsed templates in memory (an LRU of 1024 templates) instead of re-reading and
   * re-parsing files on every render. Default `true`; turn it off in development to pick up
   * edits without a restart.
   */
  cache?: boolean;
  /**
   * Values visible in every template, layouts and partials included. A render's context wins
   * over a global of the same name. Copied when the engine is created. Default `{}`.
   * `csp_nonce` and `csrf_token` are reserved.
   */
  globals?: Record<string, unknown>;
}

/**
 * An app filter. `value` is what is piped in; positional arguments arrive in `args` and keyword
 * arguments in `kwargs`: `{{ price | money: 'EUR', digits: 2 }}` calls
 * `fn(price, ['EUR'], { digits: 2 })`. May return a promise. The result is auto-escaped unless
 * the filter was added with `{ raw: true }`.
 */
export type TemplateFilter = (
  value: unknown,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
) => unknown;

/** Options of {@link TemplateEngine.addFilter}. */
export interface AddFilterOptions {
  /**
   * The filter returns trusted HTML: when it is the last filter of an output, the result is not
   * escaped. The filter must then escape whatever untrusted text it embeds. Default `false`.
   */
  raw?: boolean;
}


/**
 * Renders the app's Liquid templates from files under `roots`.
 *
 * - Every `{{ … }}` is HTML-escaped (`& < > " '`). Opt out explicitly with Liquid's `raw`
 *   filter as the last filter: `{{ trusted_html | raw }}`. `escape`/`escape_once` don't
 *   double-escape. Captured text (`{% capture %}`) is escaped once when captured; print it with
 *   `{{ captured | raw }}` or it is escaped a second time.
 * - Layouts: `{% layout 'base.html' %}` with `{% block name %}…{% endblock %}`. Partials:
 *   `{% render 'x.html', key: value %}` (isolated scope: sees its arguments and globals) and
 *   `{% include 'x.html' %}` (shares the caller's scope).
 * - Helpers: `{{ 'notes.show' | url_for: id: note.id }}`, `{{ csp_nonce }}` (for
 *   `<script nonce="{{ csp_nonce }}">`), `{{ csrf_token }}`.
 * - Forms (see `src/forms/`): `{{ form | field: 'title' }}` (label, widget with the submitted
 *   value, errors), `{{ form | hidden_tag }}` (CSRF input and hidden fields),
 *   `{{ form | form_errors }}`, and `{% csrf_field %}` (the CSRF input alone). Their HTML is
 *   built escaped, so they are raw filters.
 * - Only own properties of context values are visible (`{{ user.constructor }}` is empty).
 *   Own properties that are functions are called (with no arguments) when read.
 * - Template names are relative paths with `/`; absolute names, `..`, `.` or empty segments,
 *   backslashes and NUL are refused, as is any name whose real path leaves every root.
 *
 * Setup (`addFilter`) is frozen by the first `render()`, like Flask's.
 *
 * @example
 * ```ts
 * const engine = new TemplateEngine({ roots: ['templates'], globals: { site: 'Notes' } });
 * engine.addFilter('shout', (value) => String(value).toUpperCase());
 * const html = await engine.render('notes/show.html', { note }, {
 *   urlFor: (endpoint, values) => app.urlFor(endpoint, values),
 *   cspNonce: response.cspNonce,
 *   csrfToken: () => session.csrfToken(),
 * });
 * ```
 */
export class TemplateEngine {
  readonly #liquid: Liquid;
  readonly #globals: Readonly<Record<string, unknown>>;
  readonly #appFilters = new Set<string>();
  #frozen = false;

  /**
   * @throws {TypeError} when `roots` is empty or not strings, or `globals` defines a reserved name.
   */
  constructor(options: TemplateEngineOptions) {
    const { roots, cache = true, globals = {} } = options;
    if (!Array.isArray(roots) || roots.length === 0 || !roots.every((r) => typeof r === 'string' && r !== '')) {
      throw new TypeError('TemplateEngine: `roots` must be a non-empty array of folder paths');
    }
    for (const name of RESERVED_NAMES) {
      if (Object.hasOwn(globals, name)) {
        throw new TypeError(`TemplateEngine: the global "${name}" is reserved; it is set for each render`);
      }
    }
    this.#globals = { ...globals };
    this.#liquid = new Liquid({
      fs: new RootedTemplateFS(roots),
      // One virtual folder: the fs resolves names against the real roots itself.
      root: ['.'],
      partials: ['.'],
      layouts: ['.'],
      relativeReference: false,
      cache,
      outputEscape: escapeOutput,
      ownPropertyOnly: true,
      strictFilters: true,
      strictVariables: false,
    });
    registerEscapeFiltersAsRaw(this.#liquid);
    this.#liquid.registerFilter('url_for', urlForFilter);
    this.#liquid.registerFilter('field', { handler: fieldFilter, raw: true });
    this.#liquid.registerFilter('hidden_tag', { handler: hiddenTagFilter, raw: true });
    this.#liquid.registerFilter('form_errors', { handler: formErrorsFilter, raw: true });
    this.#liquid.registerTag('csrf_field', csrfFieldTag);
  }

  /** Whether the first render has happened (setup methods throw from then on). */
  get frozen(): boolean {
    return this.#frozen;
  }

  /**
   * Registers an app filter, usable in every template as `{{ value | name: args }}`.
   *
   * @param name Identifier (`[A-Za-z_][A-Za-z0-9_]*`) not used by a Liquid or Phial filter.
   * @param fn See {@link TemplateFilter}.
   * @returns this, for chaining.
   * @throws {Error} after the first `render()` (setup is frozen).
   * @throws {TypeError} on an invalid name or one that is already taken.
   */
  addFilter(name: string, fn: TemplateFilter, options: AddFilterOptions = {}): this {
    if (this.#frozen) {
      throw new Error(`TemplateEngine.addFilter("${name}"): setup is frozen after the first render`);
    }
    if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
      throw new TypeError(`TemplateEngine.addFilter: invalid filter name ${JSON.stringify(name)}`);
    }
    if (this.#liquid.filters[name] !== undefined) {
      const owner = this.#appFilters.has(name) ? 'an app filter' : 'a built-in filter';
      throw new TypeError(`TemplateEngine.addFilter: "${name}" is already ${owner}`);
    }
    if (typeof fn !== 'function') throw new TypeError('TemplateEngine.addFilter: `fn` must be a function');
    const handler = function (this: FilterImpl, value: unknown, ...argv: unknown[]): unknown {
      const { positional, keywords } = splitFilterArguments(this.token, argv);
      return fn(value, positional, keywords);
    };
    this.#liquid.registerFilter(name, { handler, raw: options.raw === true });
    this.#appFilters.add(name);
    return this;
  }

  /**
   * Renders the template `name` (root-relative, e.g. `notes/show.html`) with `context`.
   * Safe to call concurrently: each call has its own helpers and globals.
   *
   * @param context Variables of this render; they shadow globals of the same name. Must not
   *   define `csp_nonce` or `csrf_token` (they come from `helpers`).
   * @param helpers This request's `url_for`, CSP nonce and CSRF token; see {@link RenderHelpers}.
   * @returns The rendered HTML.
   * @throws {TemplateError} for a refused name, a missing template, a syntax error, or any
   *   error while rendering (see its `code`).
   * @throws {TypeError} when `context` defines a reserved name.
   */
  async render(name: string, context: Record<string, unknown>, helpers: RenderHelpers): Promise<string> {
    this.#frozen = true;
    for (const reserved of RESERVED_NAMES) {
      if (Object.hasOwn(context, reserved)) {
        throw new TypeError(`TemplateEngine.render: "${reserved}" is reserved; it comes from the render helpers`);
      }
    }
    try {
      assertSafeTemplateName(name);
      const globals = renderScope(this.#globals, helpers);
      const html: unknown = await this.#liquid.renderFile(name, context, { globals });
      return typeof html === 'string' ? html : String(html);
    } catch (err) {
      throw toTemplateError(err, String(name));
    }
  }
}

/** Turns whatever LiquidJS or our fs threw into a TemplateError naming templates, never paths. */
function toTemplateError(err: unknown, templateName: string): TemplateError {
  if (err instanceof TemplateError) return err;
  const pos = liquidPosition(err);
  const location: TemplateLocation | undefined =
    pos?.file !== undefined ? { templateName: pos.file, line: pos.line, column: pos.column } : undefined;
  const where = location ? ` (in "${location.templateName}" line ${location.line}, column ${location.column})` : '';

  let code: TemplateErrorCode;
  let detail: string;
  const refused = findInChain(err, TemplateNameError);
  const missing = findInChain(err, TemplateNotFoundError);
  const unreadable = findInChain(err, TemplateReadError);
  if (refused) [code, detail] = ['PHIAL_E_TEMPLATE_NAME', refused.message];
  else if (missing) [code, detail] = ['PHIAL_E_TEMPLATE_NOT_FOUND', missing.message];
  else if (unreadable) [code, detail] = ['PHIAL_E_TEMPLATE_RENDER', unreadable.message];
  else if (isParseError(err)) [code, detail] = ['PHIAL_E_TEMPLATE_SYNTAX', `syntax error: ${bareLiquidMessage(err)}`];
  else [code, detail] = ['PHIAL_E_TEMPLATE_RENDER', bareLiquidMessage(err)];

  return new TemplateError(code, templateName, `Template "${templateName}": ${detail}${where}`, {
    cause: err,
    ...(location ? { location } : {}),
  });
}

function isParseError(err: unknown): boolean {
  return LiquidError.is(err) && (err.name === 'ParseError' || err.name === 'TokenizationError');
}
