/**
 * The base class of every error Phial throws with a stable code.
 *
 * @module
 */
import type { PhialErrorCode } from './registry.ts';

/**
 * An error with a stable, documented `code` (`PHIAL_E_*`, listed in `docs/errors.md`). Match on
 * the code or the class, never on the message: messages are for people and may be reworded.
 *
 * Subclasses narrow `code` to their own codes and set `name`; each lives next to the module that
 * throws it (`ConfigError`, `SetupError`, `DatabaseError`, `TemplateError`, …).
 *
 * @example
 * try { new Phial() } catch (e) { if (e instanceof PhialError && e.code === 'PHIAL_E_SECRET_WEAK') … }
 */
export class PhialError extends Error {
  /** Stable code, `PHIAL_E_*`; see `docs/errors.md` for its meaning and fix. */
  readonly code: PhialErrorCode;

  /**
   * @param code - a registered code (`src/errors/registry.ts`)
   * @param message - the text for people; name the setting or value at fault, never a secret
   * @param options - `cause`, kept for logs
   */
  constructor(code: PhialErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
