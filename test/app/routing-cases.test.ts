import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeApp, rawRequest, tempDir } from '../helpers.ts';

test('C02: int/float converters accept canonical ASCII only; never 500', async () => {
  const app = makeApp();
  app.get('/items/<int:id>', (req) => ({ id: req.params.id }));
  app.get('/price/<float:p>', (req) => ({ p: req.params.p }));
  app.get('/users/<int:id>', (req) => ({ id: req.params.id }));
  const c = app.testClient();
  const rows = ['/items/%D9%A3', '/items/1_000', '/items/+5', '/items/007', '/items/-0', '/items/' + '9'.repeat(5000),
    '/price/1' + '0'.repeat(400) + '.0', '/users/+5', '/users/%D9%A3', '/users/1_000', '/users/99999999999999999999', '/items/1e3', '/items/0x10', '/items/%201'];
  for (const path of rows) {
    const r = await c.get(path);
    assert.ok(r.status === 404 || r.status === 308 || r.status === 400, `${path.slice(0, 40)} → ${r.status}`);
    assert.notEqual(r.status, 500);
  }
  assert.deepEqual((await c.get('/items/42')).json(), { id: 42 });
  assert.deepEqual((await c.get('/price/2.5')).json(), { p: 2.5 });
  await c.close();
});

test('C01: several params in one segment; a 16 KB near-miss answers 404 fast and does not stall others', async () => {
  const app = makeApp();
  // Registered least specific first on purpose: the rule with more static text still wins.
  app.get('/<a>-<b>', (req) => req.params);
  app.get('/<a>-<b>-<c>', (req) => req.params);
  app.get('/health', () => 'ok');
  const server = createServer(app.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const c = app.testClient();
    assert.deepEqual((await c.get('/x-y')).json(), { a: 'x', b: 'y' });
    assert.deepEqual((await c.get('/x-y-z')).json(), { a: 'x', b: 'y', c: 'z' });
    await c.close();
    for (const n of [3000, 8000]) {
      const path = '/a' + '-a'.repeat(n) + '/a';
      const t0 = performance.now();
      const [bad, health] = await Promise.all([
        rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`),
        rawRequest(port, 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
      ]);
      const ms = performance.now() - t0;
      assert.match(bad, /^HTTP\/1\.1 404 /);
      assert.match(health, /^HTTP\/1\.1 200 /);
      assert.ok(ms < 1000, `near-miss of ${path.length} bytes took ${ms.toFixed(1)} ms`);
    }
  } finally {
    server.close();
  }
});

test('C04: non-canonical paths never reach a file past the guard', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'static', 'admin'), { recursive: true });
  writeFileSync(join(root, 'static', 'admin', 'secret.txt'), 'TOPSECRET');
  // The case mounts static files at `/`; here they live under /static and the guard covers
  // /static/admin, which is the same shape.
  const app = makeApp({ rootPath: root });
  app.beforeRequest((req) => (req.path.startsWith('/static/admin') ? ['login required', 401] as const : undefined));
  app.get('/healthz', () => 'ok');
  const server = createServer(app.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    for (const path of ['/static/admin/secret.txt', '//static/admin/secret.txt', '/static//admin/secret.txt', '/./static/admin/secret.txt', '/static/./admin/secret.txt', '/static/x/../admin/secret.txt', '/static/%2e/admin/secret.txt', '/static/x/%2e%2e/admin/secret.txt', '/static/admin%2fsecret.txt', '/static/ADMIN/secret.txt', '/static/%61dmin/secret.txt', '/%73tatic/admin/secret.txt', '/static/admin/%73ecret.txt']) {
      const res = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(res)![1]);
      assert.ok([308, 400, 401, 404].includes(status), `${path} → ${status}`);
      assert.doesNotMatch(res, /TOPSECRET/, path);
      if (status === 308) {
        const location = /\r\nlocation: ([^\r]+)/i.exec(res)![1]!;
        const next = await rawRequest(port, `GET ${location} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
        assert.match(next, /^HTTP\/1\.1 401 /, `${path} → ${location}`);
      }
    }
    assert.match(await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 200 /);
  } finally {
    server.close();
  }
});

test('C04: an exact-path guard cannot be bypassed with escapes, and hooks never see a non-canonical path', async () => {
  const app = makeApp();
  const seen: string[] = [];
  app.beforeRequest((req) => { seen.push(req.path); return req.path === '/me' ? ['login required', 401] as const : undefined; });
  app.get('/me', () => 'me');
  const c = app.testClient();
  for (const path of ['/me', '/%6De', '/%6de', '//me', '/./me', '/x/../me']) {
    const r = await c.get(path, { followRedirects: true });
    assert.equal(r.status, 401, path);
    assert.doesNotMatch(r.text, /^me$/);
  }
  assert.deepEqual([...new Set(seen)], ['/me'], 'hooks only ever saw the canonical path');
  await c.close();
});

test('C06: static files never leave their folder (sibling prefix, traversal, symlinks, dotfiles)', async () => {
  const { symlinkSync } = await import('node:fs');
  const root = tempDir();
  mkdirSync(join(root, 'static', 'sub'), { recursive: true });
  mkdirSync(join(root, 'static_disallow'));
  writeFileSync(join(root, 'static', 'sub', 'ok.txt'), 'OK');
  writeFileSync(join(root, 'static', '.env'), 'SECRET=1');
  writeFileSync(join(root, 'static_disallow', 'index.html'), 'SIBLING');
  writeFileSync(join(root, 'static1.txt'), 'SIBLING');
  symlinkSync(join(root, 'static1.txt'), join(root, 'static', 'link.txt'));
  const app = makeApp({ rootPath: root });
  const server = createServer(app.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const ok = await rawRequest(port, 'GET /static/sub/ok.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    assert.match(ok, /^HTTP\/1\.1 200 /);
    assert.match(ok, /content-type: text\/plain; charset=utf-8/i);
    assert.match(ok, /\r\n\r\nOK$/);
    for (const path of ['/static/../static_disallow/', '/static/../static1.txt', '/static/..%2fstatic1.txt', '/static/..%5cstatic1.txt',
      '/static/link.txt', '/static/.env', '/static/%2e%2e/static1.txt', '/static/sub/..%2f..%2fstatic1.txt', '/static//etc/passwd', '/static/C:%5cwindows', '/static/con']) {
      const res = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(res)![1]);
      assert.ok([308, 400, 404].includes(status), `${path} → ${status}`);
      assert.doesNotMatch(res, /SIBLING|SECRET=1/, path);
    }
    const etag = /\r\netag: ([^\r]+)/i.exec(ok)![1]!;
    const cached = await rawRequest(port, `GET /static/sub/ok.txt HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: ${etag}\r\nConnection: close\r\n\r\n`);
    assert.match(cached, /^HTTP\/1\.1 304 /);
  } finally {
    server.close();
  }
});

test('safeJoin (case C06 unit)', async () => {
  const { safeJoin } = await import('phial');
  assert.equal(safeJoin('/srv/static', '../static1.txt'), null);
  assert.equal(safeJoin('/srv/static', '../static_disallow/x'), null);
  assert.equal(safeJoin('/srv/static', 'a/b.txt'), '/srv/static/a/b.txt');
  for (const bad of ['/etc/passwd', 'a/../../x', 'a\\b', 'C:x', 'NUL.txt', 'a/\0', '.git/config', '']) assert.equal(safeJoin('/srv/static', bad), null, bad);
});
