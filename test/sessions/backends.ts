/**
 * The four session stores as test backends: each makes a store on a unique table/prefix, can
 * reopen it (a new process's view: new file handle, new client, new pool), dump what is stored
 * at rest, and clean up. PostgreSQL and Redis are skipped only when PHIAL_TEST_PG /
 * PHIAL_TEST_REDIS are unset (scripts/test.mjs sets them when the service answers).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { MemoryStore } from '../../src/sessions/stores/memory.ts';
import { PostgresSessionStore } from '../../src/sessions/stores/postgres.ts';
import { RedisSessionStore } from '../../src/sessions/stores/redis.ts';
import { SQLITE_SESSION_FILE, SqliteSessionStore } from '../../src/sessions/stores/sqlite.ts';
import type { SessionStore } from '../../src/sessions/stores/types.ts';
import { tempDir } from '../helpers.ts';

export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface Backend {
  readonly name: string;
  /** `false`, or why the suite is skipped. */
  readonly skip: string | false;
  /** Whether the store runs on the injected clock (else its TTLs run on real time). */
  readonly usesClock: boolean;
  /** Whether data survives `reopen()` (all but the memory store). */
  readonly durable: boolean;
  /** A store on this run's unique table/prefix; `now` drives clock-based stores. */
  open(now: () => number): SessionStore;
  /** Everything stored at rest, as one string (ids and data). */
  dump(): Promise<string>;
  cleanup(): Promise<void>;
}

const unique = `${process.pid}_${randomBytes(4).toString('hex')}`;

export function memoryBackend(): Backend {
  let current: MemoryStore | undefined;
  return {
    name: 'MemoryStore', skip: false, usesClock: true, durable: false,
    open(now) { current = new MemoryStore({ env: 'development', now }); return current; },
    async dump() { return ''; },
    async cleanup() { await current?.close(); },
  };
}

export function sqliteBackend(): Backend {
  const instancePath = join(tempDir('phial-sessions-'), 'instance');
  const table = `sessions_${unique}`;
  return {
    name: 'SqliteSessionStore', skip: false, usesClock: true, durable: true,
    open(now) { return new SqliteSessionStore({ instancePath, table, now }); },
    async dump() {
      const db = new Database(join(instancePath, SQLITE_SESSION_FILE), { readonly: true });
      try { return JSON.stringify(db.prepare(`SELECT * FROM "${table}"`).all()); } finally { db.close(); }
    },
    async cleanup() { rmSync(join(instancePath, '..'), { recursive: true, force: true }); },
  };
}

export function redisBackend(): Backend {
  const prefix = `phial:test:${unique}:`;
  return {
    name: 'RedisSessionStore',
    skip: process.env.PHIAL_TEST_REDIS ? false : 'PHIAL_TEST_REDIS unset: no Redis on 127.0.0.1:6379 (scripts/test.mjs sets it when Redis answers)',
    usesClock: false, durable: true,
    open() { return new RedisSessionStore({ url: 'redis://127.0.0.1:6379/0', prefix }); },
    async dump() {
      const r = new Redis('redis://127.0.0.1:6379/0');
      try {
        const keys = await r.keys(`${prefix}*`);
        const values = keys.length ? await r.mget(...keys) : [];
        return JSON.stringify([keys, values]);
      } finally { await r.quit(); }
    },
    async cleanup() {
      const r = new Redis('redis://127.0.0.1:6379/0');
      try {
        const keys = await r.keys(`${prefix}*`);
        if (keys.length) await r.del(...keys);
      } finally { await r.quit(); }
    },
  };
}

export function postgresBackend(): Backend {
  const table = `phial_sessions_test_${unique}`;
  return {
    name: 'PostgresSessionStore',
    skip: process.env.PHIAL_TEST_PG ? false : 'PHIAL_TEST_PG unset: no PostgreSQL on 127.0.0.1:5432 (scripts/test.mjs sets it when PostgreSQL answers)',
    usesClock: false, durable: true,
    open() { return new PostgresSessionStore({ connectionString: PG_URL, table }); },
    async dump() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try { return JSON.stringify((await c.query(`SELECT * FROM "${table}"`)).rows); } finally { await c.end(); }
    },
    async cleanup() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try { await c.query(`DROP TABLE IF EXISTS "${table}"`); } finally { await c.end(); }
    },
  };
}

export const backends = (): Backend[] => [memoryBackend(), sqliteBackend(), redisBackend(), postgresBackend()];

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
