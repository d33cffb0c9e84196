/**
 * Server limits: the knobs of the hardened node:http server.
 *
 * `ServerLimits` and its defaults are owned by `src/config/config.ts` (which documents each choice); this
 * module re-exports them and validates a set of limits before a server is built.
 *
 * @module
 */

export { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../config/config.ts';
import type { ServerLimits } from '../config/config.ts';


const KEYS = [
  'headersTimeout', 'requestTimeout', 'keepAliveTimeout', 'maxHeaderSize',
  'maxRequestsPerSocket', 'maxConnections', 'shutdownTimeout',
] as const satisfies ReadonlyArray<keyof ServerLimits>;

/**
 * Checks a limits object before it reaches node:http, so a bad value fails at startup with a message
 * naming the field rather than later as an obscure `ERR_OUT_OF_RANGE` (or, worse, silently: Node ignores
 * some bad values).
 *
 * @throws RangeError if a field is not a non-negative safe integer, if `headersTimeout` or `maxHeaderSize` is 0, or if
 *   `headersTimeout` exceeds a non-zero `requestTimeout` (Node rejects that combination too).
 */
export function assertServerLimits(limits: ServerLimits): void {
  for (const key of KEYS) {
    const value: unknown = limits[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`server limit ${key} must be a non-negative integer, got ${String(value)}`);
    }
  }
  // 0 would switch the protection off (Node treats 0 as "none"); a slow-header deadline is never optional.
  if (limits.headersTimeout === 0) {
    throw new RangeError('server limit headersTimeout must be at least 1 ms, got 0 (it is the slowloris guard)');
  }
  if (limits.maxHeaderSize === 0) {
    throw new RangeError('server limit maxHeaderSize must be at least 1 byte, got 0');
  }
  if (limits.requestTimeout > 0 && limits.headersTimeout > limits.requestTimeout) {
    throw new RangeError(
      `server limit headersTimeout (${limits.headersTimeout} ms) must be <= requestTimeout (${limits.requestTimeout} ms)`,
    );
  }
}
