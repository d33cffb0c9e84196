/**
 * The hardened node:http server: every limit explicit, strict parsing, and raw error replies that say
 * nothing beyond the status. security.md §5 lists the knobs; case C35 the framing attacks this must refuse.
 *
 * @module
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { assertServerLimits } from './limits.ts';
import type { ServerLimits } from './limits.ts';
import type { ServerLogger } from './types.ts';

/** Options of `createHardenedServer()` beyond the `ServerLimits`. */
export interface HardenedServerOptions {
  /**
   * Socket inactivity timeout (ms): a socket with no bytes moving either way for this long is destroyed.
   * This is what ends slow *readers* of a response, and it also bounds handlers that stay silent, so it
   * must exceed the slowest legitimate silent handler (send heartbeats on long-lived streams).
   * Default: `limits.requestTimeout`, or 120000 when that is 0 (Node's pre-v13 default). `0` disables it.
   */
  socketTimeout?: number;
  /**
   * How often (ms) Node enforces `headersTimeout`/`requestTimeout`. Node's default is 30000, which lets a
   * slowloris connection live up to 30 s past its deadline. Default: half the smaller non-zero deadline,
   * clamped to 10..1000.
   */
  connectionsCheckingInterval?: number;
  /**
   * Receives one `debug` line per malformed request and one `warn` line per timed-out request
   * (stalled headers or a stalled body), with the error code, status and phase only — never request
   * bytes. Without `warn`, timeouts go to `debug` too.
   */
  logger?: Pick<ServerLogger, 'debug'> & Partial<Pick<ServerLogger, 'warn'>>;
  /**
   * Extra headers for the raw replies this layer writes itself (400/405/408/413/431), as flat
   * `[name, value, …]` pairs — the app's security header block, so even a parser error carries it.
   */
  replyHeaders?: readonly string[];
  /**
   * Decides whether a request with `Expect: 100-continue` gets `100 Continue` (default: always).
   * Return false when the request will be refused anyway (body too large), so the client is not
   * invited to upload it; the listener then answers the request as usual.
   */
  shouldContinue?: (req: IncomingMessage) => boolean;
}

/** The response node:http's `Server` exposes on a socket while one is in flight (used by Node's own default handler too). */
interface SocketWithMessage {
  _httpMessage?: { headersSent?: boolean; req?: IncomingMessage } | null;
}

type ClientErrorLogger = HardenedServerOptions['logger'];

// Node's default clientError handler maps exactly these codes; everything else is a 400.
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

// The peer is gone: writing anything is pointless.
const PEER_GONE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT']);

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

const REASONS_WITH_405: Readonly<Record<number, string>> = { ...REASONS, 405: 'Method Not Allowed', 417: 'Expectation Failed' };

/**
 * The raw replies, precomputed per server: no body (nothing to reflect or sniff), no Date/Server,
 * explicit close, and the app's security headers when given.
 */
function rawReplies(extra: readonly string[]): ReadonlyMap<number, Buffer> {
  let lines = '';
  for (let i = 0; i + 1 < extra.length; i += 2) {
    const name = extra[i]!;
    if (name === 'x-content-type-options' || name === 'cache-control' || name === 'connection') continue;
    lines += `${name}: ${extra[i + 1]!}\r\n`;
  }
  return new Map(
    Object.entries(REASONS_WITH_405).map(([status, reason]) => [
      Number(status),
      Buffer.from(
        `HTTP/1.1 ${status} ${reason}\r\n` +
          'Content-Type: text/plain; charset=utf-8\r\n' +
          'Content-Length: 0\r\n' +
          'X-Content-Type-Options: nosniff\r\n' +
          'Cache-Control: no-store\r\n' +
          lines +
          (status === '405' ? 'Allow: GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE\r\n' : '') +
          'Connection: close\r\n\r\n',
        'latin1',
      ),
    ]),
  );
}

/** How long (ms) a rejected socket may linger after our reply before it is destroyed. */
const LINGER_MS = 500;

/**
 * Maps a `clientError` code to the status of the raw reply: 431 header overflow, 413 chunk-extension
 * overflow, 408 headers/request timeout, 400 otherwise (every C35 framing error).
 */
export function statusForClientError(code: string | undefined): number {
  return (code !== undefined ? STATUS_BY_CODE[code] : undefined) ?? 400;
}

function errorCode(err: Error): string | undefined {
  const code: unknown = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Answers a rejected socket with a raw reply (once: later calls for the same socket do nothing)
 * and closes it with a short linger: destroying a socket with unread bytes makes the kernel send
 * RST, which can discard our status before the peer reads it. Never writes into a response that
 * has started (that would corrupt the byte stream the peer parses), nor to a peer that is gone.
 * @returns false when the socket had already been rejected
 */
function rejectSocket(socket: Duplex, status: number, peerGone: boolean, rejected: WeakSet<Duplex>, replies: ReadonlyMap<number, Buffer>): boolean {
  if (rejected.has(socket)) return false;
  rejected.add(socket);
  const inFlight = (socket as Duplex & SocketWithMessage)._httpMessage;
  if (!socket.writable || socket.destroyed || peerGone || inFlight?.headersSent === true) {
    socket.destroy();
    return true;
  }
  socket.end(replies.get(status));
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  return true;
}

/** One line per timed-out request, at warn: a stalled client is worth seeing in production logs. */
function logTimeout(logger: ClientErrorLogger, code: string, phase: 'headers' | 'body'): void {
  const line = { code, status: 408, phase };
  const msg = phase === 'body' ? 'request body stalled; answered 408' : 'request headers stalled; answered 408';
  if (logger?.warn) logger.warn(line, msg); else logger?.debug(line, msg);
}

/**
 * Builds the `clientError` listener. It replaces Node's default (which writes a bare status line and
 * destroys the socket at once) to add `nosniff`/`no-store`/`Content-Length: 0` and the security
 * headers, skip the write when the peer is gone, and close with a short linger (see
 * {@link rejectSocket}). Timeouts (`ERR_HTTP_REQUEST_TIMEOUT`, headers or whole request) are logged
 * at warn, malformed requests at debug. Rejected sockets go into `rejected`.
 */
function clientErrorListener(
  rejected: WeakSet<Duplex>,
  logger: ClientErrorLogger,
  replies: ReadonlyMap<number, Buffer>,
): (err: Error, socket: Duplex) => void {
  return (err, socket) => {
    const code = errorCode(err);
    const status = statusForClientError(code);
    const inFlight = (socket as Duplex & SocketWithMessage)._httpMessage;
    // llhttp stays in its error state and reports every later chunk again; answer only once per socket.
    if (!rejectSocket(socket, status, code !== undefined && PEER_GONE.has(code), rejected, replies)) return;
    if (status === 408) logTimeout(logger, code!, inFlight?.req !== undefined ? 'body' : 'headers');
    else logger?.debug({ code, status }, 'rejected malformed request');
  };
}

/**
 * Builds the socket-inactivity (`timeout`) listener. Node's default destroys the socket without a
 * word, which is right for an idle keep-alive socket, a slow reader of a response already started
 * and a handler that stays silent, but for a request whose body stalled it would drop the request
 * with no status and no log line, unlike stalled headers. Such a request gets what a request
 * timeout gives: a raw 408 with the security headers (when nothing was written yet) and one warn
 * line; every other case is destroyed as before.
 */
function socketTimeoutListener(
  rejected: WeakSet<Duplex>,
  logger: ClientErrorLogger,
  replies: ReadonlyMap<number, Buffer>,
): (socket: Duplex) => void {
  return (socket) => {
    const req = (socket as Duplex & SocketWithMessage)._httpMessage?.req;
    if (req === undefined || req.complete) { socket.destroy(); return; }
    if (rejectSocket(socket, 408, false, rejected, replies)) logTimeout(logger, 'ERR_SOCKET_TIMEOUT', 'body');
  };
}

/**
 * Wraps the listener so it runs after the parser finished the bytes that completed the head.
 *
 * node:http emits `request` from inside the parser as soon as the head is parsed, and only afterwards
 * reports errors llhttp finds in the same bytes — an invalid `Transfer-Encoding` (`chunked123`) is only
 * flagged after the head callback, and a malformed chunk that arrived with the head likewise. Without
 * this, the view of such a request would run (and its side effects happen) although the request is
 * answered 400. One `process.nextTick` per request is the whole cost. Body errors in *later* packets
 * still surface only as a failing body stream — inherent to streaming bodies.
 */
function deferredListener(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  rejected: WeakSet<Duplex>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Only a chunked body can carry framing errors that llhttp reports after the head (bad chunk
    // size, `chunked123`); a request without Transfer-Encoding goes straight to the listener.
    if (req.headers['transfer-encoding'] === undefined) {
      listener(req, res);
      return;
    }
    process.nextTick(() => {
      if (req.socket.destroyed || rejected.has(req.socket)) return;
      listener(req, res);
    });
  };
}

/**
 * Enforces `maxRequestsPerSocket` in Phial rather than in Node: the last allowed response says
 * `Connection: close`, and a request past the limit (a client that ignored it, or pipelined
 * requests) gets a 503 carrying the app's security headers — Node's own writes a bare one.
 */
function countRequests(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  limit: number,
  replyHeaders: readonly string[],
): (req: IncomingMessage, res: ServerResponse) => void {
  if (limit <= 0) return listener;
  // A property under a private symbol: cheaper per request than a WeakMap, and no code outside
  // this module can read or reset it.
  const SERVED = Symbol('phial.served');
  const head = [...replyHeaders, 'content-type', 'text/plain; charset=utf-8', 'content-length', '0', 'cache-control', 'no-store', 'connection', 'close'];
  return (req, res) => {
    const socket = req.socket as typeof req.socket & { [SERVED]?: number };
    const n = (socket[SERVED] ?? 0) + 1;
    socket[SERVED] = n;
    if (n > limit) {
      res.shouldKeepAlive = false;
      res.writeHead(503, head);
      res.end();
      return;
    }
    if (n === limit) res.shouldKeepAlive = false;
    listener(req, res);
  };
}

/** The default `connectionsCheckingInterval` for some limits; see `HardenedServerOptions`. */
export function defaultCheckingInterval(limits: Pick<ServerLimits, 'headersTimeout' | 'requestTimeout'>): number {
  const deadlines = [limits.headersTimeout, limits.requestTimeout].filter((ms) => ms > 0);
  const shortest = deadlines.length > 0 ? Math.min(...deadlines) : 2000;
  return Math.min(1000, Math.max(10, Math.floor(shortest / 2)));
}

/**
 * Creates (does not start) a node:http server with Phial's limits and strict parsing.
 *
 * Constructor options (Node 20 reads these only at construction or at `listen()`): `maxHeaderSize`,
 * `requireHostHeader: false` (the app refuses a missing or repeated Host itself, with its headers), `joinDuplicateHeaders: false`, `noDelay: true`, the three timeouts and
 * `connectionsCheckingInterval`. Properties (Node 20 ignores them as constructor options):
 * `maxConnections` (0 = unlimited), `timeout` (socket inactivity); `maxRequestsPerSocket` is counted by
 * Phial (Node's own limit is off: its 503 past the limit is bare); the
 * timeouts are set again as properties so reading them back always shows what is enforced.
 * The lenient HTTP parser is never enabled. Malformed or timed-out requests get a raw 400/408/413/431
 * with `Connection: close` and no body, and never reach `listener` when the error is in the bytes that
 * completed the head (see `deferredListener`).
 *
 * @param listener the request listener (e.g. `app.handle`)
 * @param limits validated with `assertServerLimits()`
 * @throws {ServerOptionError} `PHIAL_E_SERVER_LIMIT` if `limits` are invalid (see `assertServerLimits`)
 */
export function createHardenedServer(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  limits: ServerLimits,
  options: HardenedServerOptions = {},
): Server {
  assertServerLimits(limits);
  const rejected = new WeakSet<Duplex>();
  listener = countRequests(listener, limits.maxRequestsPerSocket, options.replyHeaders ?? []);
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderSize,
      // The app answers a missing or repeated Host with its own 400 (security headers included).
      requireHostHeader: false,
      joinDuplicateHeaders: false,
      keepAliveTimeout: limits.keepAliveTimeout,
      headersTimeout: limits.headersTimeout,
      requestTimeout: limits.requestTimeout,
      connectionsCheckingInterval: options.connectionsCheckingInterval ?? defaultCheckingInterval(limits),
      noDelay: true,
    },
    deferredListener(listener, rejected),
  );
  server.headersTimeout = limits.headersTimeout;
  server.requestTimeout = limits.requestTimeout;
  server.keepAliveTimeout = limits.keepAliveTimeout;
  // Counted by `countRequests` above, so that the 503 past the limit carries the security headers.
  server.maxRequestsPerSocket = 0;
  server.maxConnections = limits.maxConnections;
  server.timeout = options.socketTimeout ?? (limits.requestTimeout > 0 ? limits.requestTimeout : 120_000);
  const replies = rawReplies(options.replyHeaders ?? []);
  server.on('clientError', clientErrorListener(rejected, options.logger, replies));
  // A listener replaces Node's silent destroy on socket inactivity (see socketTimeoutListener).
  server.on('timeout', socketTimeoutListener(rejected, options.logger, replies));
  // CONNECT (a proxy tunnel request) is not something an app serves: without a listener Node
  // drops the socket silently; answer 405 with the usual headers instead.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    if (socket.writable) socket.end(replies.get(405)); else socket.destroy();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
  // An `Expect` other than 100-continue (RFC 9110 §10.1.1): 417 with the usual headers, not Node's bare one.
  server.on('checkExpectation', (req: IncomingMessage) => {
    const socket = req.socket;
    if (socket.writable) socket.end(replies.get(417)!); else socket.destroy();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
  const deferred = deferredListener(listener, rejected);
  const shouldContinue = options.shouldContinue;
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (shouldContinue === undefined || shouldContinue(req)) res.writeContinue();
    deferred(req, res);
  });
  return server;
}
