/**
 * Helpers for the body tests: a plain node:http server that reads every body with
 * `readRequestBody` before its "view" runs (what the dispatcher does), and a client that can send
 * chunked bodies and survives the server closing the connection early.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { HTTPException } from '../../src/errors/http.ts';
import { readRequestBody, resolveBodyLimits, type BodyLimits, type ParsedBody } from '../../src/http/body/index.ts';
import { tempDir } from '../helpers.ts';

export interface BodyServer {
  readonly port: number;
  /** Parent folder of upload directories: empty again once every request is cleaned up. */
  readonly tmpDir: string;
  /** Errors the server saw, in order (HTTP status or 500). */
  readonly statuses: number[];
  /** Waits until every request so far has finished, cleanup included. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a server on loopback. `view` runs only after the body was read and parsed; its return
 * value is sent as JSON. HTTP errors become their status with `connection: close`, as in Phial.
 */
export async function bodyServer(
  limits: Partial<BodyLimits>,
  view: (body: ParsedBody, req: IncomingMessage) => unknown | Promise<unknown>,
): Promise<BodyServer> {
  const resolved = resolveBodyLimits(limits);
  const tmpDir = tempDir('phial-body-test-');
  const statuses: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const p = (async () => {
      let body: ParsedBody | undefined;
      try {
        body = await readRequestBody(req, resolved, { tmpDir });
        const out = await view(body, req);
        statuses.push(200);
        const text = JSON.stringify(out ?? null);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      } catch (err) {
        const code = err instanceof HTTPException ? err.code : 500;
        statuses.push(code);
        const text = err instanceof HTTPException ? err.description : String(err);
        res.writeHead(code, { 'content-type': 'text/plain', connection: 'close', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      } finally {
        await body?.cleanup();
      }
    })();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port, tmpDir, statuses,
    idle: async () => { while (inFlight.size > 0) await Promise.all([...inFlight]); },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export interface Sent {
  status: number;
  text: string;
  ms: number;
}

/**
 * Sends a request. `body` as an array of chunks is sent chunked (no Content-Length); a Buffer or
 * string gets a Content-Length. Resolves at the end of the response even if the server stopped
 * reading the upload.
 */
export function send(port: number, opts: {
  method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer | Buffer[];
}): Promise<Sent> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    const chunked = Array.isArray(opts.body);
    if (!Array.isArray(opts.body) && opts.body !== undefined) headers['content-length'] ??= String(Buffer.byteLength(opts.body));
    let responded = false;
    const req = request({ host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path ?? '/', headers, agent: false }, (res) => {
      responded = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 }));
    });
    req.on('error', (err) => { if (!responded) reject(err); });
    if (chunked) {
      const list = opts.body as Buffer[];
      let i = 0;
      const pump = (): void => {
        while (i < list.length) {
          if (req.destroyed || responded) return;
          if (!req.write(list[i++]!)) { req.once('drain', pump); return; }
        }
        req.end();
      };
      pump();
    } else {
      req.end(opts.body);
    }
  });
}

/** Entries of the server's upload folder (directories left behind) once it is idle. */
export async function leftovers(srv: BodyServer): Promise<string[]> {
  await srv.idle();
  return readdirSync(srv.tmpDir);
}

/** A multipart body from parts, each `[headers, content]`. */
export function multipartBody(boundary: string, parts: Array<[string, string | Buffer]>): Buffer {
  const out: Buffer[] = [];
  for (const [head, content] of parts) {
    out.push(Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`, 'utf8'), Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}

/** Snapshot of Object.prototype, to compare after hostile input. */
export function prototypeSnapshot(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}
