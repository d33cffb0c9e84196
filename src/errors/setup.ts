/**
 * The error of a setup mistake: a bad name, a duplicate, setup after the app started serving, a
 * missing template folder. Thrown while the app is being built, never for a request.
 *
 * @module
 */

/** Thrown when setup is done wrong (bad name, setup after the first request, …). */
export class SetupError extends Error {
  /** Stable code, `PHIAL_E_*`, for tests and tools to match on. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'SetupError';
  }
}
