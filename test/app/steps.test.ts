import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, watch } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Blueprint, HTTPException, SetupError, type Phial } from 'phial';
import { MemoryStore } from 'phial/sessions';
import * as v from 'valibot';
import { BUILTIN_STEP_NAMES } from '../../src/steps/builtin.ts';
import { STEP_POSITIONS } from '../../src/steps/step.ts';
import { makeApp } from '../helpers.ts';

/** The steps `phial routes` lists for one rule. */
function stepsOf(app: Phial, rule: string): string[] {
  const route = app.describeRoutes().find((r) => r.rule === rule);
  assert.ok(route, `no route ${rule}`);
  return route.steps;
}

describe('every built-in step runs on a route that is otherwise fast-path eligible', () => {
  // Each case: a hook-free route and a request that needs the step; the step must decide the
  // response. Together they cover every built-in step (checked at the end).
  const covered = new Set<string>();

  it('host: an untrusted Host is refused before routing', async () => {
    const app = makeApp();
    app.get('/', () => 'home');
    assert.deepEqual(stepsOf(app, '/'), ['host', 'body']);
    const c = app.testClient({ host: 'evil.example' });
    const r = await c.get('/');
    assert.equal(r.status, 400);
    assert.match(r.text, /host is not trusted/);
    await c.close();
    covered.add('host');
  });

  it('csrf-origin: a cross-site POST is refused by its headers', async () => {
    const app = makeApp();
    app.post('/p', () => 'posted');
    assert.deepEqual(stepsOf(app, '/p'), ['host', 'csrf-origin', 'body', 'csrf-token']);
    const c = app.testClient();
    const r = await c.post('/p', { headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(r.status, 403);
    assert.equal((await c.post('/p', { headers: { 'sec-fetch-site': 'same-origin' } })).status, 200);
    await c.close();
    covered.add('csrf-origin');
  });

  it('body: a GET with a body over the route limit is a 413, the view never runs', async () => {
    const app = makeApp();
    let ran = false;
    app.get('/g', { bodyLimits: { maxContentLength: 10 } }, () => { ran = true; return 'g'; });
    const c = app.testClient();
    const r = await c.request('GET', '/g', { body: 'x'.repeat(100), headers: { 'content-type': 'text/plain' } });
    assert.equal(r.status, 413);
    assert.equal(ran, false);
    await c.close();
    covered.add('body');
  });

  it('session: a server-side session is read from its store before a synchronous view', async () => {
    const app = makeApp({ session: { type: 'server', store: new MemoryStore({ env: 'development' }) } });
    app.post('/login', { csrf: false }, (req) => { req.session.set('user', 'ada'); return 'in'; });
    app.get('/me', (req) => String(req.session.get('user') ?? 'nobody'));
    assert.deepEqual(stepsOf(app, '/me'), ['host', 'body', 'session']);
    const c = app.testClient();
    assert.equal((await c.post('/login')).status, 200);
    const r = await c.get('/me');
    assert.equal(r.text, 'ada');
    await c.close();
    covered.add('session');
  });

  it('csrf-token: a POST with a cookie and no origin signal needs the token', async () => {
    const app = makeApp();
    app.post('/p', () => 'posted');
    const server = (await app.listen({ port: 0 }))!;
    const port = server.address.port;
    // No Sec-Fetch-Site, no Origin: an old browser, or a proxy that strips them.
    const r = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/p', headers: { host: 'localhost', cookie: 'other=1' } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.end();
    });
    await server.close();
    assert.equal(r.status, 403);
    assert.match(r.text, /The CSRF session token is missing\./);
    covered.add('csrf-token');
  });

  it('validation: a route with a schema refuses invalid input', async () => {
    const app = makeApp();
    app.get('/q', { schema: { query: v.object({ n: v.pipe(v.string(), v.regex(/^\d+$/)) }) } }, () => 'q');
    assert.deepEqual(stepsOf(app, '/q'), ['host', 'body', 'validation']);
    const c = app.testClient();
    assert.equal((await c.get('/q?n=x')).status, 400);
    assert.equal((await c.get('/q?n=1')).status, 200);
    await c.close();
    covered.add('validation');
  });

  it('covers every built-in step', () => {
    assert.deepEqual([...covered].sort(), ['host', ...BUILTIN_STEP_NAMES].sort());
  });
});

describe('step order', () => {
  it('a cross-site multipart POST is 403 before its body is read: no upload file is ever created', async () => {
    const app = makeApp();
    const uploads = mkdtempSync(join(tmpdir(), 'phial-steps-'));
    const before = process.env.TMPDIR;
    process.env.TMPDIR = uploads;
    const created: string[] = [];
    const watcher = watch(uploads, (_event, name) => { if (name) created.push(name); });
    try {
      let ran = false;
      app.post('/upload', { accepts: ['multipart/form-data'] }, () => { ran = true; return 'stored'; });
      await app.listen({ port: 0 }).then(async (server) => {
        const port = server!.address.port;
        const boundary = 'XyZ';
        const head = `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n`;
        // The body is announced as 1 MB but only its first part is sent: a server that read the
        // body first would wait for the rest instead of answering.
        const status = await new Promise<number>((resolve, reject) => {
          const req = httpRequest({
            host: '127.0.0.1', port, method: 'POST', path: '/upload',
            headers: { host: 'localhost', 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(1_000_000), 'sec-fetch-site': 'cross-site', cookie: 'a=1' },
          }, (res) => { res.resume(); resolve(res.statusCode!); req.destroy(); });
          req.on('error', reject);
          req.write(head + 'x'.repeat(1000));
        });
        assert.equal(status, 403);
        await server!.close();
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(ran, false);
      assert.deepEqual(created, []);
      assert.deepEqual(readdirSync(uploads), []);
      // Control: the same upload from the same origin does write a file there.
      const c = app.testClient();
      const body = `--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n`;
      const ok = await c.post('/upload', { body, headers: { 'content-type': 'multipart/form-data; boundary=XyZ', 'sec-fetch-site': 'same-origin' } });
      assert.equal(ok.status, 200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(created.length > 0, 'the control upload created a temp folder');
      await c.close();
    } finally {
      watcher.close();
      if (before === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = before;
    }
  });

  it('extension steps run at their position, on the fast path too, and see what earlier steps did', async () => {
    const app = makeApp();
    const seen: string[] = [];
    app.addStep({
      name: 'gate', owner: 'test', position: STEP_POSITIONS.limits + 1,
      build: (route) => route.rule === '/open' ? undefined : {
        run: (req) => { seen.push(`gate:${req.path}`); if (req.header('x-deny')) throw new HTTPException(429, 'Slow down.'); },
      },
    });
    app.addStep({
      name: 'after-body', owner: 'test', position: STEP_POSITIONS.body + 1,
      build: (route) => route.safe ? undefined : { run: async (req) => { seen.push(`body:${JSON.stringify(await req.json())}`); } },
    });
    app.get('/fast', () => 'fast');
    app.get('/open', () => 'open');
    app.post('/j', { csrf: false }, () => 'j');
    assert.deepEqual(stepsOf(app, '/fast'), ['host', 'gate', 'body']);
    assert.deepEqual(stepsOf(app, '/open'), ['host', 'body']);
    assert.deepEqual(stepsOf(app, '/j'), ['host', 'gate', 'body', 'after-body']);
    const c = app.testClient();
    assert.equal((await c.get('/fast', { headers: { 'x-deny': '1' } })).status, 429);
    assert.equal((await c.get('/fast')).status, 200);
    assert.equal((await c.get('/open', { headers: { 'x-deny': '1' } })).status, 200);
    assert.equal((await c.post('/j', { body: '{"a":1}', headers: { 'content-type': 'application/json' } })).status, 200);
    assert.deepEqual(seen, ['gate:/fast', 'gate:/fast', 'gate:/j', 'body:{"a":1}']);
    await c.close();
  });

  it('a mixed GET/POST route lists which steps only its unsafe methods run', () => {
    const app = makeApp();
    app.route('/m', { methods: ['GET', 'POST'] }, () => 'm');
    assert.deepEqual(stepsOf(app, '/m'), ['host', 'csrf-origin[POST]', 'body', 'csrf-token[POST]']);
  });

  it('an extension registers its steps through initApp and is listed in app.extensions', async () => {
    const app = makeApp();
    app.register({
      name: 'stamp',
      initApp(a) {
        a.addStep({ name: 'stamp', owner: 'stamp', position: 650, build: () => ({ run: (req) => { req.g['stamp'] = 'yes'; } }) });
      },
    });
    app.get('/s', (req) => String(req.g['stamp']));
    assert.ok(app.extensions.has('stamp'));
    const c = app.testClient();
    assert.equal((await c.get('/s')).text, 'yes');
    await c.close();
  });
});

describe('step declarations are checked at setup', () => {
  const build = () => undefined;
  for (const [label, step] of [
    ['no position', { name: 'x', owner: 't', build }],
    ['a fractional position', { name: 'x', owner: 't', position: 250.5, build }],
    ['a position below the range', { name: 'x', owner: 't', position: 5, build }],
    ['a position above the range', { name: 'x', owner: 't', position: 5000, build }],
    ['a built-in position', { name: 'x', owner: 't', position: STEP_POSITIONS.body, build }],
    ['a built-in name', { name: 'body', owner: 't', position: 450, build }],
    ['a bad name', { name: 'Has Space', owner: 't', position: 450, build }],
    ['no owner', { name: 'x', position: 450, build }],
    ['no build function', { name: 'x', owner: 't', position: 450 }],
  ] as const) {
    it(`refuses ${label}`, () => {
      const app = makeApp();
      assert.throws(() => app.addStep(step as never), (e: unknown) => e instanceof SetupError && e.code === 'PHIAL_E_BAD_STEP');
    });
  }

  it('refuses a second step at a taken position or name, and any step after freeze', () => {
    const app = makeApp();
    app.addStep({ name: 'one', owner: 't', position: 450, build });
    assert.throws(() => app.addStep({ name: 'two', owner: 't', position: 450, build }), /already holds/);
    assert.throws(() => app.addStep({ name: 'one', owner: 't', position: 451, build }), /already registered/);
    app.freeze();
    assert.throws(() => app.addStep({ name: 'three', owner: 't', position: 452, build }), (e: unknown) => e instanceof SetupError && e.code === 'PHIAL_E_SETUP_FINISHED');
  });

  it('a build that returns no run function fails the freeze', () => {
    const app = makeApp();
    app.addStep({ name: 'broken', owner: 't', position: 450, build: () => ({}) as never });
    app.get('/', () => 'x');
    assert.throws(() => app.freeze(), (e: unknown) => e instanceof SetupError && e.code === 'PHIAL_E_BAD_STEP');
  });
});

describe('late setup on any scope throws', () => {
  it('a blueprint registered on a blueprint refuses setup after the app is frozen', () => {
    const app = makeApp();
    const outer = new Blueprint('outer', { urlPrefix: '/o' });
    const inner = new Blueprint('inner', { urlPrefix: '/i' });
    inner.get('/x', function x() { return 'x'; });
    outer.registerBlueprint(inner);
    app.registerBlueprint(outer);
    app.freeze();
    for (const scope of [outer, inner]) {
      assert.throws(() => scope.get('/late', () => 'late'), (e: unknown) => e instanceof SetupError && e.code === 'PHIAL_E_SETUP_FINISHED');
      assert.throws(() => scope.beforeRequest(() => undefined), (e: unknown) => e instanceof SetupError);
    }
    assert.equal(app.describeRoutes().some((r) => r.rule.endsWith('/late')), false);
  });
});
