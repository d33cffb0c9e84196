/**
 * Setup methods shared by the app and blueprints (Flask's `Scaffold`), and `Blueprint` itself:
 * routes, hooks, error handlers and nested blueprints. Registrations are recorded here and
 * compiled when the app is frozen; after that every setup method throws, like Flask's "setup
 * method can no longer be called" assertion.
 *
 * Blueprints are groups of routes with a URL prefix, their own hooks and error handlers,
 * nestable. Endpoints are prefixed with the blueprint's name (`notes.show`); nested ones with
 * every parent's (`api.v1.users`). Hooks and error handlers of a blueprint apply only to its
 * routes (and its children's), as in Flask. Routing 404/405s belong to the app.
 *
 * `Scaffold` and `Blueprint` share this file because each needs the other: a scaffold registers
 * blueprints, and a blueprint is a scaffold.
 *
 * The registrations are private fields read through getters typed read-only (the shape of
 * `ScopeRegistrations`, what the route compiler reads): only the setup methods, which check that
 * the app is not frozen yet, add to them.
 *
 * @module
 */
import type { RouteParams } from '../routing/params.ts';
import type {
  AfterRequestHook, BeforeRequestHook, ErrorClass, ErrorHandler, ParamsOf, RouteOptions, RouteSchemas, TeardownRequestHook,
  ValidatedInputs, View,
} from '../http/view.ts';
import type { BlueprintRegistration, RouteRecord } from '../http/registrations.ts';
import { SetupError } from '../errors/setup-error.ts';
import { ENDPOINT_NAME as NAME } from '../util/identifier.ts';
import { findUnknownKey, unknownKeyMessage } from '../util/known-keys.ts';
import { registerErrorHandler } from '../dispatch/error-handlers.ts';

/** The schemas of a route that declares none. */
export type NoSchemas = Record<never, never>;

/** The view type of a rule `R` with input schemas `S`. */
export type RouteView<R extends string, S> = View<ParamsOf<RouteParams<R>, S>, ValidatedInputs<S>>;

/** Route options of the method shortcuts (`get`, `post`, …), which set `methods` themselves. */
export type MethodRouteOptions<S extends RouteSchemas> = Omit<RouteOptions, 'methods' | 'schema'> & { schema?: S };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- implementation signature behind typed overloads
type AnyView = (req: any) => unknown;


const BLUEPRINT_OPTIONS = ['urlPrefix', 'csrf'] as const;
const REGISTRATION_OPTIONS = ['urlPrefix', 'name'] as const;

/** @throws {SetupError} `PHIAL_E_UNKNOWN_OPTION` naming the closest known option */
function checkKeys(where: string, options: object, known: readonly string[]): void {
  const found = findUnknownKey(options, known);
  if (found) throw new SetupError('PHIAL_E_UNKNOWN_OPTION', unknownKeyMessage(where, found, known));
}

/** Tells a blueprint its parent; a symbol nobody outside this module holds, so no app code can call it. */
const ATTACH = Symbol('phial.blueprint.attach');

/** @internal */
export function assertName(kind: string, name: string): void {
  if (!NAME.test(name)) {
    throw new SetupError('PHIAL_E_BAD_NAME', `${kind} name ${JSON.stringify(name)} must match ${NAME.source} (no dots)`);
  }
}

/**
 * Base class of {@link Phial} and {@link Blueprint}.
 */
export abstract class Scaffold {
  /** The name (endpoint prefix for blueprints). */
  readonly name: string;
  readonly #routes: RouteRecord[] = [];
  readonly #before: BeforeRequestHook[] = [];
  readonly #after: AfterRequestHook[] = [];
  readonly #teardown: TeardownRequestHook[] = [];
  readonly #codeHandlers = new Map<number, ErrorHandler>();
  readonly #classHandlers = new Map<ErrorClass, ErrorHandler>();
  readonly #children: Array<{ readonly blueprint: Blueprint; readonly options: BlueprintRegistration }> = [];

  protected constructor(name: string) {
    this.name = name;
  }

  /** @internal The routes in registration order. */
  get routeRecords(): readonly RouteRecord[] { return this.#routes; }
  /** @internal */
  get beforeRequestHooks(): readonly BeforeRequestHook[] { return this.#before; }
  /** @internal */
  get afterRequestHooks(): readonly AfterRequestHook[] { return this.#after; }
  /** @internal */
  get teardownRequestHooks(): readonly TeardownRequestHook[] { return this.#teardown; }
  /** @internal */
  get codeHandlers(): ReadonlyMap<number, ErrorHandler> { return this.#codeHandlers; }
  /** @internal */
  get classHandlers(): ReadonlyMap<ErrorClass, ErrorHandler> { return this.#classHandlers; }
  /** @internal The registered blueprints with their registration options, in order. */
  get children(): readonly { readonly blueprint: Blueprint; readonly options: BlueprintRegistration }[] { return this.#children; }

  /** @internal Puts a route before every other one (the static file route matches first). */
  protected prependRoute(record: RouteRecord): void {
    this.#routes.unshift(record);
  }

  /** @internal Throws once the owning app is frozen. */
  protected abstract assertSetup(method: string): void;

  /**
   * Registers a view for a rule and methods.
   *
   * @param rule - Werkzeug rule syntax, e.g. `/users/<int:id>`; parameters are typed from it
   * @param options - methods, endpoint, input schemas (`schema`), accepted body types, limits
   * @example
   * app.route('/notes', { methods: ['GET', 'POST'] }, async (req) => ...);
   * app.route('/api/notes', { methods: ['POST'], schema: { body: z.object({ title: z.string() }) } },
   *   (req) => ({ title: req.valid.body.title }));
   * @throws {SetupError} after the app handled its first request
   */
  route<R extends string, const S extends RouteSchemas = NoSchemas>(rule: R, options: RouteOptions & { schema?: S }, view: RouteView<R, S>): this {
    this.assertSetup('route');
    if (typeof view !== 'function') throw new TypeError(`The view for ${rule} must be a function`);
    if (options.endpoint !== undefined) assertName('Endpoint', options.endpoint);
    this.#routes.push({ rule, options, view: view as unknown as View<never> });
    return this;
  }

  /** Registers a GET view (HEAD and OPTIONS follow automatically). */
  get<R extends string>(rule: R, view: RouteView<R, NoSchemas>): this;
  get<R extends string, const S extends RouteSchemas = NoSchemas>(rule: R, options: MethodRouteOptions<S>, view: RouteView<R, S>): this;
  get(rule: string, a: AnyView | MethodRouteOptions<RouteSchemas>, b?: AnyView): this {
    return this.withMethod('GET', rule, a, b);
  }

  /** Registers a POST view. */
  post<R extends string>(rule: R, view: RouteView<R, NoSchemas>): this;
  post<R extends string, const S extends RouteSchemas = NoSchemas>(rule: R, options: MethodRouteOptions<S>, view: RouteView<R, S>): this;
  post(rule: string, a: AnyView | MethodRouteOptions<RouteSchemas>, b?: AnyView): this {
    return this.withMethod('POST', rule, a, b);
  }

  /** Registers a PUT view. */
  put<R extends string>(rule: R, view: RouteView<R, NoSchemas>): this;
  put<R extends string, const S extends RouteSchemas = NoSchemas>(rule: R, options: MethodRouteOptions<S>, view: RouteView<R, S>): this;
  put(rule: string, a: AnyView | MethodRouteOptions<RouteSchemas>, b?: AnyView): this {
    return this.withMethod('PUT', rule, a, b);
  }

  /** Registers a PATCH view. */
  patch<R extends string>(rule: R, view: RouteView<R, NoSchemas>): this;
  patch<R extends string, const S extends RouteSchemas = NoSchemas>(rule: R, options: MethodRouteOptions<S>, view: RouteView<R, S>): this;
  patch(rule: string, a: AnyView | MethodRouteOptions<RouteSchemas>, b?: AnyView): this {
    return this.withMethod('PATCH', rule, a, b);
  }

  /** Registers a DELETE view. */
  delete<R extends string>(rule: R, view: RouteView<R, NoSchemas>): this;
  delete<R extends string, const S extends RouteSchemas = NoSchemas>(rule: R, options: MethodRouteOptions<S>, view: RouteView<R, S>): this;
  delete(rule: string, a: AnyView | MethodRouteOptions<RouteSchemas>, b?: AnyView): this {
    return this.withMethod('DELETE', rule, a, b);
  }

  private withMethod(method: string, rule: string, a: AnyView | MethodRouteOptions<RouteSchemas>, b?: AnyView): this {
    if (typeof a === 'function') return this.route(rule, { methods: [method] }, a as never);
    if (!b) throw new TypeError(`Missing view function for ${method} ${rule}`);
    return this.route(rule, { ...a, methods: [method] }, b as never);
  }

  /** Adds a hook that runs before each view of this scope, in registration order. */
  beforeRequest(hook: BeforeRequestHook): this {
    this.assertSetup('beforeRequest');
    this.#before.push(hook);
    return this;
  }

  /** Adds a hook that runs after each view of this scope, in reverse registration order. */
  afterRequest(hook: AfterRequestHook): this {
    this.assertSetup('afterRequest');
    this.#after.push(hook);
    return this;
  }

  /** Adds a hook that runs after the response is written, even when the view failed. */
  teardownRequest(hook: TeardownRequestHook): this {
    this.assertSetup('teardownRequest');
    this.#teardown.push(hook);
    return this;
  }

  /**
   * Registers an error handler for a status code (400–599) or an error class (Flask's
   * `errorhandler`). A Werkzeug class stands for its status: `errorHandler(NotFound, h)` is
   * `errorHandler(404, h)`, and answers every 404 — `abort(404)`, `new HTTPException(404)`,
   * unmatched URLs. Lookup follows Flask's `_find_error_handler`: for an HTTP error, handlers of
   * its status (classes bound to it nearest first, then the code) in each scope innermost first;
   * then handlers by class along the prototype chain, nearest class first, innermost scope first.
   * @throws {RangeError} for a status outside 400–599
   */
  errorHandler<E>(codeOrClass: number | ErrorClass<E>, handler: ErrorHandler<E>): this {
    this.assertSetup('errorHandler');
    registerErrorHandler({ codeHandlers: this.#codeHandlers, classHandlers: this.#classHandlers }, codeOrClass as number | ErrorClass, handler as ErrorHandler);
    return this;
  }

  /** Registers a (nested) blueprint under this scope. */
  registerBlueprint(blueprint: Blueprint, options: BlueprintRegistration = {}): this {
    this.assertSetup('registerBlueprint');
    checkKeys(`registerBlueprint(${blueprint.name})`, options, REGISTRATION_OPTIONS);
    if (options.urlPrefix !== undefined && !options.urlPrefix.startsWith('/')) {
      throw new SetupError('PHIAL_E_BAD_PREFIX', `urlPrefix must start with "/": ${JSON.stringify(options.urlPrefix)}`);
    }
    if (options.name !== undefined) assertName('Blueprint', options.name);
    this.#children.push({ blueprint, options });
    blueprint[ATTACH](this);
    return this;
  }
}

/** Options for {@link Blueprint}. */
export interface BlueprintOptions {
  /** URL prefix for every rule, e.g. `/api`. Must start with `/`. */
  urlPrefix?: string;
  /** `false` exempts every route of the blueprint (and its children) from CSRF protection; listed by `phial routes`. */
  csrf?: false;
}

/**
 * A group of routes.
 *
 * @example
 * const api = new Blueprint('api', { urlPrefix: '/api' });
 * api.get('/notes/<int:id>', (req) => ({ id: req.params.id }));
 * app.registerBlueprint(api);
 * app.urlFor('api.show', { id: 1 }); // "/api/notes/1" when the view is named show
 */
export class Blueprint extends Scaffold {
  readonly urlPrefix: string;
  /** True when the blueprint was created with `csrf: false`. */
  readonly csrfExempt: boolean;
  readonly #parents: Scaffold[] = [];

  constructor(name: string, options: BlueprintOptions = {}) {
    super(name);
    assertName('Blueprint', name);
    checkKeys(`Blueprint ${name}`, options, BLUEPRINT_OPTIONS);
    const prefix = options.urlPrefix ?? '';
    if (prefix !== '' && !prefix.startsWith('/')) {
      throw new SetupError('PHIAL_E_BAD_PREFIX', `urlPrefix must start with "/": ${JSON.stringify(prefix)}`);
    }
    this.urlPrefix = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
    this.csrfExempt = options.csrf === false;
  }

  /** Called by `registerBlueprint`: setup on the blueprint closes when the app that holds it freezes. */
  [ATTACH](parent: Scaffold): void {
    this.#parents.push(parent);
  }

  /**
   * True once an app this blueprint is registered on, directly or through other blueprints, is
   * frozen: its setup is then closed too.
   */
  isFrozen(): boolean {
    return this.#parents.some((p) => (p as unknown as { isFrozen(): boolean }).isFrozen());
  }

  protected assertSetup(method: string): void {
    if (this.isFrozen()) {
      throw new SetupError('PHIAL_E_SETUP_FINISHED',
        `The setup method '${method}' can no longer be called on blueprint '${this.name}': the app already handled its first request.`);
    }
  }

}
