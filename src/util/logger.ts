/**
 * The logger Phial writes to: the pino methods it calls, as a structural type, so the app's pino
 * logger, a test double or another library's logger fit without an adapter. Each layer asks for
 * the slice it uses (`Pick<Logger, 'warn' | 'error'>`), so a small fake is enough in its tests.
 *
 * @module
 */

/** One pino-style log method: a merge object first, then an optional message. */
export type LogFn = (obj: object, msg?: string) => void;

/** The pino logger methods Phial uses; a pino `Logger` satisfies it. */
export interface Logger {
  fatal: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  /** Called before the process exits so buffered lines are not lost. */
  flush?: (cb?: (err?: Error) => void) => void;
}
