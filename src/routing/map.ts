/**
 * `UrlMap`: Werkzeug's `Map` — rules in, (path, method) → route, (endpoint, values) → URL.
 *
 * @module
 */
import { BuildError, appendQuery, compileBuilder } from './build.ts';
import type { PathBuilder } from './build.ts';
import { defaultConverters } from './converters.ts';
import type { ConverterFactory } from './converters.ts';
import { SPLIT_INVALID, SPLIT_REDIRECT, SPLIT_TRAILING, canonicalLocation, splitPath } from './path.ts';
import { RuleError, parseRule } from './rule.ts';
import { SLASH_REDIRECT, TrieNode, Walk, insert, segmentKey, walk } from './trie.ts';
import { IDENTIFIER } from '../util/identifier.ts';

export { BuildError } from './build.ts';

/** Options of {@link UrlMap}. */
export interface UrlMapOptions {
  /** Werkzeug's `strict_slashes`: a rule ending in `/` requested without it redirects (308). Default true. */
  readonly strictSlashes?: boolean;
  /** Extra converters by name (identifiers); may replace a built-in. */
  readonly converters?: Readonly<Record<string, ConverterFactory>>;
}

/** Options of {@link UrlMap.add}. `data` is required unless `D` admits `undefined`. */
export type AddOptions<D> = {
  /** Name used to build URLs (Flask's endpoint). */
  readonly endpoint: string;
  /** Upper-case methods; default `['GET']`. HEAD is added when GET is present. */
  readonly methods?: readonly string[];
  /** Overrides the map's `strictSlashes` for this rule. */
  readonly strictSlashes?: boolean;
} & (undefined extends D ? { readonly data?: D } : { readonly data: D });

/** A registered rule, as listed by {@link UrlMap.rules} and returned with a match. Frozen. */
export interface RuleInfo<D = unknown> {
  readonly rule: string;
  readonly endpoint: string;
  /** Sorted; includes HEAD when GET is present. OPTIONS only when declared. */
  readonly methods: readonly string[];
  /** Variable names, left to right. */
  readonly variables: readonly string[];
  readonly strictSlashes: boolean;
  /** Whatever was passed to `add` (e.g. the view). */
  readonly data: D;
}

/** The outcome of {@link UrlMap.match}; the app maps `kind` to a response. */
export type RouteMatch<D = unknown> =
  | {
      readonly kind: 'match';
      readonly rule: RuleInfo<D>;
      /** Converted variables; a fresh plain object per match. */
      readonly params: Record<string, unknown>;
      readonly data: D;
    }
  /** 308 to `location`: an encoded path, without the query string (the app appends it). */
  | { readonly kind: 'redirect'; readonly location: string }
  /** 404. */
  | { readonly kind: 'not_found' }
  /** 400: malformed percent-encoding, a NUL, or a path that is not origin-form. */
  | { readonly kind: 'invalid' }
  /** 405 with `Allow: allowed.join(', ')`. Sorted; includes HEAD when GET is allowed, and OPTIONS. */
  | { readonly kind: 'method_not_allowed'; readonly allowed: string[] }
  /** The automatic OPTIONS answer (200, empty body, `Allow` header), as Flask gives. */
  | { readonly kind: 'options'; readonly allowed: string[] };

interface Entry<D> {
  readonly info: RuleInfo<D>;
  readonly methods: ReadonlySet<string>;
  readonly strictSlashes: boolean;
  readonly hasOptions: boolean;
  readonly names: readonly string[];
  readonly variableSet: ReadonlySet<string>;
  readonly build: PathBuilder;
}

const NOT_FOUND: RouteMatch<never> = Object.freeze({ kind: 'not_found' });
const INVALID: RouteMatch<never> = Object.freeze({ kind: 'invalid' });
const METHOD = /^[A-Z][A-Z0-9_-]*$/;

/**
 * A set of rules matched with Werkzeug's semantics, without regular expressions built from rules
 * and in time linear in the path length (see `trie.ts`).
 *
 * Matching, for a raw path and a method:
 * 1. a path that is exactly the encoded form of a static rule is looked up in one Map;
 * 2. otherwise the path is canonicalised (`canonicalPath` in `path.ts`): malformed → `invalid` (400),
 *    non-canonical (`//`, `.`/`..` segments) → `redirect` (308) to the canonical path;
 * 3. the trie gives the first rule, in priority order, that matches the path and accepts the
 *    method. Priority is decided segment by segment: static text, then converters in the order
 *    they were first registered, then `path` (Werkzeug weighs `int` above `string`; here
 *    registration order decides, which is easier to predict);
 * 4. a path matching rules that do not accept the method is 405 with their methods; an
 *    OPTIONS request is answered automatically unless the matched rule declares OPTIONS.
 *
 * Slashes, as in Werkzeug: `/items` for a strict rule `/items/` redirects to `/items/` (308, so
 * POST stays POST); `/thing/` for a rule `/thing` is 404. With `strictSlashes: false` both
 * spellings match the rule without a redirect.
 *
 * @typeParam D - The type of each rule's `data` (e.g. the view function).
 *
 * @example
 * ```ts
 * const map = new UrlMap<string>();
 * map.add('/users/<int:id>', { endpoint: 'user', data: 'user view' });
 * map.match('/users/42', 'GET');          // { kind: 'match', params: { id: 42 }, data: 'user view', ... }
 * map.match('/users/007', 'GET');         // { kind: 'not_found' }
 * map.match('/users/42', 'POST');         // { kind: 'method_not_allowed', allowed: ['GET', 'HEAD', 'OPTIONS'] }
 * map.build('user', { id: 7, tab: 'a b' }); // '/users/7?tab=a+b'
 * ```
 */
export class UrlMap<D = unknown> {
  readonly #strictSlashes: boolean;
  readonly #converters: ReadonlyMap<string, ConverterFactory>;
  readonly #root = new TrieNode<Entry<D>>();
  /** Scratch state reused by every match, so the hot path allocates only its result. */
  readonly #walk = new Walk<Entry<D>>();
  readonly #entries: Entry<D>[] = [];
  /** Encoded path of each static rule → its entries, for the lookup that skips decoding. */
  readonly #staticPaths = new Map<string, Entry<D>[]>();
  readonly #byEndpoint = new Map<string, Entry<D>[]>();
  /** Rule shape (variable names ignored) → method → the rule that routes it. */
  readonly #shapes = new Map<string, Map<string, string>>();

  /**
   * @param options - `strictSlashes` (default true) and extra `converters`.
   * @throws RuleError when a converter name is not an identifier or a factory is not a function.
   */
  constructor(options: UrlMapOptions = {}) {
    this.#strictSlashes = options.strictSlashes ?? true;
    const converters = new Map(defaultConverters);
    for (const [name, factory] of Object.entries(options.converters ?? {})) {
      if (!IDENTIFIER.test(name) || typeof factory !== 'function') {
        throw new RuleError(`<${name}:…>`, 'a converter needs an identifier name and a factory function');
      }
      converters.set(name, factory);
    }
    this.#converters = converters;
  }

  /**
   * Adds a rule.
   *
   * @param rule - A Werkzeug rule, e.g. `/users/<int:id>` (see `parseRule`).
   * @param options - `endpoint`, `methods` (upper-case, default `['GET']`), `strictSlashes`, `data`.
   * @returns The frozen {@link RuleInfo}.
   * @throws RuleError for an invalid rule, a method that is not an upper-case token, a rule that
   *   routes a method an earlier rule of the same shape already routes (`/u/<int:id>` and
   *   `/u/<int:uid>` are the same shape; HEAD counts), or an endpoint already used by a rule with
   *   other variable names (Werkzeug allows one endpoint on several rules with the same names).
   */
  add(rule: string, options: AddOptions<D>): RuleInfo<D> {
    const parsed = parseRule(rule, this.#converters);
    const { endpoint } = options;
    if (typeof endpoint !== 'string' || endpoint === '') throw new RuleError(rule, 'endpoint must be a non-empty string');
    const methods = new Set<string>();
    for (const m of options.methods ?? ['GET']) {
      if (typeof m !== 'string' || !METHOD.test(m)) throw new RuleError(rule, `method ${JSON.stringify(m)} must be an upper-case token`);
      methods.add(m);
    }
    if (methods.size === 0) throw new RuleError(rule, 'methods must not be empty');
    if (methods.has('GET')) methods.add('HEAD');

    const sameEndpoint = this.#byEndpoint.get(endpoint);
    const names = [...parsed.variables].sort().join(',');
    const other = sameEndpoint?.find((e) => [...e.info.variables].sort().join(',') !== names);
    if (other !== undefined) {
      throw new RuleError(rule, `endpoint "${endpoint}" is already used by "${other.info.rule}" with other variables`);
    }
    const shape = parsed.segments.map((s) => segmentKey(s.parts, false)).join('/') + (parsed.trailingSlash ? '/' : '');
    const routed = this.#shapes.get(shape) ?? new Map<string, string>();
    for (const m of methods) {
      const owner = routed.get(m);
      if (owner !== undefined) throw new RuleError(rule, `${m} is already routed by ${JSON.stringify(owner)}`);
    }

    const strictSlashes = options.strictSlashes ?? this.#strictSlashes;
    const info: RuleInfo<D> = Object.freeze({
      rule,
      endpoint,
      methods: Object.freeze([...methods].sort()),
      variables: Object.freeze([...parsed.variables]),
      strictSlashes,
      data: options.data as D,
    });
    const entry: Entry<D> = {
      info,
      methods,
      strictSlashes,
      hasOptions: methods.has('OPTIONS'),
      names: parsed.variables,
      variableSet: new Set(parsed.variables),
      build: compileBuilder(parsed),
    };
    for (const m of methods) routed.set(m, rule);
    this.#shapes.set(shape, routed);
    insert(this.#root, parsed.segments, parsed.trailingSlash, entry);
    this.#entries.push(entry);
    // Rules of one endpoint share their variable names, so registration order is the only order.
    if (sameEndpoint === undefined) this.#byEndpoint.set(endpoint, [entry]);
    else sameEndpoint.push(entry);
    if (parsed.variables.length === 0) {
      const key = entry.build({});
      const same = this.#staticPaths.get(key) ?? [];
      same.push(entry);
      this.#staticPaths.set(key, same);
    }
    return info;
  }

  /** Set while a canonical path is matched for its redirect. */
  #canonicalising = false;

  /**
   * Matches a request.
   *
   * @param path - The raw request path: percent-encoded, starting with `/`, without the query.
   * @param method - The request method, as sent (methods are case-sensitive).
   * @returns A {@link RouteMatch}. Never throws for any input, unless a custom converter does.
   */
  match(path: string, method: string): RouteMatch<D> {
    const hits = this.#staticPaths.get(path);
    if (hits !== undefined) {
      for (let k = 0; k < hits.length; k++) {
        const e = hits[k]!;
        if (e.methods.has(method)) return { kind: 'match', rule: e.info, params: {}, data: e.info.data };
      }
    }
    const shared = this.#walk;
    const w = shared.busy ? new Walk<Entry<D>>() : shared;
    w.reset(method, false);
    const status = splitPath(path, w);
    if (status === SPLIT_INVALID) return INVALID;
    if (status === SPLIT_REDIRECT) return this.#redirectIfRouted(canonicalLocation(path), method);
    w.trailingSlash = status === SPLIT_TRAILING;
    w.busy = true;
    let found: Entry<D> | typeof SLASH_REDIRECT | null;
    try {
      found = walk(w, this.#root, 0);
    } finally {
      w.busy = false;
    }
    if (found === SLASH_REDIRECT) {
      return { kind: 'redirect', location: (path.includes('\\') ? path.replaceAll('\\', '%5C') : path) + '/' };
    }
    if (found !== null) {
      if (method === 'OPTIONS' && !found.hasOptions) {
        const all = new Walk<Entry<D>>().reset(method, true);
        splitPath(path, all);
        all.trailingSlash = w.trailingSlash;
        walk(all, this.#root, 0);
        return { kind: 'options', allowed: allowList(all.recorded ?? [found]) };
      }
      const params: Record<string, unknown> = {};
      const names = found.names;
      const values = w.values;
      for (let k = 0; k < names.length; k++) params[names[k]!] = values[k];
      return { kind: 'match', rule: found.info, params, data: found.info.data };
    }
    if (w.recorded !== null) return { kind: 'method_not_allowed', allowed: allowList(w.recorded) };
    // Werkzeug redirects `/items` to the strict rule `/items/` whatever the method (308 keeps it),
    // so a method the rule lacks answers 405 at the canonical URL rather than 404 here.
    if (this.#strictSlashes && !w.trailingSlash && path.length > 1) {
      const slashed = this.match(path + '/', method);
      if (slashed.kind === 'match' || slashed.kind === 'method_not_allowed' || slashed.kind === 'options') {
        return slashed.kind === 'match' && !slashed.rule.strictSlashes
          ? NOT_FOUND
          : { kind: 'redirect', location: (path.includes('\\') ? path.replaceAll('\\', '%5C') : path) + '/' };
      }
    }
    return NOT_FOUND;
  }

  /**
   * The redirect to a non-canonical path's canonical form, only when a rule answers there (with
   * any method): Werkzeug redirects only to a URL that matches. The canonical path's own slash
   * redirect is followed at once, so the client makes one hop.
   */
  #redirectIfRouted(canonical: string, method: string): RouteMatch<D> {
    // A canonical path is never split as non-canonical again; the flag makes that a 404, not a loop.
    if (this.#canonicalising) return NOT_FOUND;
    let there: RouteMatch<D>;
    this.#canonicalising = true;
    try { there = this.match(canonical, method); } finally { this.#canonicalising = false; }
    switch (there.kind) {
      case 'match': case 'method_not_allowed': case 'options': return { kind: 'redirect', location: canonical };
      case 'redirect': return there;
      default: return NOT_FOUND;
    }
  }

  /**
   * Builds a URL for an endpoint (Flask's `url_for`, without `_external`/`_anchor`).
   *
   * The endpoint's rules are tried in registration order, skipping rules that do not accept
   * `method` when given, rules missing a variable (`undefined` and `null` count as missing, as in
   * Werkzeug) and rules whose converters refuse a value. Values that are not variables of the
   * chosen rule become the query string (URLSearchParams encoding: `q: 'x y'` → `?q=x+y`;
   * arrays repeat the key).
   *
   * @param endpoint - The endpoint given to `add`.
   * @param values - Variables and query values.
   * @param options - `method`: only rules accepting it.
   * @returns The encoded path and query, e.g. `/p/a/b%20c?x=1`.
   * @throws BuildError when the endpoint is unknown, no rule can be built from the values (a
   *   variable missing, or rejected by its converter), or a query value is not a scalar or array.
   *
   * @example
   * ```ts
   * map.add('/p/<path:p>', { endpoint: 'p' });
   * map.build('p', { p: 'a/b c', q: ['1', '2'] });  // '/p/a/b%20c?q=1&q=2'
   * ```
   */
  build(endpoint: string, values: Readonly<Record<string, unknown>> = {}, options: { readonly method?: string } = {}): string {
    const entries = this.#byEndpoint.get(endpoint);
    if (entries === undefined) throw new BuildError(endpoint, 'no rule has this endpoint');
    const problems: string[] = [];
    for (const e of entries) {
      if (options.method !== undefined && !e.methods.has(options.method) && options.method !== 'OPTIONS') {
        problems.push(`${JSON.stringify(e.info.rule)} does not accept ${options.method}`);
        continue;
      }
      const missing = e.names.filter((n) => !Object.hasOwn(values, n) || values[n] === undefined || values[n] === null);
      if (missing.length > 0) {
        problems.push(`${JSON.stringify(e.info.rule)} needs ${missing.map((n) => `"${n}"`).join(', ')}`);
        continue;
      }
      let path: string;
      try {
        path = e.build(values);
      } catch (err) {
        problems.push(`${JSON.stringify(e.info.rule)}: ${(err as Error).message}`);
        continue;
      }
      try {
        return appendQuery(path, values, e.variableSet);
      } catch (err) {
        throw new BuildError(endpoint, (err as Error).message);
      }
    }
    throw new BuildError(endpoint, problems.join('; '));
  }

  /** The rules in registration order (for `phial routes`, like `flask routes`). */
  rules(): RuleInfo<D>[] {
    return this.#entries.map((e) => e.info);
  }
}

function allowList(entries: readonly { readonly info: RuleInfo<unknown> }[]): string[] {
  const allowed = new Set<string>(['OPTIONS']);
  for (const e of entries) for (const m of e.info.methods) allowed.add(m);
  return [...allowed].sort();
}
