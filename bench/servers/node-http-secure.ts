/**
 * The ceiling for any framework that sends Phial's default headers: raw `node:http` writing, per
 * route, exactly the response head Phial sends by default (same names, values and order) from one
 * precomputed array, on a server configured with Phial's default limits. Whatever Phial costs
 * beyond this contestant is its request path, not its security defaults.
 *
 * The header values come from Phial itself at startup: `compileSecurityHeaders` of the resolved
 * configuration of a Phial app that is constructed but never frozen or served. The order in which
 * Phial's writer lays them out is spelled here, and `bench/run.ts` (before measuring) and
 * `test/bench/node-http-secure.test.ts` compare every route's head with a live Phial server's.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Phial, compileSecurityHeaders } from 'phial';
import { HOST, JSON_MESSAGE, PLAINTEXT_BODY, announceReady, benchPort } from '../lib/contract.ts';
import { startCpuProfileFromEnv } from '../lib/cpu-profile.ts';

startCpuProfileFromEnv();
const port = benchPort();
// The same options as bench/servers/phial.ts, so the resolved configuration is the one that app runs.
const { config } = new Phial({ name: 'bench', env: 'production', secretKey: randomBytes(32).toString('hex'), logLevel: 'silent' });
const block = compileSecurityHeaders(config.securityHeaders);
const limits = config.server;
if (block.staticCsp === null) throw new Error('expected the default static CSP for non-HTML responses');
const csp = [block.cspHeaderName, block.staticCsp];

// A view's `Response` with its own content-type: security block, CSP, length, then the view's headers.
const PLAINTEXT_HEAD = [...block.common, ...csp, 'content-length', String(Buffer.byteLength(PLAINTEXT_BODY)), 'content-type', 'text/plain; charset=utf-8'];
const JSON_BODY = JSON.stringify(JSON_MESSAGE);
// JSON data returned by a view: security block, content-type, CSP, length (last, filled per response).
const JSON_PREFIX = [...block.common, 'content-type', 'application/json', ...csp, 'content-length'];
const JSON_HEAD = [...JSON_PREFIX, String(Buffer.byteLength(JSON_BODY))];
const USERS_HEAD = [...JSON_PREFIX, ''];
const LENGTH_AT = USERS_HEAD.length - 1;
const NOT_FOUND_HEAD = [...block.common, ...csp, 'content-type', 'text/plain; charset=utf-8', 'content-length', '9'];
const USERS_PREFIX = '/users/';
const DIGITS = /^[0-9]{1,15}$/;

// Phial closes a keep-alive connection after `maxRequestsPerSocket` responses (`Connection: close`
// on the last one); doing the same keeps the bytes on the wire, and wrk's reconnects, identical.
const SERVED = Symbol('served');
type CountedSocket = Socket & { [SERVED]?: number };

function sendUser(res: ServerResponse, id: number): void {
  const body = JSON.stringify({ id });
  // writeHead serialises the array before returning, so one shared array can carry every length.
  USERS_HEAD[LENGTH_AT] = String(Buffer.byteLength(body));
  res.writeHead(200, USERS_HEAD);
  res.end(body);
}

const server = createServer(
  {
    maxHeaderSize: limits.maxHeaderSize,
    requireHostHeader: false,
    joinDuplicateHeaders: false,
    keepAliveTimeout: limits.keepAliveTimeout,
    headersTimeout: limits.headersTimeout,
    requestTimeout: limits.requestTimeout,
    // Phial's default: half the shorter deadline, 10 ms to 1 s.
    connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(Math.min(limits.headersTimeout, limits.requestTimeout || Infinity) / 2))),
    noDelay: true,
  },
  (req, res) => {
    const socket = req.socket as CountedSocket;
    const served = (socket[SERVED] ?? 0) + 1;
    socket[SERVED] = served;
    if (served >= limits.maxRequestsPerSocket) res.shouldKeepAlive = false;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (req.method === 'GET' && path === '/plaintext') {
      res.writeHead(200, PLAINTEXT_HEAD);
      res.end(PLAINTEXT_BODY);
    } else if (req.method === 'GET' && path === '/json') {
      res.writeHead(200, JSON_HEAD);
      res.end(JSON_BODY);
    } else if (req.method === 'GET' && path.startsWith(USERS_PREFIX) && DIGITS.test(path.slice(USERS_PREFIX.length))) {
      sendUser(res, Number(path.slice(USERS_PREFIX.length)));
    } else {
      res.writeHead(404, NOT_FOUND_HEAD);
      res.end('Not Found');
    }
  },
);
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
