/**
 * `ServerOptionError`: server options handed to the server layer directly (not through the
 * configuration loader, which names the setting) that the server cannot run with.
 *
 * @module
 */
import { PhialError } from '../errors/phial-error.ts';

/** Stable codes carried by {@link ServerOptionError}. */
export type ServerOptionErrorCode =
  | 'PHIAL_E_SERVER_LIMIT' // a limit that is not a non-negative integer, a guard set to 0, headersTimeout > requestTimeout
  | 'PHIAL_E_WORKERS'; // a worker count outside 1..64

/**
 * A server limit or worker count the server refuses. The CLI prints it as a usage error (exit 2)
 * by its code. Values that come from the app's configuration are checked earlier, as
 * `ConfigError`s naming the setting; this is the last line for servers built by hand.
 */
export class ServerOptionError extends PhialError {
  declare readonly code: ServerOptionErrorCode;

  constructor(code: ServerOptionErrorCode, message: string) {
    super(code, message);
  }
}
