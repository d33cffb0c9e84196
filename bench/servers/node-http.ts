/**
 * Baseline: raw `node:http` with a tiny hand-written dispatch and no security headers.
 * Every other contestant's req/s is reported as a ratio to this one.
 */
import { createServer, type ServerResponse } from 'node:http';
import { HOST, JSON_MESSAGE, PLAINTEXT_BODY, announceReady, benchPort } from '../lib/contract.ts';

const port = benchPort();
const JSON_BODY = JSON.stringify(JSON_MESSAGE);
const USERS_PREFIX = '/users/';
const DIGITS = /^[0-9]{1,15}$/;

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (req.method !== 'GET') {
    send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed');
  } else if (path === '/plaintext') {
    send(res, 200, 'text/plain; charset=utf-8', PLAINTEXT_BODY);
  } else if (path === '/json') {
    send(res, 200, 'application/json; charset=utf-8', JSON_BODY);
  } else if (path.startsWith(USERS_PREFIX) && DIGITS.test(path.slice(USERS_PREFIX.length))) {
    send(res, 200, 'application/json; charset=utf-8', JSON.stringify({ id: Number(path.slice(USERS_PREFIX.length)) }));
  } else {
    send(res, 404, 'text/plain; charset=utf-8', 'Not Found');
  }
});

server.listen(port, HOST, () => announceReady(port));
