/**
 * The ceiling for any framework that sends Phial's default headers: raw `node:http` writing, per
 * route, exactly the response head Phial sends by default from one precomputed array, on a server
 * configured with Phial's default limits (bench/lib/secure-heads.ts). Whatever Phial costs beyond
 * this contestant is its request path, not its security defaults.
 */
import { createServer } from 'node:http';
import { HOST, announceReady, benchPort } from '../lib/contract.ts';
import { startCpuProfileFromEnv } from '../lib/cpu-profile.ts';
import { secureContestant } from '../lib/secure-heads.ts';

startCpuProfileFromEnv();
const port = benchPort();
const { handler, serverOptions, limits } = secureContestant();
const server = createServer(serverOptions, handler);
server.headersTimeout = limits.headersTimeout;
server.requestTimeout = limits.requestTimeout;
server.keepAliveTimeout = limits.keepAliveTimeout;
server.maxRequestsPerSocket = 0;
server.maxConnections = limits.maxConnections;
// Phial's socket inactivity timeout (re-armed on every read and write, so it costs per request).
server.timeout = limits.requestTimeout > 0 ? limits.requestTimeout : 120_000;
server.listen(port, HOST, () => announceReady(port));
// Exit through 'exit' handlers (a CPU profile is written there); Node's default SIGTERM skips them.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
