/**
 * Types shared by the server layer and the CLI. Everything here is structural, so the real `Phial` app,
 * a hand-written object in a test, or another framework's adapter can be served alike.
 *
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ServerLimits } from './limits.ts';
import type { Logger } from '../util/logger.ts';

export type { LogFn } from '../util/logger.ts';

/**
 * The slice of a pino logger the server layer uses; a pino `Logger` satisfies it.
 * `flush` is called before the process exits so buffered lines are not lost.
 */
export type ServerLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error' | 'flush'>;

/**
 * What `serve()` needs from an app (source: `src/app/phial.ts`, `Phial`).
 */
export interface ServableApp {
  /** The request listener, already bound; it must never throw synchronously for a well-formed request. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** `server` holds the limits applied to the node:http server (`app.config.server`). */
  readonly config: { readonly server: ServerLimits };
  /** Where server lifecycle events (listening, shutdown, malformed requests at debug level) are logged. */
  readonly logger: ServerLogger;
  /** Closes the app's resources (pools…); awaited once during graceful shutdown, after the last connection closed. */
  runShutdownHooks(): Promise<void>;
  /** Security headers (flat pairs) to add to the raw replies the server layer writes itself. */
  readonly rawReplyHeaders?: readonly string[];
  /** Whether a request with `Expect: 100-continue` should get `100 Continue` (false when it will be refused). */
  shouldContinue?(req: IncomingMessage): boolean;
}

/** A listening server, as returned by `serve()` (and `app.listen()`). */
export interface RunningServer {
  /** The underlying node:http server (already listening). */
  readonly server: Server;
  /** The address actually bound: `port` is the real one when 0 was asked for. */
  readonly address: { readonly host: string; readonly port: number };
  /** `http://host:port` (IPv6 hosts in brackets). */
  readonly url: string;
  /**
   * Graceful close: stop accepting, close idle sockets, let in-flight requests finish within
   * `shutdownTimeout` ms (their responses carry `Connection: close`), destroy what is left, then run the
   * app's shutdown hooks. Idempotent (later calls return the same promise). Never exits the process.
   * Rejects only if the shutdown hooks reject.
   */
  close(): Promise<void>;
}

/** Options of `serve()`. */
export interface ServeOptions {
  /** Interface to bind, e.g. `127.0.0.1`, `0.0.0.0`, `::`. */
  host: string;
  /** TCP port; 0 picks a free one (see `RunningServer.address.port`). */
  port: number;
  /**
   * Own the process: on SIGTERM/SIGINT shut down gracefully and exit 0 (1 if shutdown failed or a second
   * signal arrives). Default `true`. Pass `false` when embedding (tests, a host process with its own
   * signal policy); `close()` is then the only way to stop.
   */
  handleSignals?: boolean;
  /** Called once the server listens, before `serve()` resolves. */
  onListening?: (running: RunningServer) => void;
}
