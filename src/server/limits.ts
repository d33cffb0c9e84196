/**
 * Server limits: the knobs of the hardened node:http server.
 *
 * `ServerLimits` is a local copy of the interface that `src/config.ts` owns; the two are structurally
 * identical, so a `PhialConfig['server']` value is accepted here as is. (To be deduplicated: one will
 * re-export the other.)
 *
 * @module
 */

/**
 * Limits applied to every HTTP server Phial creates. All values are non-negative integers.
 *
 * Source: `app.config.server` (built by `loadConfig()` from options and `PHIAL_*` environment variables).
 */
export interface ServerLimits {
  /** Deadline (ms) for receiving the complete request head, counted from its first byte; → 408. Must be ≥ 1 and ≤ `requestTimeout` when that is non-zero. */
  headersTimeout: number;
  /** Deadline (ms) for receiving the whole request (head + body); → 408. `0` disables it (only behind a proxy). */
  requestTimeout: number;
  /** How long (ms) an idle keep-alive socket is kept open after a response. */
  keepAliveTimeout: number;
  /** Largest request head (request line + headers) accepted, in bytes; → 431. */
  maxHeaderSize: number;
  /** Requests served on one socket before the server answers with `Connection: close`; `0` = unlimited. */
  maxRequestsPerSocket: number;
  /** Concurrent sockets per server (per worker); further connections are dropped. `0` = unlimited. */
  maxConnections: number;
  /** Graceful-shutdown budget (ms): in-flight requests get this long to finish before their sockets are destroyed. */
  shutdownTimeout: number;
}

/**
 * Defaults for callers without a config at hand (tests, hand-built apps): the same values as
 * `DEFAULT_SERVER_LIMITS` in `src/config.ts`, which is authoritative and explains each choice.
 */
export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  headersTimeout: 20_000,
  requestTimeout: 60_000,
  keepAliveTimeout: 5_000,
  maxHeaderSize: 16_384,
  maxRequestsPerSocket: 1_000,
  maxConnections: 10_000,
  shutdownTimeout: 10_000,
});

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
