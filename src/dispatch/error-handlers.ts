/**
 * Finding the error handler for an error: by status code first, then by class along the
 * prototype chain (nearest class wins), in each scope from the innermost blueprint to the app —
 * Flask's `_find_error_handler` order.
 *
 * @module
 */
import type { ScopeRegistrations as Scaffold } from '../http/registrations.ts';
import type { ErrorHandler } from '../http/view.ts';

/** The handler registered for `code` in the nearest scope, if any. */
export function findCodeHandler(scopes: Scaffold[], code: number): ErrorHandler | undefined {
  for (const s of scopes) {
    const h = s.codeHandlers.get(code);
    if (h) return h;
  }
  return undefined;
}

/** The handler for the nearest class of `err` in the nearest scope, if any. */
export function findClassHandler(scopes: Scaffold[], err: unknown): ErrorHandler | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  for (const s of scopes) {
    if (s.classHandlers.size === 0) continue;
    for (let p = Object.getPrototypeOf(err) as object | null; p; p = Object.getPrototypeOf(p) as object | null) {
      const h = s.classHandlers.get((p as { constructor: never }).constructor);
      if (h) return h;
    }
  }
  return undefined;
}
