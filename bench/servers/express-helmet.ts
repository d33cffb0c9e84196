/**
 * Express 5 plus `helmet` with its default options. ETags are off, as in fastify/benchmarks, so the
 * responses match the other contestants'.
 *
 * `@types/express` is not installed, so Express is loaded through `createRequire` and typed with the
 * few members used here.
 */
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import { HOST, JSON_MESSAGE, PLAINTEXT_BODY, announceReady, benchPort } from '../lib/contract.ts';

interface ExpressRequest extends IncomingMessage {
  params: Record<string, string>;
}
interface ExpressResponse extends ServerResponse {
  type(value: string): ExpressResponse;
  send(body: string): ExpressResponse;
  json(body: unknown): ExpressResponse;
}
type Next = (err?: unknown) => void;
type Handler = (req: ExpressRequest, res: ExpressResponse, next: Next) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;
interface ExpressApp {
  set(name: string, value: unknown): ExpressApp;
  use(middleware: Middleware): ExpressApp;
  get(path: string, handler: Handler): ExpressApp;
  listen(port: number, host: string, callback: (error?: Error) => void): unknown;
}

const express = createRequire(import.meta.url)('express') as () => ExpressApp;
const port = benchPort();
const app = express();
app.set('etag', false);
app.use(helmet());
app.get('/plaintext', (_req, res) => {
  res.type('text/plain; charset=utf-8').send(PLAINTEXT_BODY);
});
app.get('/json', (_req, res) => {
  res.json(JSON_MESSAGE);
});
app.get('/users/:id', (req, res, next) => {
  const raw = req.params.id ?? '';
  if (!/^[0-9]{1,15}$/.test(raw)) return next();
  res.json({ id: Number(raw) });
});

app.listen(port, HOST, (error) => {
  if (error) throw error;
  announceReady(port);
});
