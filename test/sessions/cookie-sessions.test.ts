import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_SESSION_COOKIE_LENGTH, SessionError, createSessionInterface, sessionCookieName,
  SESSION_COOKIE_ATTRIBUTES, type Session, type SessionInterface, type SessionSaveResult,
} from '../../src/sessions/index.ts';
import { URLSafeTimedSerializer } from '../../src/sessions/itsdangerous.ts';
import { taggedDumps } from '../../src/sessions/tagged-json.ts';
import { ConfigError } from '../../src/config/config.ts';

const KEY = 'a-test-secret-key-that-is-long-enough-1234';
const T0 = Date.UTC(2030, 0, 1);
const MIN = 60_000;

function setup(type: 'signed' | 'encrypted', extra: Record<string, unknown> = {}) {
  const clock = { t: T0 };
  const sessions = createSessionInterface({ type, secretKey: KEY, now: () => clock.t, ...extra } as never);
  /** One request: open with the cookie, run the view, save. Returns the session and the result. */
  async function request(cookie: string | undefined, view: (s: Session) => void = () => {}): Promise<{ s: Session; r: SessionSaveResult }> {
    const s = await sessions.open(cookie);
    view(s);
    return { s, r: await sessions.save(s) };
  }
  return { clock, sessions, request };
}

function valueOf(r: SessionSaveResult): string {
  assert.equal(r.action, 'set', `expected a cookie, got ${JSON.stringify(r)}`);
  return (r as { value: string }).value;
}

for (const type of ['signed', 'encrypted'] as const) {
  describe(`${type} cookie sessions`, () => {
    it('no cookie: a fresh, untouched session sets nothing', async () => {
      const { request } = setup(type);
      const { s, r } = await request(undefined);
      assert.equal(s.isNew, true);
      assert.equal(s.accessed, false);
      assert.deepEqual(r, { action: 'none' });
    });

    it('create, read, update', async () => {
      const { request } = setup(type);
      const c1 = valueOf((await request(undefined, (s) => s.set('user_id', 42))).r);
      const { s, r } = await request(c1, (x) => { assert.equal(x.get('user_id'), 42); x.set('cart', [1, 2]); });
      assert.equal(s.isNew, false);
      const c2 = valueOf(r);
      const { s: s3, r: r3 } = await request(c2);
      assert.deepEqual(s3.toJSON(), { user_id: 42, cart: [1, 2] });
      assert.deepEqual(r3, { action: 'none' }, 'unchanged and fresh: no Set-Cookie');
    });

    it('reading in any way marks the session accessed (Vary: Cookie, C26)', async () => {
      const { request } = setup(type);
      const c = valueOf((await request(undefined, (s) => s.set('cart', 1))).r);
      for (const read of [(s: Session) => s.has('cart'), (s: Session) => s.size, (s: Session) => s.keys(), (s: Session) => s.get('x'), (s: Session) => s.toJSON()]) {
        const { s, r } = await request(c, (x) => { read(x); });
        assert.equal(s.accessed, true);
        assert.equal(s.modified, false);
        assert.deepEqual(r, { action: 'none' });
      }
    });

    it('an unchanged session in use is rewritten after refreshInterval, keeping the idle timer alive', async () => {
      const { request, clock } = setup(type);
      let c = valueOf((await request(undefined, (s) => s.set('u', 1))).r);
      clock.t += 59_000;
      assert.deepEqual((await request(c)).r, { action: 'none' });
      // Walk 3 hours in 20-minute steps: every request refreshes, so the 30-minute idle timeout never hits.
      for (let i = 0; i < 9; i++) {
        clock.t += 20 * MIN;
        const { s, r } = await request(c);
        assert.equal(s.get('u'), 1, `step ${i}`);
        c = valueOf(r);
      }
    });

    it('idle timeout: 30 min without a request gives a fresh empty session and deletes the cookie', async () => {
      const { request, clock } = setup(type);
      const c = valueOf((await request(undefined, (s) => s.set('u', 1))).r);
      clock.t += 30 * MIN;
      assert.equal((await request(c)).s.get('u'), 1, 'exactly at the limit: still valid');
      clock.t += 1000;
      const { s, r } = await request(c);
      assert.equal(s.isNew, true);
      assert.equal(s.get('u'), undefined);
      assert.deepEqual(r, { action: 'delete' });
    });

    it('absolute timeout: 8 h after creation, however active', async () => {
      const { request, clock } = setup(type, { idleTimeout: 3600 });
      let c = valueOf((await request(undefined, (s) => s.set('u', 1))).r);
      for (let h = 1; h <= 8; h++) {
        clock.t += 3600_000 - 1000;
        const { s, r } = await request(c, (x) => x.set('h', h));
        assert.equal(s.get('u'), 1, `hour ${h}`);
        c = valueOf(r);
      }
      clock.t += 9_000; // 8 h + 1 s after creation
      const { s } = await request(c);
      assert.equal(s.isNew, true);
      assert.equal(s.get('u'), undefined);
    });

    it('configurable timeouts', async () => {
      const { request, clock } = setup(type, { idleTimeout: 5, absoluteTimeout: 12, refreshInterval: 0 });
      let c = valueOf((await request(undefined, (s) => s.set('u', 1))).r);
      clock.t += 5000;
      c = valueOf((await request(c)).r); // refreshInterval 0: every request rewrites
      clock.t += 5000;
      c = valueOf((await request(c)).r);
      clock.t += 2001;
      assert.equal((await request(c)).s.isNew, true, 'absolute 12 s passed');
    });

    it('permanent sessions get Max-Age = remaining absolute lifetime; others none', async () => {
      const { request, clock } = setup(type, { idleTimeout: 8 * 3600 });
      const { r } = await request(undefined, (s) => { s.set('u', 1); s.permanent = true; });
      assert.equal((r as { maxAge?: number }).maxAge, 8 * 3600);
      clock.t += 3600_000;
      const c = valueOf(r);
      const { s, r: r2 } = await request(c, (x) => x.set('v', 2));
      assert.equal(s.permanent, true);
      assert.equal((r2 as { maxAge?: number }).maxAge, 7 * 3600);
      const { r: r3 } = await request(valueOf(r2), (x) => { x.permanent = false; });
      assert.equal(r3.action, 'set');
      assert.equal('maxAge' in r3, false);
      assert.equal(setup(type, { permanent: true }).sessions.type, type);
      const perm = setup(type, { permanent: true });
      assert.equal((await perm.request(undefined, (x) => x.set('a', 1))).r.action, 'set');
    });

    it('tampered, truncated, foreign-key and junk cookies give a fresh session; its cookie is deleted', async () => {
      const { request } = setup(type);
      const c = valueOf((await request(undefined, (s) => s.set('u', 1))).r);
      const other = setup(type, { secretKey: `${KEY}-other` });
      const foreign = valueOf((await other.request(undefined, (s) => s.set('u', 1))).r);
      for (const bad of [`${c.slice(0, -2)}${c.endsWith('AA') ? 'BB' : 'AA'}`, c.slice(0, 20), foreign, 'x', '....', '\u00ff']) {
        const { s, r } = await request(bad);
        assert.equal(s.isNew, true, bad);
        assert.equal(s.get('u'), undefined);
        assert.deepEqual(r, { action: 'delete' });
      }
    });

    it('regenerate(): new cookie, data kept, CSRF secret rotated, absolute timer restarted', async () => {
      const { request, clock } = setup(type, { idleTimeout: 8 * 3600 });
      let secret = '';
      const c1 = valueOf((await request(undefined, (s) => { s.set('cart', 3); secret = s.csrfSecret(); })).r);
      clock.t += 7 * 3600_000;
      const c2 = valueOf((await request(c1, (s) => s.set('u', 1))).r);
      clock.t += 20 * MIN;
      const { s, r } = await request(c2, (x) => { x.regenerate(); x.set('user_id', 9); });
      const c3 = valueOf(r);
      assert.notEqual(c3, c2);
      assert.deepEqual(s.toJSON(), { cart: 3, u: 1, user_id: 9 });
      clock.t += 2 * 3600_000 - 10 * MIN;
      let again = '';
      const { s: s4, r: r4 } = await request(c3, (x) => { again = x.csrfSecret(); });
      assert.equal(s4.get('user_id'), 9, 'absolute timeout restarted at regenerate');
      assert.notEqual(again, secret);
      assert.match(again, /^[0-9a-f]{64}$/);
      assert.equal(r4.action, 'set', 'new CSRF secret stored');
    });

    it('csrfSecret() is stable across requests and keeps a Flask-WTF secret', async () => {
      const { request } = setup(type);
      let first = '';
      const c = valueOf((await request(undefined, (s) => { first = s.csrfSecret(); })).r);
      const { s, r } = await request(c, (x) => assert.equal(x.csrfSecret(), first));
      assert.equal(s.accessed, true);
      assert.deepEqual(r, { action: 'none' });
      const flaskWtf = 'f'.repeat(40);
      const c2 = valueOf((await request(undefined, (x) => x.set('csrf_token', flaskWtf))).r);
      await request(c2, (x) => assert.equal(x.csrfSecret(), flaskWtf));
      const c3 = valueOf((await request(undefined, (x) => x.set('csrf_token', 'short'))).r);
      await request(c3, (x) => assert.match(x.csrfSecret(), /^[0-9a-f]{64}$/));
    });

    it('destroy() and clear() delete the cookie; writes after destroy() start a new session', async () => {
      const { request } = setup(type);
      const c = valueOf((await request(undefined, (s) => { s.set('u', 1); s.permanent = true; })).r);
      assert.deepEqual((await request(c, (s) => s.destroy())).r, { action: 'delete' });
      assert.deepEqual((await request(c, (s) => s.clear())).r, { action: 'delete' });
      const { s, r } = await request(c, (x) => { x.destroy(); x.flash('Logged out'); });
      assert.equal(s.permanent, false);
      const after = await request(valueOf(r));
      assert.deepEqual(after.s.toJSON(), { _flashes: [['message', 'Logged out']] });
      assert.equal(after.s.get('u'), undefined);
    });

    it('flash / getFlashedMessages with Flask semantics', async () => {
      const { request } = setup(type);
      const c = valueOf((await request(undefined, (s) => { s.flash('hi', 'info'); s.flash('plain'); s.flash('bad', 'error'); })).r);
      const { s, r } = await request(c, (x) => {
        assert.deepEqual(x.getFlashedMessages({ categoryFilter: ['error', 'info'] }), ['hi', 'bad']);
        assert.deepEqual(x.getFlashedMessages({ withCategories: true }), [['info', 'hi'], ['message', 'plain'], ['error', 'bad']]);
        assert.deepEqual(x.getFlashedMessages(), ['hi', 'plain', 'bad'], 'same list for the whole request');
      });
      assert.equal(s.has('_flashes'), false);
      assert.deepEqual(r, { action: 'delete' }, 'nothing left: cookie deleted');
      assert.deepEqual((await request(undefined, (x) => assert.deepEqual(x.getFlashedMessages(), []))).r, { action: 'none' });
    });

    it('refuses Phial-managed keys and values it cannot store', async () => {
      const { request, sessions } = setup(type);
      await request(undefined, (s) => {
        assert.throws(() => s.set('_permanent', true), /session\.permanent/);
        assert.throws(() => s.set('_created' as string, 1), /managed by Phial/);
        assert.throws(() => { s.permanent = 'yes' as unknown as boolean; }, /boolean/);
      });
      const s = await sessions.open(undefined);
      s.set('m', new Map());
      await assert.rejects(sessions.save(s), /session\.m is an instance of Map/);
    });

    it('a session too large for a browser cookie is an error, not a silently lost login', async () => {
      const { sessions } = setup(type);
      const s = await sessions.open(undefined);
      s.set('blob', Array.from({ length: 800 }, (_, i) => `${i}-${Math.random()}`).join(''));
      await assert.rejects(sessions.save(s), (e: unknown) => e instanceof SessionError && e.code === 'PHIAL_E_SESSION_TOO_LARGE');
      const ok = await sessions.open(undefined);
      ok.set('blob', 'x'.repeat(1000));
      assert.ok(valueOf(await sessions.save(ok)).length <= MAX_SESSION_COOKIE_LENGTH);
    });
  });
}

describe('signed cookie sessions and Flask metadata', () => {
  it('writes _created and _permanent as plain keys Flask keeps', async () => {
    const { request, clock } = setup('signed');
    const c = valueOf((await request(undefined, (s) => { s.set('u', 1); s.permanent = true; })).r);
    const { value, timestamp } = new URLSafeTimedSerializer({ secretKey: KEY }).loads(c);
    assert.deepEqual(value, { u: 1, _permanent: true, _created: clock.t / 1000 });
    assert.equal(timestamp, clock.t / 1000);
  });

  it('a Flask-made cookie without _created counts as created at its timestamp', async () => {
    const { sessions, clock } = setup('signed');
    const flask = new URLSafeTimedSerializer({ secretKey: KEY }).dumps({ user_id: 42 }, clock.t / 1000 - 60);
    const s = await sessions.open(flask);
    assert.equal(s.get('user_id'), 42);
    assert.equal(s.createdAt, clock.t - 60_000);
  });

  it('the absolute timeout comes from _created even when the timestamp is fresh', async () => {
    const { sessions, clock } = setup('signed');
    const now = clock.t / 1000;
    const old = new URLSafeTimedSerializer({ secretKey: KEY }).dumps({ u: 1, _created: now - 8 * 3600 - 1 }, now);
    assert.equal((await sessions.open(old)).isNew, true);
    const within = new URLSafeTimedSerializer({ secretKey: KEY }).dumps({ u: 1, _created: now - 8 * 3600 }, now);
    assert.equal((await sessions.open(within)).get('u'), 1);
  });

  it('stores flashes the way Flask does', async () => {
    const { request } = setup('signed');
    const c = valueOf((await request(undefined, (s) => s.flash('hi', 'info'))).r);
    const { value } = new URLSafeTimedSerializer({ secretKey: KEY }).loads(c);
    assert.match(taggedDumps(value), /"_flashes":\[\{" t":\["info","hi"\]\}\]/);
  });

  it('key rotation through the interface: fallback verifies, new cookie uses the current key', async () => {
    const old = setup('signed', { secretKey: 'old-key-old-key-old-key-old-key-1' });
    const c = valueOf((await old.request(undefined, (s) => s.set('u', 1))).r);
    const rotated = setup('signed', { secretKeyFallbacks: ['old-key-old-key-old-key-old-key-1'] });
    const { s, r } = await rotated.request(c, (x) => x.set('v', 2));
    assert.equal(s.get('u'), 1);
    assert.equal((await setup('signed').sessions.open(valueOf(r))).get('v'), 2);
    assert.equal((await setup('signed').sessions.open(c)).isNew, true);
  });
});

describe('session options and cookie helpers', () => {
  it('validates options with named settings', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ idleTimeout: 0 }, /session\.idleTimeout/],
      [{ absoluteTimeout: 1.5 }, /session\.absoluteTimeout/],
      [{ idleTimeout: 60, refreshInterval: 61 }, /session\.refreshInterval/],
      [{ permanent: 'yes' }, /session\.permanent/],
    ];
    for (const [opts, re] of bad) {
      assert.throws(() => createSessionInterface({ type: 'signed', secretKey: KEY, ...opts } as never), (e: unknown) => e instanceof ConfigError && re.test(e.message));
    }
    assert.throws(() => createSessionInterface({ type: 'cookie' } as never), /session type must be/);
    assert.throws(() => createSessionInterface({ type: 'signed' } as never), /secretKey/);
    assert.throws(() => createSessionInterface({ type: 'server' } as never), /store/);
  });

  it('cookie name: __Host- over HTTPS, bare name on plain HTTP', () => {
    assert.equal(sessionCookieName(true), '__Host-session');
    assert.equal(sessionCookieName(false), 'session');
    assert.equal(sessionCookieName(true, 'sid'), '__Host-sid');
    for (const bad of ['', 'a b', 'a;b', '__Host-x', '__secure-x', 'é']) assert.throws(() => sessionCookieName(true, bad), TypeError, bad);
    assert.deepEqual(SESSION_COOKIE_ATTRIBUTES, { path: '/', httpOnly: true, sameSite: 'Lax' });
    assert.ok(Object.isFrozen(SESSION_COOKIE_ATTRIBUTES));
  });

  it('typed sessions', async () => {
    const sessions: SessionInterface = setup('encrypted').sessions;
    const s = (await sessions.open(undefined)) as unknown as Session<{ user_id: number; name: string }>;
    s.set('user_id', 1);
    const id: number | undefined = s.get('user_id');
    assert.equal(id, 1);
    // @ts-expect-error: wrong value type for a declared key
    s.set('name', 2);
  });
});
