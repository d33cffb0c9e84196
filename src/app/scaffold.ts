/**
 * Setup methods shared by the app and blueprints (Flask's `Scaffold`): routes, hooks, error
 * handlers and nested blueprints. Registrations are recorded here and compiled when the app is
 * frozen; after that every setup method throws, like Flask's "setup method can no longer be
 * called" assertion.
 *
 * @module
 */
import type { RouteParams } from '../routing/params.ts';
import type {
  AfterRequestHook, BeforeRequestHook, ErrorClass, ErrorHandler, ParamsOf, RouteOptions, RouteSchemas, TeardownRequestHook,
  ValidatedInputs, View,
} from '../http/view.ts';
import type { Blueprint } from './blueprint.ts';
import { SetupError } from '../errors/setup-error.ts';
import { registerErrorHandler } from '../dispatch/error-handlers.ts';

// SetupError lived here; it is re-exported for the modules (and apps) that import it from here.
export { SetupError, type SetupErrorCode } from '../errors/setup-error.ts';

/** @internal A route as registered, before prefixes are applied. */
export interface RouteRecord {
  rule: string;
  options: RouteOptions;
  view: View<never>;
}

/** The schemas of a route that declares none. */
export type NoSchemas = Record<never, never>;

/** The view type of a rule `R` with input schemas `S`. */
export type RouteView<R extends string, S> = View<ParamsOf<RouteParams<R>, S>, ValidatedInputs<S>>;

/** Route options of the method shortcuts (`get`, `post`, …), which set `methods` themselves. */
export type MethodRouteOptions<S extends RouteSchemas> = Omit<RouteOptions, 'methods' | 'schema'> & { schema?: S };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- implementation signature behind typed overloads
type AnyView = (req: any) => unknown;

/** Options for registering a blueprint. */
export interface BlueprintRegistration {
  /** URL prefix; overrides the blueprint's own `urlPrefix`. Must start with `/`. */
  urlPrefix?: string;
  /** Registers the blueprint under another name (lets one blueprint be registered twice). */
  name?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;


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
  /** @internal */ readonly routeRecords: RouteRecord[] = [];
  /** @internal */ readonly beforeRequestHooks: BeforeRequestHook[] = [];
  /** @internal */ readonly afterRequestHooks: AfterRequestHook[] = [];
  /** @internal */ readonly teardownRequestHooks: TeardownRequestHook[] = [];
  /** @internal */ readonly codeHandlers = new Map<number, ErrorHandler>();
  /** @internal */ readonly classHandlers = new Map<ErrorClass, ErrorHandler>();
  /** @internal */ readonly children: Array<{ blueprint: Blueprint; options: BlueprintRegistration }> = [];

  protected constructor(name: string) {
    this.name = name;
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
    this.routeRecords.push({ rule, options, view: view as unknown as View<never> });
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
    this.beforeRequestHooks.push(hook);
    return this;
  }

  /** Adds a hook that runs after each view of this scope, in reverse registration order. */
  afterRequest(hook: AfterRequestHook): this {
    this.assertSetup('afterRequest');
    this.afterRequestHooks.push(hook);
    return this;
  }

  /** Adds a hook that runs after the response is written, even when the view failed. */
  teardownRequest(hook: TeardownRequestHook): this {
    this.assertSetup('teardownRequest');
    this.teardownRequestHooks.push(hook);
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
    registerErrorHandler(this, codeOrClass as number | ErrorClass, handler as ErrorHandler);
    return this;
  }

  /** Registers a (nested) blueprint under this scope. */
  registerBlueprint(blueprint: Blueprint, options: BlueprintRegistration = {}): this {
    this.assertSetup('registerBlueprint');
    if (options.urlPrefix !== undefined && !options.urlPrefix.startsWith('/')) {
      throw new SetupError('PHIAL_E_BAD_PREFIX', `urlPrefix must start with "/": ${JSON.stringify(options.urlPrefix)}`);
    }
    if (options.name !== undefined) assertName('Blueprint', options.name);
    this.children.push({ blueprint, options });
    blueprint.attach(this);
    return this;
  }
}
