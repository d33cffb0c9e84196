import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Phial } from 'phial';
import type { TestClient } from 'phial/testing';
import { createApp } from '../../examples/notes/app.ts';
import { tempDir } from '../helpers.ts';

let app: Phial;
let client: TestClient;

before(async () => {
  app = await createApp({ instancePath: join(tempDir(), 'instance'), logLevel: 'silent' });
  client = app.testClient();
});
after(async () => {
  await client.close();
  await app.runShutdownHooks();
});

test('pages render from templates with the shared layout and a nonce-matched script', async () => {
  for (const path of ['/', '/notes', '/notes/1', '/about']) {
    const r = await client.get(path);
    assert.equal(r.status, 200, path);
    assert.match(r.header('content-type')!, /^text\/html; charset=utf-8/);
    assert.match(r.text, /<nav>/, `${path} uses the layout`);
    const nonce = /'nonce-([^']+)'/.exec(r.header('content-security-policy')!)![1];
    assert.ok(r.text.includes(`<script nonce="${nonce}">`), `${path} nonce matches`);
  }
  assert.match((await client.get('/notes')).text, /href="\/notes\/1"/);
});

test('note bodies are escaped', async () => {
  const r = await client.get('/notes/2');
  assert.doesNotMatch(r.text, /<script>alert/);
  assert.match(r.text, /&lt;script&gt;alert/);
});

test('missing or malformed note ids are 404 with the app error page', async () => {
  for (const path of ['/notes/999', '/notes/abc', '/notes/99999999999999999999', '/notes/+1', '/notes/01']) {
    const r = await client.get(path);
    assert.equal(r.status, 404, path);
    assert.match(r.text, /Not found/);
    assert.ok(r.header('content-security-policy'));
  }
});

test('JSON API', async () => {
  const list = await client.get('/api/notes');
  assert.equal(list.status, 200);
  const notes = list.json<Array<{ id: number; title: string }>>();
  assert.ok(notes.length >= 3);
  const one = await client.get('/api/notes/1');
  assert.equal(one.json<{ id: number }>().id, 1);
  const missing = await client.get('/api/notes/999');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json(), { error: { status: 404, message: 'There is no note with that number.' } });
});

test('static CSS and health check', async () => {
  const css = await client.get('/static/app.css');
  assert.equal(css.status, 200);
  assert.match(css.header('content-type')!, /^text\/css/);
  assert.deepEqual((await client.get('/healthz')).json(), { status: 'ok' });
});

test('unknown API URLs answer JSON 404s; the about page lists only headers that are sent', async () => {
  const r = await client.get('/api/nothing-here');
  assert.equal(r.status, 404);
  assert.deepEqual(r.json(), { error: { status: 404, message: 'The requested URL was not found on the server.' } });
  const about = await client.get('/about');
  assert.doesNotMatch(about.text, />off</);
  assert.match(about.text, /x-frame-options/);
});
