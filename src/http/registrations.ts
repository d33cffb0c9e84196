/**
 * What an app or blueprint has registered, as the request path reads it when the app freezes:
 * routes, hooks, error handlers and nested blueprints. `Scaffold` (`src/app/scaffold.ts`) fills
 * these through its setup methods; the compiler of routes and the error-handler lookup read them
 * through this structural type, so they need nothing from the app layer above them.
 *
 * @module
 */
import type {
  AfterRequestHook, BeforeRequestHook, ErrorClass, ErrorHandler, RouteOptions, TeardownRequestHook, View,
} from './view.ts';

/** @internal A route as registered, before prefixes are applied. */
export interface RouteRecord {
  readonly rule: string;
  readonly options: RouteOptions;
  readonly view: View<never>;
}

/** Options for registering a blueprint. */
export interface BlueprintRegistration {
  /** URL prefix; overrides the blueprint's own `urlPrefix`. Must start with `/`. */
  urlPrefix?: string;
  /** Registers the blueprint under another name (lets one blueprint be registered twice). */
  name?: string;
}

/** @internal The registrations of one scope (the app, or one blueprint), read-only. */
export interface ScopeRegistrations {
  /** The name (endpoint prefix for blueprints). */
  readonly name: string;
  readonly routeRecords: readonly RouteRecord[];
  readonly beforeRequestHooks: readonly BeforeRequestHook[];
  readonly afterRequestHooks: readonly AfterRequestHook[];
  readonly teardownRequestHooks: readonly TeardownRequestHook[];
  readonly codeHandlers: ReadonlyMap<number, ErrorHandler>;
  readonly classHandlers: ReadonlyMap<ErrorClass, ErrorHandler>;
  readonly children: readonly { readonly blueprint: BlueprintScope; readonly options: BlueprintRegistration }[];
}

/** @internal A blueprint's registrations and its own settings. */
export interface BlueprintScope extends ScopeRegistrations {
  /** Prefix of every rule, without a trailing `/` (`''` for none). */
  readonly urlPrefix: string;
  /** Created with `csrf: false`. */
  readonly csrfExempt: boolean;
}
