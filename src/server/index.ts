/**
 * The hardened HTTP server layer: `serve()`, `createHardenedServer()`, `runWorkers()`.
 *
 * @module
 */
export { serve } from './serve.ts';
export { createHardenedServer, defaultCheckingInterval, statusForClientError } from './http-server.ts';
export type { HardenedServerOptions } from './http-server.ts';
export { runWorkers, assertWorkerCount, MAX_WORKERS, WORKER_CONFIG_ERROR_EXIT_CODE } from './cluster.ts';
export type { RunWorkersOptions } from './cluster.ts';
export { DEFAULT_SERVER_LIMITS, assertServerLimits } from './limits.ts';
export type { ServerLimits } from './limits.ts';
export { ServerOptionError, type ServerOptionErrorCode } from './errors.ts';
export type { LogFn, RunningServer, ServableApp, ServeOptions, ServerLogger } from './types.ts';
