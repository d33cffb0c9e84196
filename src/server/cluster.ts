/**
 * `runWorkers()`: N processes sharing one listening port through node:cluster, supervised by the primary.
 *
 * @module
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { isIpcMessage, READY_MESSAGE, SHUTDOWN_MESSAGE } from './signals.ts';
import type { ServerLogger } from './types.ts';
import { ServerOptionError } from './errors.ts';

/** Most workers `runWorkers()` accepts. */
export const MAX_WORKERS = 64;

/**
 * A worker that exits with this code before it is ready (before a `serve()` in it listens) reports a
 * configuration error: it is not restarted and the primary exits with the same code.
 */
export const WORKER_CONFIG_ERROR_EXIT_CODE = 2;

/** Options of `runWorkers()`. */
export interface RunWorkersOptions {
  /** Primary and worker lifecycle logs (start, death with exit code/signal, restart, shutdown). */
  logger: ServerLogger;
  /** What each worker runs, e.g. `() => serve(app, …).then(() => {})`; never called in the primary. */
  start: () => Promise<void>;
  /**
   * The workers' drain budget (ms, `ServerLimits.shutdownTimeout`); the primary SIGKILLs workers still
   * alive this long + 10 s after a shutdown request and exits 1. Default 10000.
   */
  shutdownTimeout?: number;
  /** Crash-loop policy: give up (exit 1) after more than `maxDeaths` unexpected deaths within `windowMs` ms. Default 10 in 10000 ms. */
  crashLoop?: { maxDeaths: number; windowMs: number };
}

const STOP_GRACE_MS = 10_000;

/**
 * Checks a worker count.
 * @throws {ServerOptionError} `PHIAL_E_WORKERS` naming the value unless it is an integer in 1..64.
 */
export function assertWorkerCount(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new ServerOptionError('PHIAL_E_WORKERS', `workers must be an integer from 1 to ${MAX_WORKERS}, got ${String(n)}`);
  }
}

async function runWorker(opts: RunWorkersOptions): Promise<void> {
  try {
    await opts.start();
  } catch (err) {
    opts.logger.error({ err }, 'worker failed to start');
    process.exit(1);
  }
}

/**
 * Runs `opts.start` in `n` cluster workers (the same script, re-executed by node:cluster).
 *
 * In the primary: forks `n` workers with the primary's `execArgv` (so `--import tsx`, `--conditions=…`
 * propagate), restarts a worker that dies unexpectedly after a backoff of 100 ms × recent deaths (≤ 1 s),
 * and exits 1 on a crash loop (see `crashLoop`) or 2 if a worker exits with
 * `WORKER_CONFIG_ERROR_EXIT_CODE` before it was ready. On SIGTERM/SIGINT it asks every worker to drain
 * (IPC, see signals.ts) and exits 0 once all have exited cleanly (1 if one failed, on a second signal, or
 * at the watchdog). In a worker: awaits `opts.start()` (exit 1 if it rejects). A worker counts as ready
 * once a `serve()` in it listens (serve() tells the primary over IPC), so workers may also call `serve()`
 * themselves instead of going through `runWorkers()`.
 *
 * @returns primary: once every initial worker is ready; worker: once `start` resolved.
 * @throws {ServerOptionError} `PHIAL_E_WORKERS` if `n` is not an integer in 1..64.
 */
export async function runWorkers(n: number, opts: RunWorkersOptions): Promise<void> {
  assertWorkerCount(n);
  if (cluster.isWorker) return runWorker(opts);

  const { logger } = opts;
  const crashLoop = opts.crashLoop ?? { maxDeaths: 10, windowMs: 10_000 };
  const shutdownTimeout = opts.shutdownTimeout ?? 10_000;
  const ready = new Set<number>(); // worker ids that reported ready
  const deaths: number[] = []; // timestamps (ms) of unexpected deaths
  const restarts = new Set<NodeJS.Timeout>();
  let stopping = false;
  let stopCode = 0;
  let signals = 0;
  let resolveAllReady: () => void = () => {};
  const allReady = new Promise<void>((resolve) => (resolveAllReady = resolve));
  let initialPending = n;

  // Explicit, so a later setupPrimary() elsewhere cannot drop the loader flags the workers need.
  cluster.setupPrimary({ execArgv: cluster.settings.execArgv ?? process.execArgv });

  // isDead(): node:cluster keeps an exited worker in cluster.workers until its IPC channel is gone,
  // which can be after its 'exit' event.
  const liveWorkers = (): Worker[] =>
    Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());

  const exit = (code: number): void => {
    const done = (): never => process.exit(code);
    setTimeout(done, 1000).unref();
    if (logger.flush) logger.flush(() => done());
    else done();
  };

  const fork = (initial: boolean): void => {
    const worker = cluster.fork();
    worker.on('message', (message: unknown) => {
      if (!isIpcMessage(message, READY_MESSAGE) || ready.has(worker.id)) return;
      ready.add(worker.id);
      logger.info({ workerPid: worker.process.pid, worker: worker.id }, 'worker ready');
      if (initial && --initialPending === 0) resolveAllReady();
    });
  };

  const stop = (code: number, reason: string): void => {
    if (stopping) return;
    stopping = true;
    stopCode = code;
    for (const timer of restarts) clearTimeout(timer);
    restarts.clear();
    logger.info({ reason, workers: liveWorkers().length }, 'stopping workers');
    for (const worker of liveWorkers()) {
      // A worker that is not ready may not listen for the IPC request yet; a signal ends it either way.
      if (ready.has(worker.id) && worker.isConnected()) worker.send(SHUTDOWN_MESSAGE);
      else worker.process.kill('SIGTERM');
    }
    setTimeout(() => {
      logger.error({ shutdownTimeoutMs: shutdownTimeout }, 'workers did not stop in time; killing them');
      for (const worker of liveWorkers()) worker.process.kill('SIGKILL');
      exit(1);
    }, shutdownTimeout + STOP_GRACE_MS);
    if (liveWorkers().length === 0) exit(stopCode);
  };

  cluster.on('exit', (worker, code, signal) => {
    const wasReady = ready.delete(worker.id);
    const info = { workerPid: worker.process.pid, worker: worker.id, code, signal };
    if (stopping) {
      const clean = code === 0 || signal === 'SIGTERM' || signal === 'SIGINT';
      // Keep a more specific code already chosen (2: configuration error) over the generic 1.
      if (!clean && stopCode === 0) stopCode = 1;
      logger.info(info, 'worker exited');
      if (liveWorkers().length === 0) exit(stopCode);
      return;
    }
    if (!wasReady && code === WORKER_CONFIG_ERROR_EXIT_CODE) {
      logger.error(info, 'worker reported a configuration error; not restarting');
      stop(WORKER_CONFIG_ERROR_EXIT_CODE, 'worker configuration error');
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths.length > 0 && (deaths[0] ?? now) <= now - crashLoop.windowMs) deaths.shift();
    if (deaths.length > crashLoop.maxDeaths) {
      logger.error({ ...info, deaths: deaths.length, windowMs: crashLoop.windowMs }, 'workers are crash-looping; giving up');
      stop(1, 'crash loop');
      return;
    }
    const delay = Math.min(1000, 100 * deaths.length);
    logger.warn({ ...info, restartInMs: delay }, 'worker died; restarting');
    const timer = setTimeout(() => {
      restarts.delete(timer);
      if (!stopping) fork(false);
    }, delay);
    restarts.add(timer);
  });

  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal; killing workers');
      for (const worker of liveWorkers()) worker.process.kill('SIGKILL');
      exit(1);
      return;
    }
    stop(0, signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  logger.info({ workers: n }, 'starting workers');
  for (let i = 0; i < n; i += 1) fork(true);
  return allReady;
}
