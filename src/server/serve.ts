/**
 * `serve()`: run a `ServableApp` on the hardened server, with graceful shutdown.
 *
 * @module
 */
import cluster from 'node:cluster';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHardenedServer } from './http-server.ts';
import { READY_MESSAGE, registerShutdownTarget, unregisterShutdownTarget } from './signals.ts';
import type { ShutdownTarget } from './signals.ts';
import type { RunningServer, ServableApp, ServeOptions } from './types.ts';

function formatUrl(host: string, port: number): string {
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Starts `app` on `opts.host`:`opts.port` with `createHardenedServer(app.handle, app.config.server)`.
 *
 * Graceful shutdown (`RunningServer.close()`, or SIGTERM/SIGINT when `opts.handleSignals` is not false):
 * 1. stop accepting (`server.close()`), close idle keep-alive sockets;
 * 2. in-flight responses whose head is not yet written get `Connection: close`, and so does any request
 *    arriving on an open socket meanwhile (Node 20 would otherwise keep such sockets alive until
 *    `keepAliveTimeout` even though the server is closing);
 * 3. after `app.config.server.shutdownTimeout` ms every remaining socket is destroyed;
 * 4. `app.runShutdownHooks()` runs, then — only in the signal case — the process exits 0 (1 if the hooks
 *    rejected; a second signal exits 1 immediately).
 *
 * Logs `listening` ({ url }) at info, the cut requests at warn, and `server closed` at info.
 *
 * @returns once listening
 * @throws {ServerOptionError} for invalid limits; rejects with the listen error (`EADDRINUSE`, `EACCES`, …).
 */
export async function serve(app: ServableApp, opts: ServeOptions): Promise<RunningServer> {
  const limits = app.config.server;
  const logger = app.logger;
  let draining = false;
  // Every socket, to find in-flight responses when draining starts and to destroy what is left at
  // the deadline (closeAllConnections() skips upgraded sockets). Tracking per connection rather than
  // per request keeps the request path free of bookkeeping.
  const sockets = new Set<Socket>();

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (draining) res.setHeader('Connection', 'close');
    app.handle(req, res);
  };

  const server = createHardenedServer(listener, limits, {
    logger,
    ...(app.rawReplyHeaders ? { replyHeaders: app.rawReplyHeaders } : {}),
    ...(app.shouldContinue ? { shouldContinue: (req: IncomingMessage) => app.shouldContinue!(req) } : {}),
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const address = await listen(server, opts.host, opts.port);
  // After listen: an accept() failure (EMFILE…) is emitted here and would otherwise crash the process.
  server.on('error', (err) => logger.error({ err }, 'server error'));

  let closing: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    draining = true;
    for (const socket of sockets) {
      // The response being served on this socket, if any. `_httpMessage` is Node's own link from a
      // socket to its current ServerResponse (the same one http-terminator relies on).
      const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (!res || res.writableFinished) continue;
      if (!res.headersSent) res.setHeader('Connection', 'close');
      // A response whose head was already sent keeps its socket alive; close it once idle.
      res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = setTimeout(() => {
      if (sockets.size > 0) {
        logger.warn({ sockets: sockets.size, shutdownTimeoutMs: limits.shutdownTimeout },
          'shutdown timeout reached; cutting connections');
      }
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    }, limits.shutdownTimeout);
    await closed;
    clearTimeout(deadline);
    try {
      await app.runShutdownHooks();
    } catch (err) {
      logger.error({ err }, 'shutdown hooks failed');
      throw err;
    } finally {
      unregisterShutdownTarget(target);
    }
    logger.info({ url: running.url }, 'server closed');
  };

  const host = address.address;
  const running: RunningServer = {
    server,
    address: { host, port: address.port },
    url: formatUrl(host, address.port),
    close: () => (closing ??= drain()),
  };
  const target: ShutdownTarget = { logger, shutdownTimeout: limits.shutdownTimeout, close: running.close };
  if (opts.handleSignals !== false) registerShutdownTarget(target);

  logger.info({ url: running.url }, 'listening');
  opts.onListening?.(running);
  // Lets a runWorkers() primary tell a crash at startup from one in service.
  if (cluster.isWorker) process.send?.(READY_MESSAGE);
  return running;
}
