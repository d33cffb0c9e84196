/**
 * The SessionStore contract against each real backend: Memory, SQLite files, Redis, PostgreSQL.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStore } from '../../src/sessions/stores/memory.ts';
import { SqliteSessionStore } from '../../src/sessions/stores/sqlite.ts';
import { RedisSessionStore } from '../../src/sessions/stores/redis.ts';
import { PostgresSessionStore } from '../../src/sessions/stores/postgres.ts';
import { SessionStoreError, type SessionRecord, type SessionStore } from '../../src/sessions/stores/types.ts';
import { backends, sleep, type Backend } from './backends.ts';
import { tempDir } from '../helpers.ts';

const rec = (data: string, t = 1_000): SessionRecord => ({ data, createdAt: t, lastSeenAt: t });

for (const backend of backends()) {
  describe(`${backend.name} (store contract)`, { skip: backend.skip }, () => {
    const clock = { t: Date.now() };
    const opened: SessionStore[] = [];
    const open = (): SessionStore => { const s = backend.open(() => clock.t); opened.push(s); return s; };
    /** Lets a TTL of `seconds` run out: on the injected clock, or in real time for Redis/PostgreSQL. */
    const pass = async (b: Backend, seconds: number): Promise<void> => {
      if (b.usesClock) clock.t += seconds * 1000; else await sleep(seconds * 1000 + 150);
    };
    after(async () => {
      for (const s of opened) await s.close().catch(() => undefined);
      await backend.cleanup();
    });

    it('get/set/overwrite/destroy', async () => {
      const s = open();
      assert.equal(await s.get('a1'), null);
      assert.equal(await s.set('a1', rec('{"x":1}'), 60), true);
      assert.deepEqual(await s.get('a1'), rec('{"x":1}'));
      assert.equal(await s.set('a1', rec('{"x":2}', 2_000), 60), true);
      assert.deepEqual(await s.get('a1'), rec('{"x":2}', 2_000));
      await s.destroy('a1');
      assert.equal(await s.get('a1'), null);
      await s.destroy('a1'); // absent: no error
    });

    it('ifExists writes only over a live record', async () => {
      const s = open();
      assert.equal(await s.set('b1', rec('{}'), 60, { ifExists: true }), false);
      assert.equal(await s.get('b1'), null, 'nothing created');
      await s.set('b1', rec('{"v":1}'), 60);
      assert.equal(await s.set('b1', rec('{"v":2}'), 60, { ifExists: true }), true);
      assert.equal((await s.get('b1'))!.data, '{"v":2}');
    });

    it('a record past its TTL is never returned, updated or touched', async () => {
      const s = open();
      await s.set('c1', rec('{"old":1}'), 1);
      await s.set('c2', rec('{"long":1}'), 600);
      assert.notEqual(await s.get('c1'), null);
      await pass(backend, 1);
      assert.equal(await s.get('c1'), null);
      assert.equal(await s.set('c1', rec('{"again":1}'), 60, { ifExists: true }), false, 'no resurrection by update');
      if (s.touch) assert.equal(await s.touch('c1', 5, 60), false, 'no resurrection by touch');
      assert.equal(await s.get('c1'), null);
      assert.notEqual(await s.get('c2'), null);
    });

    it('touch extends the TTL and the last-seen time, leaving data alone', { skip: backend.name === 'RedisSessionStore' ? 'RedisSessionStore has no touch (the interface rewrites with SET XX)' : false }, async () => {
      const s = open();
      await s.set('d1', rec('{"k":1}'), 1);
      assert.equal(await s.touch!('d1', 9_000, 30), true);
      await pass(backend, 1);
      assert.deepEqual(await s.get('d1'), { data: '{"k":1}', createdAt: 1_000, lastSeenAt: 9_000 });
    });

    it('concurrent writes to one id: the last write wins whole, never a mix', async () => {
      const s = open();
      await s.set('e1', rec('{"n":-1}'), 60);
      const payload = (i: number): string => JSON.stringify({ n: i, pad: String(i).repeat(2000) });
      await Promise.all(Array.from({ length: 40 }, (_, i) => s.set('e1', rec(payload(i), i), 60, { ifExists: i % 2 === 0 })));
      const got = await s.get('e1');
      assert.ok(got);
      const n = (JSON.parse(got.data) as { n: number }).n;
      assert.ok(n >= 0 && n < 40);
      assert.equal(got.data, payload(n), 'data intact');
      assert.equal(got.createdAt, n, 'record fields from the same write');
    });

    it('restart: live records survive, destroyed and expired ones stay gone', { skip: backend.durable ? false : 'process memory does not survive a restart (by design)' }, async () => {
      const s1 = open();
      await s1.set('f-live', rec('{"live":1}'), 600);
      await s1.set('f-dead', rec('{"dead":1}'), 600);
      await s1.set('f-exp', rec('{"exp":1}'), 1);
      await s1.destroy('f-dead');
      await s1.close();
      await pass(backend, 1);
      const s2 = open();
      assert.deepEqual(await s2.get('f-live'), rec('{"live":1}'));
      assert.equal(await s2.get('f-dead'), null);
      assert.equal(await s2.get('f-exp'), null);
    });

    it('refuses bad ids, TTLs and records; a closed store throws', async () => {
      const s = open();
      await assert.rejects(s.get(''), TypeError);
      await assert.rejects(s.get('a b'), TypeError);
      await assert.rejects(s.set('g1', rec('{}'), 0), RangeError);
      await assert.rejects(s.set('g1', rec('{}'), Number.NaN), RangeError);
      await assert.rejects(s.set('g1', { data: 1, createdAt: 0, lastSeenAt: 0 } as unknown as SessionRecord, 5), /data/);
      await assert.rejects(s.set('g1', { data: '', createdAt: -1, lastSeenAt: 0 }, 5), /createdAt/);
      await s.close();
      await assert.rejects(async () => s.get('g1'), SessionStoreError);
    });
  });
}

describe('store construction', () => {
  it('MemoryStore refuses production, by option or PHIAL_ENV, and needs an explicit env', () => {
    assert.throws(() => new MemoryStore({ env: 'production' }), /refused in production/);
    assert.throws(() => new MemoryStore({} as never), /needs \{ env/);
    const saved = process.env.PHIAL_ENV;
    process.env.PHIAL_ENV = 'production';
    try { assert.throws(() => new MemoryStore({ env: 'development' }), /refused in production/); } finally {
      if (saved === undefined) delete process.env.PHIAL_ENV; else process.env.PHIAL_ENV = saved;
    }
  });

  it('SqliteSessionStore creates the instance folder 0700 and the file 0600', async () => {
    const instancePath = join(tempDir(), 'instance', 'nested');
    const s = new SqliteSessionStore({ instancePath });
    try {
      assert.equal(statSync(instancePath).mode & 0o777, 0o700);
      assert.equal(statSync(s.path).mode & 0o777, 0o600);
      assert.equal(s.path, join(instancePath, 'sessions.sqlite3'));
    } finally { await s.close(); }
    assert.throws(() => new SqliteSessionStore({}), /instancePath/);
  });

  it('SqliteSessionStore purges expired rows at startup and on demand', async () => {
    const path = join(tempDir(), 's.db');
    const clock = { t: 1_000_000 };
    const s1 = new SqliteSessionStore({ path, now: () => clock.t, purgeInterval: 0 });
    await s1.set('p1', rec('{}'), 1);
    await s1.set('p2', rec('{}'), 100);
    clock.t += 2000;
    assert.equal(s1.purge(), 1);
    await s1.set('p3', rec('{}'), 1);
    await s1.close();
    clock.t += 2000;
    const s2 = new SqliteSessionStore({ path, now: () => clock.t });
    assert.equal(s2.purge(), 0, 'p3 already purged when the store opened');
    assert.notEqual(await s2.get('p2'), null);
    await s2.close();
  });

  it('table names and prefixes are checked before they reach SQL or Redis', () => {
    for (const t of ['a-b', 'x; DROP TABLE y', '"q"', '1abc', '', 'a.b.c']) {
      assert.throws(() => new SqliteSessionStore({ path: join(tempDir(), 'x.db'), table: t }), /table name/, t);
      assert.throws(() => new PostgresSessionStore({ table: t }), /table name/, t);
    }
    assert.throws(() => new RedisSessionStore({ prefix: 'has space' }), /prefix/);
    assert.throws(() => new SqliteSessionStore({ path: join(tempDir(), 'x.db'), purgeInterval: -1 }), /purgeInterval/);
  });
});
