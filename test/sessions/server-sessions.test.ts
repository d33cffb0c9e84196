/**
 * Server-side sessions through the session interface, against each real store: create, read,
 * update, regenerate, idle and absolute expiry, destroy, concurrent requests, store restart,
 * fixation (C27) and ids hashed at rest.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  MemoryStore, SessionError, createSessionInterface, type Session, type SessionInterface, type SessionSaveResult,
} from '../../src/sessions/index.ts';
import { storeKey } from '../../src/sessions/server-interface.ts';
import type { SessionStore } from '../../src/sessions/stores/types.ts';
import { backends } from './backends.ts';

const MIN = 60_000;
const ID = /^[A-Za-z0-9_-]{43}$/;

function valueOf(r: SessionSaveResult): string {
  assert.equal(r.action, 'set', `expected a cookie, got ${JSON.stringify(r)}`);
  return (r as { value: string }).value;
}

for (const backend of backends()) {
  describe(`server-side sessions on ${backend.name}`, { skip: backend.skip }, () => {
    const clock = { t: Date.now() };
    const interfaces: SessionInterface[] = [];
    const stores: SessionStore[] = [];
    function make(extra: Record<string, unknown> = {}): { sessions: SessionInterface; store: SessionStore; request: typeof request } {
      const store = backend.open(() => clock.t);
      stores.push(store);
      const sessions = createSessionInterface({ type: 'server', store, now: () => clock.t, ...extra });
      interfaces.push(sessions);
      async function request(cookie: string | undefined, view: (s: Session) => void = () => {}): Promise<{ s: Session; r: SessionSaveResult }> {
        const s = await sessions.open(cookie);
        view(s);
        return { s, r: await sessions.save(s) };
      }
      return { sessions, store, request };
    }
    after(async () => {
      for (const s of stores) await s.close().catch(() => undefined);
      await backend.cleanup();
    });

    it('create, read, update; the cookie is a 256-bit id; an empty session is not stored', async () => {
      const { request, store } = make();
      assert.deepEqual((await request(undefined, (s) => s.get('x'))).r, { action: 'none' });
      const { r } = await request(undefined, (s) => s.set('user_id', 42));
      const id = valueOf(r);
      assert.match(id, ID);
      assert.equal(Buffer.from(id, 'base64url').length, 32);
      const { s: s2, r: r2 } = await request(id, (s) => { assert.equal(s.get('user_id'), 42); s.set('cart', ['a']); });
      assert.equal(s2.isNew, false);
      assert.deepEqual(r2, { action: 'none' }, 'same id: no Set-Cookie');
      assert.deepEqual((await request(id)).s.toJSON(), { user_id: 42, cart: ['a'] });
      const record = await store.get(storeKey(id));
      assert.equal(record!.data, '{"cart":["a"],"user_id":42}');
    });

    it('ids are stored as SHA-256: a dump of the store holds no live cookie', async () => {
      const { request } = make();
      const id = valueOf((await request(undefined, (s) => s.set('secret', 'pw-reset-pending'))).r);
      const dump = await backend.dump();
      if (backend.name !== 'MemoryStore') {
        assert.ok(!dump.includes(id), 'raw id absent');
        assert.ok(dump.includes(createHash('sha256').update(id).digest('hex')), 'hash present');
      }
      assert.equal(storeKey(id), createHash('sha256').update(id).digest('hex'));
    });

    it('fixation (C27): a client-chosen id is never adopted; a fresh server id is issued', async () => {
      const { request, store } = make();
      const chosen = 'attacker-chosen-0001'.padEnd(43, 'A');
      for (const planted of [chosen, 'attacker-chosen-0001', 'x'.repeat(500)]) {
        const { s, r } = await request(planted, (x) => x.set('user_id', 1));
        assert.equal(s.isNew, true);
        const id = valueOf(r);
        assert.notEqual(id, planted);
        assert.match(id, ID);
      }
      assert.equal(await store.get(storeKey(chosen)), null, 'nothing stored under the planted id');
      assert.deepEqual((await request(chosen)).r, { action: 'delete' }, 'planted cookie is deleted');
    });

    it('regenerate() after login: new id, data carried over, the old id is dead', async () => {
      const { request, store } = make();
      let csrfBefore = '';
      const s1 = valueOf((await request(undefined, (s) => { s.set('cart', 3); csrfBefore = s.csrfSecret(); })).r);
      const { s, r } = await request(s1, (x) => { x.regenerate(); x.set('user_id', 7); });
      const s2 = valueOf(r);
      assert.notEqual(s2, s1);
      assert.deepEqual(s.toJSON(), { cart: 3, user_id: 7 });
      assert.equal(await store.get(storeKey(s1)), null, 'old record deleted');
      const old = await request(s1, (x) => assert.equal(x.get('user_id'), undefined));
      assert.equal(old.s.isNew, true, 'GET /me with S1 is anonymous');
      let csrfAfter = '';
      await request(s2, (x) => { assert.equal(x.get('user_id'), 7); csrfAfter = x.csrfSecret(); });
      assert.notEqual(csrfAfter, csrfBefore, 'CSRF secret rotated');
    });

    it('idle timeout: enforced by the store and on read (Redis/PostgreSQL TTLs run on real time here)', async () => {
      const { request, store } = make();
      const id = valueOf((await request(undefined, (s) => s.set('u', 1))).r);
      clock.t += 30 * MIN - 1000;
      assert.equal((await request(id)).s.get('u'), 1, 'just inside the limit (and refreshed)');
      clock.t += 30 * MIN + 1000;
      const { s, r } = await request(id);
      assert.equal(s.isNew, true);
      assert.deepEqual(r, { action: 'delete' });
      assert.equal(await store.get(storeKey(id)), null, 'expired record deleted on read');
    });

    it('activity refreshes the idle timer (touch after refreshInterval)', async () => {
      const { request } = make();
      const id = valueOf((await request(undefined, (s) => s.set('u', 1))).r);
      for (let i = 0; i < 6; i++) {
        clock.t += 25 * MIN;
        const { s, r } = await request(id);
        assert.equal(s.get('u'), 1, `after ${(i + 1) * 25} min`);
        assert.deepEqual(r, { action: 'none' });
      }
    });

    it('absolute timeout: the session ends 8 h after creation however active', async () => {
      const { request } = make({ idleTimeout: 3600 });
      const id = valueOf((await request(undefined, (s) => s.set('u', 1))).r);
      for (let h = 1; h <= 8; h++) {
        clock.t += 3600_000 - 1000;
        assert.equal((await request(id, (s) => s.set('h', h))).s.get('u'), 1, `hour ${h}`);
      }
      clock.t += 9_000; // 8 h + 1 s after creation
      assert.equal((await request(id)).s.isNew, true);
    });

    it('the store TTL is the lesser of idle and remaining absolute time', async () => {
      const { request, store } = make({ idleTimeout: 2, absoluteTimeout: 3600, refreshInterval: 0 });
      const id = valueOf((await request(undefined, (s) => s.set('u', 1))).r);
      if (backend.usesClock) clock.t += 2500; else await new Promise((res) => setTimeout(res, 2300));
      assert.equal(await store.get(storeKey(id)), null, 'the store itself dropped it');
    });

    it('destroy(): record and cookie gone, and gone after a store restart', async () => {
      const { request } = make();
      const id = valueOf((await request(undefined, (s) => s.set('u', 1))).r);
      const { r } = await request(id, (s) => s.destroy());
      assert.deepEqual(r, { action: 'delete' });
      assert.equal((await request(id)).s.isNew, true);
      const reopened = make();
      assert.equal((await reopened.request(id)).s.isNew, true);
    });

    it('logout in one tab while another request is in flight: the session is not resurrected', async () => {
      const { sessions, store } = make();
      const s0 = await sessions.open(undefined);
      s0.set('user_id', 1);
      const id = valueOf(await sessions.save(s0));
      const slow = await sessions.open(id);
      const logout = await sessions.open(id);
      logout.destroy();
      assert.deepEqual(await sessions.save(logout), { action: 'delete' });
      slow.set('cart', 1);
      assert.deepEqual(await sessions.save(slow), { action: 'delete' });
      assert.equal(await store.get(storeKey(id)), null);
    });

    it('concurrent requests on one session: last write wins, data never mixed or lost', async () => {
      const { sessions, request } = make();
      const id = valueOf((await request(undefined, (s) => s.set('n', 0))).r);
      const opened = await Promise.all(Array.from({ length: 20 }, () => sessions.open(id)));
      opened.forEach((s, i) => { s.set('n', i + 1); s.set(`k${i}`, i); });
      const results = await Promise.all(opened.map((s) => sessions.save(s)));
      assert.ok(results.every((r) => r.action === 'none'));
      const final = (await request(id)).s.toJSON() as Record<string, number>;
      const n = final.n!;
      assert.ok(n >= 1 && n <= 20);
      assert.deepEqual(final, { n, [`k${n - 1}`]: n - 1 }, 'exactly one request\'s data');
    });

    it('store restart: a live session survives, a regenerated-away id stays dead', { skip: backend.durable ? false : 'process memory' }, async () => {
      const first = make();
      const old = valueOf((await first.request(undefined, (s) => s.set('u', 1))).r);
      const live = valueOf((await first.request(old, (s) => s.regenerate())).r);
      await first.sessions.close();
      const second = make();
      assert.equal((await second.request(live)).s.get('u'), 1);
      assert.equal((await second.request(old)).s.isNew, true);
    });

    it('permanent sessions get Max-Age; toggling permanence rewrites the cookie', async () => {
      const { request } = make({ idleTimeout: 8 * 3600 });
      const { r } = await request(undefined, (s) => { s.set('u', 1); s.permanent = true; });
      assert.equal((r as { maxAge?: number }).maxAge, 8 * 3600);
      const id = valueOf(r);
      clock.t += 3600_000;
      const { s, r: r2 } = await request(id, (x) => { assert.equal(x.permanent, true); x.permanent = false; });
      assert.equal(valueOf(r2), id);
      assert.equal('maxAge' in r2, false);
      assert.equal(s.permanent, false);
    });

    it('clearing a session deletes its record and cookie; flashes work across requests', async () => {
      const { request, store } = make();
      const id = valueOf((await request(undefined, (s) => s.flash('Note created', 'success'))).r);
      const { r } = await request(id, (s) => assert.deepEqual(s.getFlashedMessages({ withCategories: true }), [['success', 'Note created']]));
      assert.deepEqual(r, { action: 'delete' }, 'only flashes, consumed: the session is empty');
      assert.equal(await store.get(storeKey(id)), null);
    });
  });
}

describe('server-side session configuration', () => {
  it('a memory store is refused in production by the interface too', async () => {
    const store = new MemoryStore({ env: 'development' });
    try {
      assert.throws(() => createSessionInterface({ type: 'server', store, env: 'production' }),
        (e: unknown) => e instanceof SessionError && e.code === 'PHIAL_E_SESSION_STORE_IN_PRODUCTION');
      assert.equal(createSessionInterface({ type: 'server', store, env: 'development' }).type, 'server');
    } finally { await store.close(); }
  });
});
