// The audit log on real databases (an SQLite file; PostgreSQL on 127.0.0.1:5432 in a fresh
// schema per run) and its one-line formatter.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { Kysely, Migrator, MysqlDialect, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import {
  AUDIT_LIMITS, auditDialect, auditEventFromRequest, auditLogMigration, escapeAuditText, formatAuditLine, listAudit,
  recordAudit, type AuditLogTable, type AuditRecord,
} from '../../src/db/audit.ts';

interface DB { audit_log: AuditLogTable }

const PG_SKIP = process.env.PHIAL_TEST_PG ? false : 'PHIAL_TEST_PG is unset: no PostgreSQL on 127.0.0.1:5432 (scripts/test.mjs sets it when one answers)';
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } as const;

// Kysely looks for its bookkeeping tables in every schema, so on PostgreSQL each test schema
// names its own; `schemaOf` remembers which connection belongs to which schema.
const schemaOf = new WeakMap<Kysely<DB>, string>();

function migrator(db: Kysely<DB>): Migrator {
  const migrationTableSchema = schemaOf.get(db);
  return new Migrator({
    db, ...(migrationTableSchema ? { migrationTableSchema } : {}),
    provider: { getMigrations: async () => ({ '0001_audit_log': auditLogMigration }) },
  });
}

async function migrateUp(db: Kysely<DB>): Promise<void> {
  const r = await migrator(db).migrateToLatest();
  if (r.error) throw r.error;
  assert.deepEqual(r.results?.map((x) => x.status), ['Success']);
}

const refused = (e: unknown): boolean => {
  assert.ok(e instanceof Error, String(e));
  assert.match(e.message, /audit_log is append-only/);
  return true;
};

/** Undoes escapeAuditText: the escaping must be reversible to be unambiguous. */
function unescape(s: string): string {
  return s.replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt\\"])/g, (_m, e: string) => {
    if (e === 'n') return '\n';
    if (e === 'r') return '\r';
    if (e === 't') return '\t';
    if (e.length === 1) return e;
    return String.fromCharCode(parseInt(e.slice(1), 16));
  });
}

function auditSuite(dialect: 'sqlite' | 'postgres', fresh: () => Promise<Kysely<DB>>): void {
  let db: Kysely<DB>;
  before(async () => {
    db = await fresh();
    await migrateUp(db);
  });
  after(async () => db?.destroy());

  it('detects its dialect from what Kysely compiles', () => {
    assert.equal(auditDialect(db), dialect);
  });

  it('records an event with the database clock and returns it as stored', async () => {
    const t0 = Date.now();
    const rec = await recordAudit(db, {
      action: 'auth.login', outcome: 'failure', actor: 'alice', target: 42, ip: '203.0.113.9',
      userAgent: 'curl/8.5', requestId: 'r-1', details: { attempt: 3, reason: 'bad password', big: 12n },
    });
    assert.ok(Number.isSafeInteger(rec.id) && rec.id > 0);
    assert.ok(rec.occurredAt instanceof Date);
    assert.ok(Math.abs(rec.occurredAt.getTime() - t0) < 5000, `${rec.occurredAt.toISOString()} vs ${new Date(t0).toISOString()}`);
    assert.deepEqual({ ...rec, id: 0, occurredAt: null }, {
      id: 0, occurredAt: null, action: 'auth.login', outcome: 'failure', actor: 'alice', target: '42', ip: '203.0.113.9',
      userAgent: 'curl/8.5', requestId: 'r-1', details: { attempt: 3, reason: 'bad password', big: '12' },
    });
    const minimal = await recordAudit(db, { action: 'system.start' });
    assert.ok(minimal.id > rec.id);
    assert.deepEqual({ ...minimal, id: 0, occurredAt: null }, {
      id: 0, occurredAt: null, action: 'system.start', outcome: 'success', actor: null, target: null, ip: null,
      userAgent: null, requestId: null, details: null,
    });
    const listed = await listAudit(db, { requestId: 'r-1' });
    assert.deepEqual(listed, [rec]);
  });

  it('lists newest first with filters, a time window and keyset paging', async () => {
    const tag = `run-${randomBytes(4).toString('hex')}`;
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await recordAudit(db, { action: i % 3 === 0 ? 'note.delete' : 'note.update', actor: i % 2 ? 'bob' : 'carol', target: tag, outcome: i === 5 ? 'denied' : 'success' });
      ids.push(r.id);
    }
    const all = await listAudit(db, { target: tag });
    assert.deepEqual(all.map((r) => r.id), [...ids].reverse());
    assert.deepEqual((await listAudit(db, { target: tag, action: 'note.delete' })).map((r) => r.id), [ids[9], ids[6], ids[3], ids[0]]);
    assert.deepEqual((await listAudit(db, { target: tag, actor: 'bob', outcome: 'denied' })).map((r) => r.id), [ids[5]]);
    const page1 = await listAudit(db, { target: tag, limit: 5 });
    const page2 = await listAudit(db, { target: tag, limit: 5, beforeId: page1.at(-1)!.id });
    const page3 = await listAudit(db, { target: tag, limit: 5, beforeId: page2.at(-1)!.id });
    assert.deepEqual([...page1, ...page2, ...page3].map((r) => r.id), [...ids].reverse());
    const first = all.at(-1)!.occurredAt;
    const future = new Date(Date.now() + 60_000);
    assert.equal((await listAudit(db, { target: tag, since: first })).length, 12, 'since is inclusive');
    assert.equal((await listAudit(db, { target: tag, until: first })).length, 0, 'until is exclusive');
    assert.equal((await listAudit(db, { target: tag, since: future })).length, 0);
    assert.equal((await listAudit(db, { target: tag, since: new Date(0), until: future })).length, 12);
    // Values are parameters: a quote in a filter is just a character.
    assert.deepEqual(await listAudit(db, { actor: "' OR 1=1 --" }), []);
    await assert.rejects(listAudit(db, { limit: 0 }), TypeError);
    await assert.rejects(listAudit(db, { limit: 1001 }), TypeError);
    await assert.rejects(listAudit(db, { since: new Date('nope') }), TypeError);
    await assert.rejects(listAudit(db, { beforeId: 1.5 }), TypeError);
  });

  it('the database refuses UPDATE and DELETE, through the query builder and raw SQL alike', async () => {
    const rec = await recordAudit(db, { action: 'auth.logout', actor: 'mallory' });
    const untyped = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
    await assert.rejects(untyped.updateTable('audit_log').set({ actor: 'nobody' }).where('id', '=', rec.id).execute(), refused);
    await assert.rejects(untyped.deleteFrom('audit_log').where('id', '=', rec.id).execute(), refused);
    await assert.rejects(sql`update audit_log set outcome = 'success'`.execute(db), refused);
    await assert.rejects(sql`delete from audit_log`.execute(db), refused);
    // Inside a transaction too; the transaction rolls back and the row is intact.
    await assert.rejects(db.transaction().execute(async (trx) => {
      await recordAudit(trx, { action: 'in.trx' });
      await sql`delete from audit_log where actor = ${'mallory'}`.execute(trx);
    }), refused);
    assert.deepEqual(await listAudit(db, { actor: 'mallory' }), [rec]);
    assert.deepEqual(await listAudit(db, { action: 'in.trx' }), []);
    if (dialect === 'postgres') {
      await assert.rejects(sql`truncate audit_log`.execute(db), refused);
      // Statement-level: even an UPDATE that matches nothing is refused.
      await assert.rejects(sql`update audit_log set actor = actor where false`.execute(db), refused);
    }
    assert.equal((await listAudit(db, { limit: 1000 })).some((r) => r.id === rec.id), true);
  });

  it('stores control characters as data (NUL as U+FFFD) and formats them as one escaped line', async () => {
    const actor = 'bob\nFAKE 2025-01-01T00:00:00.000Z id=1 action=auth.login outcome=success';
    const userAgent = 'Mozilla\r\n\t\x1b[31mred\x1b[0m\u2028\u202eevil\x7f\x85';
    const rec = await recordAudit(db, { action: 'auth.login', actor, userAgent, target: 'a\0b', details: { note: 'line1\nline2' } });
    const [stored] = await listAudit(db, { requestId: undefined, action: 'auth.login', actor });
    assert.deepEqual(stored, rec);
    assert.equal(stored!.actor, actor);
    assert.equal(stored!.userAgent, userAgent);
    assert.equal(stored!.target, 'a\uFFFDb');
    const line = formatAuditLine(stored!);
    assert.equal(line.split('\n').length, 1);
    assert.doesNotMatch(line, /[\0-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]/); // eslint-disable-line no-control-regex
    assert.ok(line.includes('actor="bob\\nFAKE 2025-01-01T00:00:00.000Z id=1 action=auth.login outcome=success"'), line);
    assert.ok(line.includes('user_agent="Mozilla\\r\\n\\t\\x1b[31mred\\x1b[0m\\u2028\\u202eevil\\x7f\\x85"'), line);
  });

  it('caps long fields and oversized details, and redacts credential-like keys', async () => {
    const rec = await recordAudit(db, {
      action: 'http.request', userAgent: 'A'.repeat(10_000), actor: '🙂'.repeat(200),
      details: { password: 'hunter2', nested: { apiKey: 'k-123', Authorization: 'Bearer x', ok: 'kept' }, list: [{ session_id: 's' }] },
    });
    assert.equal(rec.userAgent!.length, AUDIT_LIMITS.userAgent);
    assert.ok(rec.userAgent!.endsWith('…'));
    assert.ok(rec.actor!.length <= AUDIT_LIMITS.actor);
    assert.doesNotMatch(rec.actor!, /[\ud800-\udbff](?![\udc00-\udfff])/, 'no split surrogate pair');
    assert.deepEqual(rec.details, { password: '[REDACTED]', nested: { apiKey: '[REDACTED]', Authorization: '[REDACTED]', ok: 'kept' }, list: [{ session_id: '[REDACTED]' }] });
    const big = await recordAudit(db, { action: 'import.done', details: { blob: 'x'.repeat(20_000) } });
    assert.deepEqual(big.details, { truncated: true, bytes: 20_011 });
  });

  it('refuses malformed events with a TypeError and inserts nothing', async () => {
    const before = (await listAudit(db, { limit: 1 }))[0]!.id;
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [
      { action: 'bad action' }, { action: '' }, { action: 'x'.repeat(101) }, { action: 42 },
      { action: 'ok', outcome: 'maybe' }, { action: 'ok', actor: { id: 1 } }, { action: 'ok', details: cyclic },
    ]) {
      await assert.rejects(recordAudit(db, bad as never), TypeError, JSON.stringify(bad, (_k, v: unknown) => (v === cyclic ? '[cycle]' : v)));
    }
    assert.equal((await listAudit(db, { limit: 1 }))[0]!.id, before);
  });

  it('down refuses while events exist, and drops an empty table', async () => {
    const r = await migrator(db).migrateDown();
    assert.ok(r.error instanceof Error);
    assert.match(r.error.message, /audit_log holds events/);
    assert.ok((await listAudit(db, { limit: 1 })).length === 1, 'still there');

    const empty = await fresh();
    try {
      await migrateUp(empty);
      const down = await migrator(empty).migrateDown();
      if (down.error) throw down.error;
      await assert.rejects(listAudit(empty), /audit_log/);
      // Up again works: down removed everything up created (the PostgreSQL function included).
      await migrateUp(empty);
      await recordAudit(empty, { action: 'again' });
    } finally {
      await empty.destroy();
    }
  });
}

describe('audit log on SQLite (temp files)', () => {
  const dirs: string[] = [];
  after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
  auditSuite('sqlite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phial-audit-'));
    dirs.push(dir);
    const sqlite = new Database(join(dir, 'app.db'));
    sqlite.pragma('journal_mode = WAL');
    return new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  });

  it('a second connection to the same file is refused too (the triggers live in the file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phial-audit-'));
    dirs.push(dir);
    const file = join(dir, 'app.db');
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    await migrateUp(db);
    await recordAudit(db, { action: 'x' });
    await db.destroy();
    const raw = new Database(file);
    assert.throws(() => raw.prepare('delete from audit_log').run(), /append-only/);
    assert.throws(() => raw.prepare("update audit_log set action = 'y'").run(), /append-only/);
    assert.equal((raw.prepare('select count(*) as n from audit_log').get() as { n: number }).n, 1);
    raw.close();
  });
});

describe('audit log on PostgreSQL', { skip: PG_SKIP }, () => {
  const schemas: string[] = [];
  let admin: pg.Client | undefined;
  after(async () => {
    if (!admin) return;
    for (const s of schemas) await admin.query(`drop schema if exists ${s} cascade`);
    await admin.end();
  });
  const fresh = async (): Promise<Kysely<DB>> => {
    if (!admin) {
      admin = new pg.Client(PG);
      await admin.connect();
    }
    const schema = `phial_audit_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    await admin.query(`create schema ${schema}`);
    // The audit helpers use the unqualified name; the connection's search_path picks the schema.
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ ...PG, max: 4, options: `-c search_path=${schema}` }) }) });
    schemaOf.set(db, schema);
    return db;
  };
  auditSuite('postgres', fresh);

  it('the documented grants: an app role with SELECT, INSERT only cannot UPDATE, DELETE, TRUNCATE or drop the trigger', async () => {
    const db = await fresh();
    const schema = schemas.at(-1)!;
    const role = `phial_audit_app_${randomBytes(4).toString('hex')}`;
    await migrateUp(db);
    await db.destroy();
    // Every connection of the app's pool runs as the app role (`role` set at connection start).
    const pool = new pg.Pool({ ...PG, max: 2, options: `-c search_path=${schema} -c role=${role}` });
    const appDb = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    try {
      // As in docs/database-security.md.
      await admin!.query(`create role ${role} nologin`);
      await admin!.query(`grant usage on schema ${schema} to ${role}`);
      await admin!.query(`revoke all on ${schema}.audit_log from ${role}`);
      await admin!.query(`grant select, insert on ${schema}.audit_log to ${role}`);
      const who = await sql<{ u: string }>`select current_user as u`.execute(appDb);
      assert.equal(who.rows[0]!.u, role);
      const rec = await recordAudit(appDb, { action: 'as.app.role', actor: role });
      assert.deepEqual((await listAudit(appDb, { actor: role })).map((r) => r.id), [rec.id]);
      for (const stmt of ['update audit_log set actor = null', 'delete from audit_log', 'truncate audit_log']) {
        await assert.rejects(pool.query(stmt), (e: unknown) => (e as { code?: string }).code === '42501', stmt); // insufficient_privilege
      }
      await assert.rejects(pool.query('drop trigger audit_log_append_only on audit_log'), /must be owner/);
      await assert.rejects(pool.query('alter table audit_log disable trigger all'), /must be owner/);
      assert.deepEqual((await listAudit(appDb, { actor: role })).map((r) => r.id), [rec.id]);
    } finally {
      await appDb.destroy();
      await admin!.query(`drop owned by ${role}`).catch(() => {});
      await admin!.query(`drop role if exists ${role}`);
    }
  });
});

describe('auditDialect', () => {
  it('refuses dialects other than SQLite and PostgreSQL', () => {
    const mysql = new Kysely<DB>({ dialect: new MysqlDialect({ pool: async () => { throw new Error('never connects'); } }) });
    assert.throws(() => auditDialect(mysql), /SQLite and PostgreSQL only/);
  });
});

describe('auditEventFromRequest', () => {
  it('fills ip, user agent and request id; explicit fields win', () => {
    const req = { remoteAddr: '198.51.100.7', id: 'abc-1', header: (n: string) => (n === 'user-agent' ? 'UA/1' : undefined) };
    assert.deepEqual(auditEventFromRequest(req, { action: 'auth.login', actor: 'al' }), {
      action: 'auth.login', actor: 'al', ip: '198.51.100.7', userAgent: 'UA/1', requestId: 'abc-1',
    });
    assert.equal(auditEventFromRequest(req, { action: 'a', ip: '203.0.113.1' }).ip, '203.0.113.1');
    const bare = { remoteAddr: '', id: 'x', header: () => undefined };
    assert.deepEqual(auditEventFromRequest(bare, { action: 'a' }), { action: 'a', ip: null, userAgent: null, requestId: 'x' });
  });
});

describe('formatAuditLine', () => {
  const base: AuditRecord = {
    id: 7, occurredAt: new Date('2025-01-31T12:00:00.000Z'), action: 'auth.login', outcome: 'failure', actor: 'bob',
    target: null, ip: '203.0.113.9', userAgent: 'curl/8.5 (x86_64)', requestId: '1a-2', details: { attempt: 3 },
  };

  it('prints one logfmt line; - for NULL; quotes when needed', () => {
    assert.equal(formatAuditLine(base),
      '2025-01-31T12:00:00.000Z id=7 action=auth.login outcome=failure actor=bob target=- ip=203.0.113.9 ' +
      'request_id=1a-2 user_agent="curl/8.5 (x86_64)" details="{\\"attempt\\":3}"');
    const odd = formatAuditLine({ ...base, actor: '-', target: '', ip: 'a=b', details: null });
    assert.ok(odd.includes('actor="-" target="" ip="a=b"'), odd);
    assert.ok(odd.endsWith('details=-'));
  });

  it('escapes every control, bidi and separator character; the escaping is reversible', () => {
    assert.equal(escapeAuditText('a\nb\rc\td\0e\x1bf\x7fg\x9fh\u2028i\u2029j\u202ek\u2066l\ufeffm"n\\o'),
      'a\\nb\\rc\\td\\x00e\\x1bf\\x7fg\\x9fh\\u2028i\\u2029j\\u202ek\\u2066l\\ufeffm\\"n\\\\o');
    assert.equal(escapeAuditText('\ud800x\udc00'), '\\ud800x\\udc00', 'lone surrogates');
    assert.equal(escapeAuditText('🙂 é 中'), '🙂 é 中', 'printable text is left alone');
    fc.assert(fc.property(fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom('\n', '\r', '\\', '"', '\u202e', '\ud800', '\udfff')) }), (s) => {
      const e = escapeAuditText(s);
      assert.doesNotMatch(e, /[\0-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/); // eslint-disable-line no-control-regex
      assert.equal(unescape(e), s);
    }), { numRuns: 2000 });
  });

  it('no stored value can add a line or a field to the formatted output', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (actor, ua) => {
      const line = formatAuditLine({ ...base, actor, userAgent: ua });
      assert.doesNotMatch(line, /[\n\r\u2028\u2029\x85]/);
      // Outside quotes, the fields are exactly the nine keys in order.
      const keys = [...line.matchAll(/ ([a-z_]+)=(?:"(?:[^"\\]|\\.)*"|[^ "]+)/g)].map((m) => m[1]);
      assert.deepEqual(keys, ['id', 'action', 'outcome', 'actor', 'target', 'ip', 'request_id', 'user_agent', 'details']);
    }), { numRuns: 1000 });
  });
});
