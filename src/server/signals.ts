/**
 * Process-level shutdown on SIGTERM/SIGINT, shared by every server `serve()` started with
 * `handleSignals` (one set of handlers per process, however many servers).
 *
 * In a cluster worker the primary asks for shutdown over IPC (`SHUTDOWN_MESSAGE`) rather than with a
 * signal: on Ctrl-C the terminal already sends SIGINT to the whole process group, and a forwarded signal
 * on top would count as the "second signal" that forces exit 1.
 *
 * @module
 */
import type { ServerLogger } from './types.ts';

/** The IPC message a cluster primary sends a worker to start its graceful shutdown. */
export const SHUTDOWN_MESSAGE = Object.freeze({ type: 'phial:shutdown' });

/** The IPC message a cluster worker sends its primary once a server listens (sent by `serve()`). */
export const READY_MESSAGE = Object.freeze({ type: 'phial:ready' });

/** Something the process closes gracefully on a shutdown signal. */
export interface ShutdownTarget {
  readonly logger: ServerLogger;
  /** Upper bound (ms) of the target's own drain; used to size the process watchdog. */
  readonly shutdownTimeout: number;
  /** Graceful close; rejects if cleanup failed. */
  close(): Promise<void>;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Extra time (ms) beyond the longest drain for shutdown hooks and logging before the watchdog exits 1. */
const HOOKS_GRACE_MS = 10_000;

const targets = new Set<ShutdownTarget>();
let installed = false;
let signalsSeen = 0;
let shuttingDown = false;

/** True if `message` is an IPC message of the given kind. */
export function isIpcMessage(message: unknown, kind: { readonly type: string }): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === kind.type;
}

function anyLogger(): ServerLogger | undefined {
  for (const target of targets) return target.logger;
  return undefined;
}

/**
 * Logs without ever throwing: during shutdown the log pipe may be gone (a crashed log shipper,
 * `| head`), and a failed write must not stop the process from exiting.
 */
function safeLog(logger: ServerLogger | undefined, level: 'info' | 'warn' | 'error', obj: object, msg: string): void {
  try {
    logger?.[level](obj, msg);
  } catch {
    // Nothing useful to do: the log destination is broken.
  }
}

/**
 * Flushes the logger, then exits. The 1 s fallback timer is ref'd on purpose: if the log
 * destination never drains (a broken pipe), it is what ends the process.
 */
function exitAfterFlush(code: number, logger: ServerLogger | undefined): void {
  const exit = (): never => process.exit(code);
  if (logger?.flush === undefined) exit();
  setTimeout(exit, 1000);
  try {
    logger?.flush?.(() => exit());
  } catch {
    exit();
  }
}

function beginShutdown(reason: string): void {
  if (shuttingDown) return;
  shuttingDown = true;
  const all = [...targets];
  const logger = anyLogger();
  const longest = Math.max(0, ...all.map((t) => t.shutdownTimeout));
  // Armed before anything else (even logging) and ref'd: if a shutdown hook never settles, or
  // the log destination fails, this is what ends the process.
  setTimeout(() => {
    safeLog(logger, 'error', { deadlineMs: longest + HOOKS_GRACE_MS }, 'shutdown did not finish in time; exiting');
    exitAfterFlush(1, logger);
  }, longest + HOOKS_GRACE_MS);
  safeLog(logger, 'info', { reason }, 'shutting down');
  void Promise.allSettled(all.map((t) => t.close())).then((results) => {
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) safeLog(logger, 'error', { failed }, 'shutdown finished with errors');
    else safeLog(logger, 'info', {}, 'shutdown complete');
    exitAfterFlush(failed > 0 ? 1 : 0, logger);
  });
}

function onSignal(signal: NodeJS.Signals): void {
  signalsSeen += 1;
  if (signalsSeen > 1) {
    const logger = anyLogger();
    safeLog(logger, 'warn', { signal }, 'second signal during shutdown; forcing exit');
    exitAfterFlush(1, logger);
    return;
  }
  beginShutdown(signal);
}

function onMessage(message: unknown): void {
  if (isIpcMessage(message, SHUTDOWN_MESSAGE)) beginShutdown('cluster primary request');
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const signal of SIGNALS) process.on(signal, onSignal);
  // Only a forked child has an IPC channel; listening elsewhere would be harmless but pointless.
  if (typeof process.send === 'function') process.on('message', onMessage);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const signal of SIGNALS) process.off(signal, onSignal);
  process.off('message', onMessage);
}

/**
 * Makes `target` part of the process's graceful shutdown and installs the SIGTERM/SIGINT handlers if
 * this is the first target. On the first signal every target is closed in parallel and the process exits
 * 0 (1 if a close rejected); a second signal exits 1 at once; a watchdog exits 1 if shutdown takes longer
 * than the longest `shutdownTimeout` + 10 s.
 */
export function registerShutdownTarget(target: ShutdownTarget): void {
  targets.add(target);
  install();
}

/**
 * Removes `target` (after it closed on its own). The handlers are removed with the last target — unless
 * a signal-driven shutdown is under way, which keeps them to catch the second signal.
 */
export function unregisterShutdownTarget(target: ShutdownTarget): void {
  targets.delete(target);
  if (targets.size === 0 && !shuttingDown) uninstall();
}

/** True while a signal- or primary-driven shutdown is under way in this process. */
export function processShuttingDown(): boolean {
  return shuttingDown;
}
