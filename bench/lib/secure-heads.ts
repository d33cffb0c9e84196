/**
 * `node-http-secure`'s request handler and server options: raw `node:http` writing, per route,
 * exactly the response head Phial sends by default (same names, values and order) from one
 * precomputed array, on a server configured with Phial's default limits.
 *
 * The header values come from Phial itself: `compileSecurityHeaders` of the resolved configuration
 * of a Phial app that is constructed but never frozen or served. The order in which Phial's writer
 * lays them out is spelled here, and `bench/run.ts` (before measuring) and
 * `test/bench/node-http-secure.test.ts` compare every route's head with a live Phial server's.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Phial, compileSecurityHeaders, type ServerLimits } from 'phial';
import { JSON_MESSAGE, PLAINTEXT_BODY } from './contract.ts';

/** What `node-http-secure` runs: the listener, and the server it needs. */
export interface SecureContestant {
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly serverOptions: ServerOptions;
  /** Phial's default limits, for the properties Node reads only from the server object. */
  readonly limits: Readonly<ServerLimits>;
}

// Phial closes a keep-alive connection after `maxRequestsPerSocket` responses (`Connection: close`
// on the last one); doing the same keeps the bytes on the wire, and wrk's reconnects, identical.
const SERVED = Symbol('served');
type CountedSocket = Socket & { [SERVED]?: number };

/**
 * Builds the handler from Phial's default configuration (the same options as `bench/servers/phial.ts`).
 *
 * @throws {Error} if Phial's defaults no longer include a static CSP for non-HTML responses.
 */
export function secureContestant(): SecureContestant {
  const { config } = new Phial({ name: 'bench', env: 'production', secretKey: randomBytes(32).toString('hex'), logLevel: 'silent' });
  const block = compileSecurityHeaders(config.securityHeaders);
  const limits = config.server;
  if (block.staticCsp === null) throw new Error('expected the default static CSP for non-HTML responses');
  const csp = [block.cspHeaderName, block.staticCsp];

  // A view's `Response` with its own content-type: security block, CSP, length, then the view's headers.
  const plaintextHead = [...block.common, ...csp, 'content-length', String(Buffer.byteLength(PLAINTEXT_BODY)), 'content-type', 'text/plain; charset=utf-8'];
  const jsonBody = JSON.stringify(JSON_MESSAGE);
  // JSON data returned by a view: security block, content-type, CSP, length (last, filled per response).
  const jsonPrefix = [...block.common, 'content-type', 'application/json', ...csp, 'content-length'];
  const jsonHead = [...jsonPrefix, String(Buffer.byteLength(jsonBody))];
  const usersHead = [...jsonPrefix, ''];
  const lengthAt = usersHead.length - 1;
  const notFoundHead = [...block.common, ...csp, 'content-type', 'text/plain; charset=utf-8', 'content-length', '9'];
  const usersPrefix = '/users/';
  const digits = /^[0-9]{1,15}$/;

  const sendUser = (res: ServerResponse, id: number): void => {
    const body = JSON.stringify({ id });
    // writeHead serialises the array before returning, so one shared array can carry every length.
    usersHead[lengthAt] = String(Buffer.byteLength(body));
    res.writeHead(200, usersHead);
    res.end(body);
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const socket = req.socket as CountedSocket;
    const served = (socket[SERVED] ?? 0) + 1;
    socket[SERVED] = served;
    if (served >= limits.maxRequestsPerSocket) res.shouldKeepAlive = false;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (req.method === 'GET' && path === '/plaintext') {
      res.writeHead(200, plaintextHead);
      res.end(PLAINTEXT_BODY);
    } else if (req.method === 'GET' && path === '/json') {
      res.writeHead(200, jsonHead);
      res.end(jsonBody);
    } else if (req.method === 'GET' && path.startsWith(usersPrefix) && digits.test(path.slice(usersPrefix.length))) {
      sendUser(res, Number(path.slice(usersPrefix.length)));
    } else {
      res.writeHead(404, notFoundHead);
      res.end('Not Found');
    }
  };

  const serverOptions: ServerOptions = {
    maxHeaderSize: limits.maxHeaderSize,
    requireHostHeader: false,
    joinDuplicateHeaders: false,
    keepAliveTimeout: limits.keepAliveTimeout,
    headersTimeout: limits.headersTimeout,
    requestTimeout: limits.requestTimeout,
    // Phial's default: half the shorter deadline, 10 ms to 1 s.
    connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(Math.min(limits.headersTimeout, limits.requestTimeout || Infinity) / 2))),
    noDelay: true,
  };
  return { handler, serverOptions, limits };
}
