// The notes app's create-note form (multipart, optional attachment, validated, CSRF-protected,
// flash message), its attachment download, and the JSON create endpoint, over real HTTP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Phial } from 'phial';
import { createApp } from '../../examples/notes/app.ts';
import { tempDir } from '../helpers.ts';

interface Reply { status: number; headers: Headers; text: string }

describe('notes app: creating notes', () => {
  let app: Phial;
  let base: string;
  let close: () => Promise<void>;
  let instance: string;
  let cookie = '';

  async function call(path: string, init: RequestInit = {}): Promise<Reply> {
    const headers = new Headers(init.headers);
    if (cookie && !headers.has('cookie')) headers.set('cookie', cookie);
    const r = await fetch(base + path, { ...init, headers, redirect: 'manual' });
    for (const line of r.headers.getSetCookie()) {
      const pair = line.split(';')[0]!;
      if (pair.startsWith('session=')) cookie = /Max-Age=0/.test(line) ? '' : pair;
    }
    return { status: r.status, headers: r.headers, text: await r.text() };
  }

  async function newForm(): Promise<string> {
    const page = await call('/notes/new');
    assert.equal(page.status, 200);
    const token = /name="csrf_token" value="([^"]+)"/.exec(page.text)?.[1];
    assert.ok(token, 'the form carries a CSRF token');
    return token.replace(/&#34;/g, '"').replace(/&amp;/g, '&');
  }

  before(async () => {
    instance = join(tempDir(), 'instance');
    app = await createApp({ instancePath: instance, logLevel: 'silent' }, {});
    const running = await app.listen({ port: 0 });
    base = `http://127.0.0.1:${running!.address.port}`;
    close = async () => { await running!.close(); };
  });
  after(() => close());

  it('a valid multipart post with an attachment creates the note, flashes once, and serves the file as a download', async () => {
    const token = await newForm();
    const body = new FormData();
    body.set('csrf_token', token);
    body.set('title', 'Trip <plans>');
    body.set('body', 'Pack the tent.');
    body.set('attachment', new Blob(['<svg onload=alert(1)>'], { type: 'image/svg+xml' }), '../../evil.svg');
    const r = await call('/notes', { method: 'POST', body });
    assert.equal(r.status, 303, r.text);
    const location = r.headers.get('location')!;
    assert.match(location, /^\/notes\/\d+$/);
    const page = await call(location);
    assert.match(page.text, /class="flash flash-success" role="status">Note “Trip &lt;plans&gt;” saved\.<\/p>/);
    assert.match(page.text, /Attachment: <a href="\/notes\/\d+\/attachment" download>evil\.svg<\/a>/);
    assert.doesNotMatch((await call(location)).text, /saved\./, 'the flash is shown once');
    const file = await call(location + '/attachment');
    assert.equal(file.status, 200);
    assert.equal(file.text, '<svg onload=alert(1)>');
    assert.equal(file.headers.get('content-type'), 'application/octet-stream', 'an SVG is never served as an image/page');
    assert.match(file.headers.get('content-disposition')!, /^attachment; filename="evil\.svg"/);
    assert.equal(file.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(readdirSync(join(instance, 'uploads')).length, 1);
  });

  it('a non-ASCII attachment name is kept as data and offered with RFC 6266 filename*', async () => {
    const token = await newForm();
    const body = new FormData();
    body.set('csrf_token', token);
    body.set('title', 'Résumé');
    body.set('body', 'line one\nline two');
    body.set('attachment', new Blob(['cv']), 'C:\\Users\\me\\résumé 日本語.txt');
    const r = await call('/notes', { method: 'POST', body });
    assert.equal(r.status, 303, r.text);
    const page = await call(r.headers.get('location')!);
    assert.match(page.text, />résumé 日本語\.txt<\/a>/);
    assert.match(page.text, /<div class="body">line one\r?\nline two<\/div>/, 'newlines kept as text (CSS pre-wrap), nothing double-escaped');
    const file = await call(r.headers.get('location')! + '/attachment');
    assert.equal(file.headers.get('content-disposition'), `attachment; filename="r_sum_ ___.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E6%97%A5%E6%9C%AC%E8%AA%9E.txt`);
  });

  it('invalid input re-renders the form with errors and the submitted values, escaped', async () => {
    const token = await newForm();
    const body = new FormData();
    body.set('csrf_token', token);
    body.set('title', '"><script>alert(1)</script>' + 'x'.repeat(300));
    body.set('body', '   ');
    const r = await call('/notes', { method: 'POST', body });
    assert.equal(r.status, 400);
    assert.match(r.text, /At most 200 characters\./);
    assert.match(r.text, /Text is required\./);
    assert.doesNotMatch(r.text, /<script>alert/);
    assert.match(r.text, /&#34;&gt;&lt;script&gt;/);
  });

  it('an attachment over 2 MiB is refused with 413 before the view runs; nothing is stored', async () => {
    const token = await newForm();
    const before = readdirSync(join(instance, 'uploads')).length;
    const body = new FormData();
    body.set('csrf_token', token);
    body.set('title', 'Big');
    body.set('body', 'Too big');
    body.set('attachment', new Blob([new Uint8Array(2 * 1024 * 1024 + 1)]), 'big.bin');
    const r = await call('/notes', { method: 'POST', body });
    assert.equal(r.status, 413);
    assert.match(r.text, /larger than 2097152 bytes\. Attachments may be at most 2 MiB\./);
    assert.equal(readdirSync(join(instance, 'uploads')).length, before);
    assert.doesNotMatch((await call('/notes')).text, />Big</);
  });

  it('a cross-site or tokenless post is refused with 403 and creates nothing', async () => {
    await newForm();
    const body = new URLSearchParams({ title: 'Forged', body: 'x' });
    const cross = await call('/notes', { method: 'POST', body, headers: { origin: 'https://attacker.example' } });
    assert.equal(cross.status, 403);
    const tokenless = await call('/notes', { method: 'POST', body });
    assert.equal(tokenless.status, 403);
    assert.doesNotMatch((await call('/notes')).text, /Forged/);
  });

  it('the JSON API creates notes from a validated body and lists every issue otherwise', async () => {
    const ok = await fetch(base + '/api/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'From the API', body: 'Hello' }) });
    assert.equal(ok.status, 201);
    const note = await ok.json() as { id: number; title: string };
    assert.equal(note.title, 'From the API');
    assert.equal(ok.headers.get('location'), `/api/notes/${note.id}`);
    const bad = await fetch(base + '/api/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: '' }) });
    assert.equal(bad.status, 400);
    const issues = (await bad.json() as { error: { issues: Array<{ location: string; path: string }> } }).error.issues;
    assert.deepEqual(issues.map((i) => `${i.location}.${i.path}`).sort(), ['body.body', 'body.title']);
    const wrongType = await fetch(base + '/api/notes', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(wrongType.status, 415);
    assert.equal(((await wrongType.json()) as { error: { status: number } }).error.status, 415, 'API errors are JSON');
    assert.equal(wrongType.headers.get('accept-encoding'), null);
    for (const [method, path, status] of [['DELETE', '/api/notes/1', 405], ['GET', '/api', 404], ['GET', '/api/nope', 404]] as const) {
      const e = await fetch(base + path, { method });
      assert.equal(e.status, status);
      assert.match(e.headers.get('content-type')!, /^application\/json/, `${method} ${path}`);
      if (status === 405) assert.equal(e.headers.get('allow'), 'GET, HEAD, OPTIONS');
    }
    const gz = await fetch(base + '/api/notes', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: '{}' });
    assert.equal(gz.status, 415);
    assert.equal(gz.headers.get('accept-encoding'), 'identity');
    const page2 = await fetch(base + '/api/notes?page=2');
    assert.deepEqual(await page2.json(), [], 'fewer than 100 notes: page 2 is empty');
    const badPage = await fetch(base + '/api/notes?page=0');
    assert.equal(badPage.status, 400);
    assert.equal(((await badPage.json()) as { error: { issues: Array<{ path: string }> } }).error.issues[0]!.path, 'page');
    const nul = await fetch(base + '/api/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'a\u0000b', body: '\ud800' }) });
    assert.equal(nul.status, 400);
    assert.ok(!('attachment_file' in note), 'the stored file name stays internal');
  });
});
