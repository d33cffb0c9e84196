// Sessions and CSRF through the request path, over real HTTP: lazy sessions, Vary/Cache-Control
// (C26), fixation (C27), CSRF for every content type (C24), flashes and tokens in templates.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Blueprint, Forbidden, Unauthorized, redirect, type Phial } from 'phial';
import { SqliteSessionStore } from 'phial/sessions/sqlite';
import { makeApp, tempDir } from '../helpers.ts';

declare module 'phial' {
  interface SessionValues { user?: string; email?: string; cart?: string[] }
}

interface Reply { status: number; headers: Headers; text: string; setCookies: string[] }

async function call(base: string, path: string, init: RequestInit & { cookie?: string } = {}): Promise<Reply> {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set('cookie', init.cookie);
  const r = await fetch(base + path, { ...init, headers, redirect: 'manual' });
  return { status: r.status, headers: r.headers, text: await r.text(), setCookies: r.headers.getSetCookie() };
}

function cookieValue(setCookies: string[], name: string): string | undefined {
  for (const line of setCookies) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    if (pair!.slice(0, eq) === name) return pair!.slice(eq + 1);
  }
  return undefined;
}

function build(root: string, session: Parameters<typeof makeApp>[0] = {}): Phial {
  mkdirSync(join(root, 'templates'), { recursive: true });
  writeFileSync(join(root, 'templates', 'form.html'),
    '{% for f in flashed_messages %}<p class="{{ f.category }}">{{ f.message }}</p>{% endfor %}' +
    '<form method="post" action="/account/email">{% csrf_field %}<input name="email"></form>');
  const app = makeApp({ rootPath: root, ...session });
  app.get('/public', () => 'public page');
  app.get('/maybe', (req) => (req.session.has('cart') ? 'has cart' : 'no cart'));
  app.get('/form', (req) => app.render('form.html', { user: req.session.get('user') }));
  app.post('/login', async (req) => {
    const form = await req.form();
    if (form['u'] !== 'demo' || form['p'] !== 'demo') throw new Unauthorized('Wrong credentials.');
    req.session.regenerate();
    req.session.set('user', 'demo');
    req.session.set('email', 'demo@example.invalid');
    req.session.flash('Welcome back', 'success');
    return redirect('/form', 303);
  });
  app.get('/me', (req) => {
    const user = req.session.get('user');
    if (!user) throw new Unauthorized();
    return { user, email: req.session.get('email') ?? null };
  });
  app.post('/logout', (req) => { req.session.destroy(); return redirect('/', 303); });
  const account = (req: { session: { get(k: 'user'): string | undefined } }): void => { if (!req.session.get('user')) throw new Forbidden(); };
  app.route('/account/email', { methods: ['POST', 'PUT', 'PATCH'] }, async (req) => {
    account(req);
    const mt = req.mediaType;
    const email = mt && mt.essence === 'application/json' ? (await req.json() as { email?: string }).email : (await req.form())['email'];
    req.session.set('email', String(email));
    return 'changed';
  });
  app.delete('/account', (req) => { account(req); req.session.set('email', 'deleted'); return 'deleted'; });
  const hooks = new Blueprint('hooks', { urlPrefix: '/hooks', csrf: false });
  hooks.post('/incoming', () => 'accepted');
  app.registerBlueprint(hooks);
  app.post('/api/ping', { csrf: false }, () => 'pong');
  return app;
}

for (const kind of ['encrypted', 'signed', 'server'] as const) {
  describe(`sessions through the request path (${kind})`, () => {
    let base: string;
    let close: () => Promise<void>;
    before(async () => {
      const root = tempDir();
      const session = kind === 'server'
        ? { type: 'server' as const, store: (config: { instancePath: string }) => new SqliteSessionStore({ instancePath: config.instancePath }) }
        : { type: kind };
      const running = await build(root, { session }).listen({ port: 0 });
      base = `http://127.0.0.1:${running!.address.port}`;
      close = () => running!.close();
    });
    after(() => close());

    async function login(): Promise<string> {
      const r = await call(base, '/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'u=demo&p=demo' });
      assert.equal(r.status, 303, r.text);
      const sid = cookieValue(r.setCookies, 'session');
      assert.ok(sid, 'login sets the session cookie');
      return sid;
    }

    it('a request that never touches the session sets no cookie and no Vary: Cookie', async () => {
      const r = await call(base, '/public');
      assert.deepEqual(r.setCookies, []);
      assert.doesNotMatch(r.headers.get('vary') ?? '', /cookie/i);
    });

    it('reading the session in any way (even `has`) gives Vary: Cookie and Cache-Control: private, no-store (C26)', async () => {
      const sid = await login();
      const maybe = await call(base, '/maybe', { cookie: `session=${sid}` });
      assert.equal(maybe.text, 'no cart');
      assert.match(maybe.headers.get('vary') ?? '', /cookie/i);
      assert.equal(maybe.headers.get('cache-control'), 'private, no-store');
      const pub = await call(base, '/public', { cookie: `session=${sid}` });
      assert.deepEqual(pub.setCookies, [], 'an untouched session is not refreshed on a page that ignores it');
      assert.doesNotMatch(pub.headers.get('vary') ?? '', /cookie/i, 'a page that ignores the session does not vary on it');
      const anon = await call(base, '/public');
      assert.deepEqual(anon.setCookies, []);
      assert.doesNotMatch(anon.text, /demo/);
    });

    it('the session cookie is HttpOnly, SameSite=Lax, Path=/; login rotates the id and the old one is dead (C27)', async () => {
      const first = await call(base, '/form');
      const s1 = cookieValue(first.setCookies, 'session');
      assert.ok(s1, 'rendering a CSRF token starts a session');
      assert.match(first.setCookies.join('\n'), /session=[^;]+; Path=\/; HttpOnly; SameSite=Lax/);
      const r = await call(base, '/login', { method: 'POST', cookie: `session=${s1}`, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base }, body: 'u=demo&p=demo' });
      const s2 = cookieValue(r.setCookies, 'session');
      assert.ok(s2 && s2 !== s1, 'a new session value after login');
      assert.equal((await call(base, '/me', { cookie: `session=${s2}` })).status, 200);
      assert.equal((await call(base, '/me', { cookie: `session=${s1}` })).status, 401, 'the pre-login session is not logged in');
      if (kind === 'server') {
        const planted = 'A'.repeat(43);
        const p = await call(base, '/form', { cookie: `session=${planted}` });
        const issued = cookieValue(p.setCookies, 'session');
        assert.ok(issued && issued !== planted, 'an unknown client-chosen id is never adopted');
        const out = await call(base, '/logout', { method: 'POST', cookie: `session=${s2}`, headers: { origin: base } });
        assert.equal(out.status, 303);
        assert.match(out.setCookies.join('\n'), /session=; .*Max-Age=0/);
        assert.equal((await call(base, '/me', { cookie: `session=${s2}` })).status, 401, 'a destroyed server-side session never comes back');
      }
    });

    it('flashed messages render once, escaped, and the form carries a working CSRF token', async () => {
      const sid = await login();
      const page = await call(base, '/form', { cookie: `session=${sid}` });
      assert.match(page.text, /<p class="success">Welcome back<\/p>/);
      const sid2 = cookieValue(page.setCookies, 'session') ?? sid;
      const again = await call(base, '/form', { cookie: `session=${sid2}` });
      assert.doesNotMatch(again.text, /Welcome back/, 'a flash is shown once');
      const token = /name="csrf_token" value="([^"]+)"/.exec(again.text)?.[1];
      assert.ok(token);
      const sid3 = cookieValue(again.setCookies, 'session') ?? sid2;
      // No Origin and no Sec-Fetch-Site (an old browser): the token decides.
      const ok = await call(base, '/account/email', { method: 'POST', cookie: `session=${sid3}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `email=new%40example.invalid&csrf_token=${encodeURIComponent(token)}` });
      assert.equal(ok.status, 200, ok.text);
      const missing = await call(base, '/account/email', { method: 'POST', cookie: `session=${sid3}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'email=x%40example.invalid' });
      assert.equal(missing.status, 403);
      const viaHeader = await call(base, '/account/email', { method: 'POST', cookie: `session=${sid3}`, headers: { 'content-type': 'application/json', 'x-csrf-token': token }, body: '{"email":"json@example.invalid"}' });
      assert.equal(viaHeader.status, 200, viaHeader.text);
      // A token from this session is worthless in another one.
      const other = await login();
      const stolen = await call(base, '/account/email', { method: 'POST', cookie: `session=${other}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `email=evil%40example.invalid&csrf_token=${encodeURIComponent(token)}` });
      assert.equal(stolen.status, 403);
    });

    it('cross-origin unsafe requests are refused whatever the content type, and nothing changes (C24)', async () => {
      const sid = await login();
      const cookie = `session=${sid}`;
      const attacker = { origin: 'https://attacker.example' };
      const rows: Array<[string, string, Record<string, string>, string]> = [
        ['POST', '/account/email', { 'content-type': 'text/plain' }, 'email=user@example.invalid'],
        ['POST', '/account/email', { 'content-type': 'Application/x-www-form-urlencoded' }, 'email=user@example.invalid'],
        ['POST', '/account/email', {}, '{"email":"user@example.invalid"}'],
        ['POST', '/account/email', { 'content-type': 'multipart/form-data; boundary=X' }, '--X\r\nContent-Disposition: form-data; name="email"\r\n\r\nuser@example.invalid\r\n--X--\r\n'],
        ['POST', '/account/email', { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' }, 'email=user@example.invalid'],
        ['PUT', '/account/email', { 'content-type': 'application/json' }, '{"email":"user@example.invalid"}'],
        ['PATCH', '/account/email', { 'content-type': 'application/x-www-form-urlencoded' }, 'email=user@example.invalid'],
        ['DELETE', '/account', { 'content-type': 'application/x-www-form-urlencoded' }, 'x=1'],
      ];
      for (const [method, path, headers, body] of rows) {
        const a = await call(base, path, { method, cookie, headers: { ...headers, ...attacker }, body });
        assert.equal(a.status, 403, `${method} ${path} ${JSON.stringify(headers)} with Origin`);
        const b = await call(base, path, { method, cookie, headers: { ...headers, 'sec-fetch-site': 'cross-site' }, body });
        assert.equal(b.status, 403, `${method} ${path} ${JSON.stringify(headers)} with Sec-Fetch-Site`);
      }
      const me = await call(base, '/me', { cookie });
      assert.equal(JSON.parse(me.text).email, 'demo@example.invalid', 'state unchanged');
      const same = await call(base, '/account/email', { method: 'POST', cookie, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base, 'sec-fetch-site': 'same-origin' }, body: 'email=same%40example.invalid' });
      assert.equal(same.status, 200);
    });

    it('exempt routes and blueprints skip CSRF; requests without credentials pass', async () => {
      const sid = await login();
      const evil = { origin: 'https://attacker.example', 'content-type': 'application/json' };
      assert.equal((await call(base, '/hooks/incoming', { method: 'POST', cookie: `session=${sid}`, headers: evil, body: '{}' })).status, 200);
      assert.equal((await call(base, '/api/ping', { method: 'POST', cookie: `session=${sid}`, headers: evil, body: '{}' })).status, 200);
      assert.equal((await call(base, '/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'u=demo&p=demo' })).status, 303);
    });
  });
}

describe('session settings', () => {
  it('phial routes lists CSRF exemptions', () => {
    const app = build(tempDir());
    const routes = app.describeRoutes();
    assert.equal(routes.find((r) => r.rule === '/hooks/incoming')?.options.csrf, 'exempt');
    assert.equal(routes.find((r) => r.rule === '/api/ping')?.options.csrf, 'exempt');
    assert.equal(routes.find((r) => r.rule === '/account/email')?.options.csrf, undefined);
  });

  it('a memory store is refused in production', async () => {
    const { MemoryStore } = await import('phial/sessions');
    assert.throws(() => new MemoryStore({ env: 'production' }), /production/);
  });
});
