/**
 * Registering and finding error handlers, in Flask's order (`Scaffold._get_exc_class_and_code`
 * and `App._find_error_handler`).
 *
 * Registration: a status code, or an HTTP exception class that is the Werkzeug class of its
 * status (`NotFound` for 404), fills the scope's slot for that code — `errorHandler(404, h)` and
 * `errorHandler(NotFound, h)` are the same registration, the later one wins, as in Flask. Any
 * other class is registered by class.
 *
 * Lookup, for an error `e`:
 * 1. If `e` is an `HTTPException`, by its status: in each scope, innermost blueprint first, the
 *    handlers of classes bound to that status along `e`'s prototype chain nearest first
 *    (`ValidationError` before `BadRequest`), then the code slot. A plain `HTTPException(404)` or
 *    a user subclass of `HTTPException` with status 404 reaches the `NotFound`/404 handler too.
 * 2. Then by class along the prototype chain (nearest class wins) in each scope, innermost first:
 *    `HTTPException`, `Error`, the app's own error classes.
 * So a code handler of the app wins over a class handler (say for `HTTPException`) of a
 * blueprint, exactly as in Flask, where the code pass covers every scope before the class pass.
 *
 * @module
 */
import { HTTPException, defaultExceptions } from '../errors/http.ts';
import { SetupError } from '../errors/setup-error.ts';
import type { ErrorClass, ErrorHandler } from '../http/view.ts';

/** The handlers of one scope (the app or a blueprint). */
export interface ErrorHandlerScope {
  /** Status → handler: registrations by code and by the status's Werkzeug class. */
  readonly codeHandlers: ReadonlyMap<number, ErrorHandler>;
  /** Class → handler: every other class. */
  readonly classHandlers: ReadonlyMap<ErrorClass, ErrorHandler>;
}

/** The handler maps of one scope, as its owner fills them. */
export interface WritableErrorHandlerScope {
  readonly codeHandlers: Map<number, ErrorHandler>;
  readonly classHandlers: Map<ErrorClass, ErrorHandler>;
}

/** The status a class is bound to: its static `status` (inherited by subclasses), if an HTTP exception class. */
function boundStatus(cls: unknown): number | undefined {
  if (typeof cls !== 'function' || !(cls.prototype instanceof HTTPException)) return undefined;
  const status = (cls as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Records `handler` in `scope` for a status code (400–599) or an error class, normalised as
 * Flask does: the Werkzeug class of a status is the same registration as the status.
 *
 * @throws {SetupError} `PHIAL_E_BAD_HANDLER` for a status outside 400–599, a key that is neither a
 *   status nor a class, or a handler that is not a function
 */
export function registerErrorHandler(scope: WritableErrorHandlerScope, codeOrClass: number | ErrorClass, handler: ErrorHandler): void {
  if (typeof handler !== 'function') throw new SetupError('PHIAL_E_BAD_HANDLER', 'An error handler must be a function');
  if (typeof codeOrClass !== 'number' && typeof codeOrClass !== 'function') {
    throw new SetupError('PHIAL_E_BAD_HANDLER', `Error handlers are registered for a status (404) or an error class, got ${JSON.stringify(String(codeOrClass))}`);
  }
  if (typeof codeOrClass === 'number') {
    if (!Number.isInteger(codeOrClass) || codeOrClass < 400 || codeOrClass > 599) {
      throw new SetupError('PHIAL_E_BAD_HANDLER', `Error handler status must be 400–599, got ${codeOrClass}`);
    }
    scope.codeHandlers.set(codeOrClass, handler);
    return;
  }
  const status = boundStatus(codeOrClass);
  if (status !== undefined && defaultExceptions.get(status) === codeOrClass) scope.codeHandlers.set(status, handler);
  else scope.classHandlers.set(codeOrClass, handler);
}

/** The constructors of `err`'s prototype chain, nearest first. */
function classChain(err: object): ErrorClass[] {
  const out: ErrorClass[] = [];
  for (let p = Object.getPrototypeOf(err) as object | null; p; p = Object.getPrototypeOf(p) as object | null) {
    const ctor = (p as { constructor?: unknown }).constructor;
    if (typeof ctor === 'function') out.push(ctor as ErrorClass);
  }
  return out;
}

/**
 * The handler for `err`: by status (HTTP exceptions), then by class, innermost scope first — see
 * the module notes.
 *
 * @param scopes - the route's scopes, innermost blueprint first, the app last
 * @returns the handler, or `undefined` when none applies (the default error page answers)
 */
export function findErrorHandler(scopes: readonly ErrorHandlerScope[], err: unknown): ErrorHandler | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const chain = classChain(err);
  const status = err instanceof HTTPException ? err.status : undefined;
  if (status !== undefined) {
    const home = defaultExceptions.get(status);
    for (const s of scopes) {
      for (const cls of chain) {
        if (cls === home) break; // the status's own class is the code slot, next
        if (boundStatus(cls) !== status) continue;
        const h = s.classHandlers.get(cls);
        if (h) return h;
      }
      const h = s.codeHandlers.get(status);
      if (h) return h;
    }
  }
  for (const s of scopes) {
    if (s.classHandlers.size === 0) continue;
    for (const cls of chain) {
      if (status !== undefined && boundStatus(cls) === status) continue; // looked at in the status pass
      const h = s.classHandlers.get(cls);
      if (h) return h;
    }
  }
  return undefined;
}

/**
 * The handler registered for `code` (or its Werkzeug class) in the nearest scope.
 * @deprecated use {@link findErrorHandler}, which also finds handlers of classes bound to the status
 */
export function findCodeHandler(scopes: readonly ErrorHandlerScope[], code: number): ErrorHandler | undefined {
  for (const s of scopes) {
    const h = s.codeHandlers.get(code);
    if (h) return h;
  }
  return undefined;
}

/**
 * The handler for `err` by status, then by class.
 * @deprecated use {@link findErrorHandler} (the same search)
 */
export function findClassHandler(scopes: readonly ErrorHandlerScope[], err: unknown): ErrorHandler | undefined {
  return findErrorHandler(scopes, err);
}
