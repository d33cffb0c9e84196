/**
 * Server limits: the knobs of the hardened node:http server, their defaults (each chosen against
 * a threat or a neighbour's default), and the check of a set of limits before a server is built.
 * The configuration loader reads these to build the `server` setting and `PHIAL_SERVER_*`.
 *
 * @module
 */
import { ServerOptionError } from './errors.ts';

/** node:http limits applied by the server (reference/security.md §5). All positive integers. */
export interface ServerLimits {
  /** ms to receive the request head (slowloris) → 408; ≤ `requestTimeout` (Node requires it). */
  headersTimeout: number;
  /** ms for the whole request, head and body (slow POST) → 408; capped at 2^31-1 like every timer. */
  requestTimeout: number;
  /** ms an idle keep-alive socket stays open; behind a proxy that reuses upstream connections, set it above the proxy's idle timeout. */
  keepAliveTimeout: number;
  /** bytes of request line + headers → 431 beyond. */
  maxHeaderSize: number;
  /** requests served on one keep-alive connection before `Connection: close`. */
  maxRequestsPerSocket: number;
  /** concurrent sockets per process; further connections are dropped. Keep below `ulimit -n`. */
  maxConnections: number;
  /** ms graceful shutdown waits for in-flight requests after SIGTERM before closing sockets. */
  shutdownTimeout: number;
}

/**
 * Server limit defaults, each chosen against a threat or a neighbour's default:
 * - `headersTimeout` 20 000 ms: honest clients send a head in milliseconds; 20 s tolerates a
 *   bad mobile link while cutting slowloris to a third of Node's 60 s.
 * - `requestTimeout` 60 000 ms: nginx's 60 s client timeouts; a 1 MiB body (the default
 *   `maxContentLength`) needs only ~20 KiB/s. Node's own 300 s lets slow POSTs pin sockets.
 * - `keepAliveTimeout` 5 000 ms: Node's default, itself the fix for CVE-2019-5739.
 * - `maxHeaderSize` 16 384 bytes: Node's default; within nginx's 4 × 8 KiB header buffers.
 * - `maxRequestsPerSocket` 1 000: nginx's `keepalive_requests`; bounds one connection's life so
 *   load spreads over workers and pods (Node's default is unlimited).
 * - `maxConnections` 10 000: Node's default is unlimited. 10 000 sockets × ~16 KiB of header
 *   buffer is ~160 MiB at worst, survivable in a 512 MiB container, yet well above what one
 *   event loop serves; raise it (and `ulimit -n`) for long-polling or SSE.
 * - `shutdownTimeout` 10 000 ms: fits inside Kubernetes' 30 s termination grace period with
 *   room for a preStop delay while endpoints are removed.
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
 * @throws {ServerOptionError} `PHIAL_E_SERVER_LIMIT` if a field is not a non-negative safe integer, if
 *   `headersTimeout` or `maxHeaderSize` is 0, or if `headersTimeout` exceeds a non-zero `requestTimeout` (Node rejects that combination too).
 */
export function assertServerLimits(limits: ServerLimits): void {
  for (const key of KEYS) {
    const value: unknown = limits[key];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new ServerOptionError('PHIAL_E_SERVER_LIMIT', `server limit ${key} must be a non-negative integer, got ${String(value)}`);
    }
  }
  // 0 would switch the protection off (Node treats 0 as "none"); a slow-header deadline is never optional.
  if (limits.headersTimeout === 0) {
    throw new ServerOptionError('PHIAL_E_SERVER_LIMIT', 'server limit headersTimeout must be at least 1 ms, got 0 (it is the slowloris guard)');
  }
  if (limits.maxHeaderSize === 0) {
    throw new ServerOptionError('PHIAL_E_SERVER_LIMIT', 'server limit maxHeaderSize must be at least 1 byte, got 0');
  }
  if (limits.requestTimeout > 0 && limits.headersTimeout > limits.requestTimeout) {
    throw new ServerOptionError('PHIAL_E_SERVER_LIMIT',
      `server limit headersTimeout (${limits.headersTimeout} ms) must be <= requestTimeout (${limits.requestTimeout} ms)`,
    );
  }
}
