// rotateColumn and the blind index against real databases: an SQLite file and the PostgreSQL
// on 127.0.0.1:5432 (a fresh schema per run, dropped afterwards).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { DecryptionError, FieldEncryption } from '../../src/db/encryption.ts';

interface SecretsTable { id: number | string; owner: string; ssn: string | null; email: string | null; email_bidx: string | null }
interface DB { secrets: SecretsTable }

const K1 = randomBytes(32);
const K2 = randomBytes(32);
const BLIND = randomBytes(32);
const v1 = new FieldEncryption({ keyring: { current: 'k1', keys: { k1: K1 } }, blindIndexKey: BLIND });
const both = new FieldEncryption({ keyring: { current: 'k2', keys: { k1: K1, k2: K2 } }, blindIndexKey: BLIND });
const k2Only = new FieldEncryption({ keyring: { current: 'k2', keys: { k2: K2 } }, blindIndexKey: BLIND });
const aadOf = (id: unknown): (string | number)[] => ['secrets', 'ssn', String(id)];

const PG_SKIP = process.env.PHIAL_TEST_PG ? false : 'PHIAL_TEST_PG is unset: no PostgreSQL on 127.0.0.1:5432 (scripts/test.mjs sets it when one answers)';

/** The same scenario on both databases; `scoped` reaches the test table, `schema` is passed to rotateColumn. */
function rotationSuite(setup: () => Promise<{ db: Kysely<DB>; schema?: string; create: () => Promise<void> }>): void {
  let db: Kysely<DB>;
  let schema: string | undefined;
  let create: () => Promise<void>;
  const table = () => (schema === undefined ? db : db.withSchema(schema));

  before(async () => ({ db, schema, create } = await setup()));
  after(async () => db?.destroy());

  it('moves every value to the current key in batches; old key removable afterwards; second run is a no-op', async () => {
    await create();
    const plain = new Map<number, string>();
    for (let i = 1; i <= 23; i++) {
      const ssn = i % 5 === 0 ? null : `${100 + i}-45-${6000 + i}`;
      if (ssn !== null) plain.set(i, ssn);
      // Rows 1–3 were already written under the new key (the app switched keys before the job ran).
      const enc = i <= 3 ? both : v1;
      await table().insertInto('secrets').values({ id: i, owner: `user${i}`, ssn: ssn === null ? null : enc.encrypt(ssn, aadOf(i)), email: null, email_bidx: null }).execute();
    }
    const before = await table().selectFrom('secrets').select(['id', 'ssn']).orderBy('id').execute();

    const res = await both.rotateColumn(db, { table: 'secrets', idColumn: 'id', column: 'ssn', aad: aadOf, batchSize: 4, ...(schema ? { schema } : {}) });
    assert.deepEqual(res, { scanned: plain.size, rotated: plain.size - 3, skipped: 0 });

    const rows = await table().selectFrom('secrets').select(['id', 'ssn']).orderBy('id').execute();
    assert.equal(rows.length, 23);
    for (const r of rows) {
      const id = Number(r.id);
      if (!plain.has(id)) { assert.equal(r.ssn, null); continue; }
      assert.equal(both.keyIdOf(r.ssn!), 'k2');
      assert.equal(k2Only.decrypt(r.ssn!, aadOf(r.id)), plain.get(id), 'readable without the old key');
      const old = before.find((b) => Number(b.id) === id)!.ssn!;
      if (id <= 3) assert.equal(r.ssn, old, 'values already under k2 are not rewritten');
      else assert.notEqual(r.ssn, old);
    }

    const again = await both.rotateColumn(db, { table: 'secrets', idColumn: 'id', column: 'ssn', aad: aadOf, batchSize: 4, ...(schema ? { schema } : {}) });
    assert.deepEqual(again, { scanned: plain.size, rotated: 0, skipped: 0 });
    // With only k2, the whole column decrypts: k1 can be deleted from the config.
    const k2Run = await k2Only.rotateColumn(db, { table: 'secrets', idColumn: 'id', column: 'ssn', aad: aadOf, batchSize: 1000, ...(schema ? { schema } : {}) });
    assert.deepEqual(k2Run, { scanned: plain.size, rotated: 0, skipped: 0 });
  });

  it('stops at a value that does not decrypt, names its row, and keeps earlier batches committed', async () => {
    await create();
    for (let i = 1; i <= 10; i++) {
      await table().insertInto('secrets').values({ id: i, owner: `u${i}`, ssn: v1.encrypt(`s${i}`, aadOf(i)), email: null, email_bidx: null }).execute();
    }
    // Row 7 holds row 6's ciphertext: copied between rows, its associated data no longer matches.
    const six = await table().selectFrom('secrets').select('ssn').where('id', '=', 6).executeTakeFirstOrThrow();
    await table().updateTable('secrets').set({ ssn: six.ssn }).where('id', '=', 7).execute();

    await assert.rejects(
      both.rotateColumn(db, { table: 'secrets', idColumn: 'id', column: 'ssn', aad: aadOf, batchSize: 3, ...(schema ? { schema } : {}) }),
      (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.match(e.message, /secrets\.ssn of row (7|"7") could not be decrypted/);
        assert.ok(e.cause instanceof DecryptionError);
        return true;
      },
    );
    const rows = await table().selectFrom('secrets').select(['id', 'ssn']).orderBy('id').execute();
    const keyIds = rows.map((r) => both.keyIdOf(r.ssn!));
    // Batches [1-3] and [4-6] committed; the batch holding row 7 rolled back entirely.
    assert.deepEqual(keyIds, ['k2', 'k2', 'k2', 'k2', 'k2', 'k2', 'k1', 'k1', 'k1', 'k1']);
  });

  it('refuses identifiers outside the pattern before touching the database', async () => {
    await create();
    await table().insertInto('secrets').values({ id: 1, owner: 'x', ssn: v1.encrypt('s', aadOf(1)), email: null, email_bidx: null }).execute();
    const bad: Record<string, string>[] = [
      { table: 'secrets; drop table secrets' }, { table: 'public.secrets' }, { table: '"secrets"' }, { table: '' },
      { column: 'ssn = ssn --' }, { idColumn: '1id' }, { schema: 'x y' }, { column: 'id' },
    ];
    for (const override of bad) {
      await assert.rejects(
        both.rotateColumn(db, { table: 'secrets', idColumn: 'id', column: 'ssn', ...(schema ? { schema } : {}), ...override }),
        TypeError, JSON.stringify(override),
      );
    }
    for (const batchSize of [0, -1, 1.5, 1e9, Number.NaN]) {
      await assert.rejects(both.rotateColumn(db, { table: 'secrets', idColumn: 'id', column: 'ssn', batchSize, ...(schema ? { schema } : {}) }), /batchSize/);
    }
    const row = await table().selectFrom('secrets').select('ssn').executeTakeFirstOrThrow();
    assert.equal(both.keyIdOf(row.ssn!), 'k1', 'nothing was rotated');
  });

  it('a blind index column finds an encrypted e-mail by equality, and only that row', async () => {
    await create();
    const emails = ['alice@example.com', 'bob@example.com', 'carol@example.com', "o'brien@example.com"];
    for (const [i, email] of emails.entries()) {
      const id = i + 1;
      await table().insertInto('secrets').values({
        id, owner: `u${id}`, ssn: null,
        email: both.encrypt(email, ['secrets', 'email', id]), email_bidx: both.blindIndex(email, ['secrets', 'email']),
      }).execute();
    }
    const hit = await table().selectFrom('secrets').select(['id', 'email'])
      .where('email_bidx', '=', both.blindIndex("o'brien@example.com", ['secrets', 'email'])).execute();
    assert.equal(hit.length, 1);
    assert.equal(both.decrypt(hit[0]!.email!, ['secrets', 'email', Number(hit[0]!.id)]), "o'brien@example.com");
    const miss = await table().selectFrom('secrets').select('id').where('email_bidx', '=', both.blindIndex('mallory@example.com', ['secrets', 'email'])).execute();
    assert.equal(miss.length, 0);
    // The stored columns hold no plaintext.
    const dump = JSON.stringify(await table().selectFrom('secrets').selectAll().execute());
    for (const e of emails) assert.ok(!dump.includes(e.split('@')[0]!));
  });
}

describe('rotateColumn on SQLite (temp file)', () => {
  let dir: string | undefined;
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });
  rotationSuite(async () => {
    dir = mkdtempSync(join(tmpdir(), 'phial-enc-'));
    const sqlite = new Database(join(dir, 'app.db'));
    sqlite.pragma('journal_mode = WAL');
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
    const create = async (): Promise<void> => {
      await db.schema.dropTable('secrets').ifExists().execute();
      await db.schema.createTable('secrets')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('ssn', 'text')
        .addColumn('email', 'text')
        .addColumn('email_bidx', 'text')
        .execute();
    };
    return { db, create };
  });
});

describe('rotateColumn on PostgreSQL', { skip: PG_SKIP }, () => {
  const schema = `phial_enc_${randomBytes(6).toString('hex')}`;
  let admin: pg.Client | undefined;
  after(async () => {
    if (!admin) return;
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });
  rotationSuite(async () => {
    admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    // No search_path: every statement, rotateColumn's included, reaches the table through `schema`.
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 4 }) }) });
    const create = async (): Promise<void> => {
      await db.schema.withSchema(schema).dropTable('secrets').ifExists().execute();
      // bigint ids come back as strings from pg: the associated data must not care.
      await db.schema.withSchema(schema).createTable('secrets')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('ssn', 'text')
        .addColumn('email', 'text')
        .addColumn('email_bidx', 'text')
        .execute();
      const t = await sql<{ n: string }>`select count(*) as n from information_schema.tables where table_schema = ${schema} and table_name = 'secrets'`.execute(db);
      assert.equal(Number(t.rows[0]!.n), 1);
    };
    return { db, schema, create };
  });

  it('never overwrites a value the app changed between the batch read and the write (counted as skipped)', async () => {
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 2 }) }) });
    const other = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
    await other.connect();
    try {
      const t = db.withSchema(schema);
      await t.deleteFrom('secrets').execute();
      for (let i = 1; i <= 3; i++) await t.insertInto('secrets').values({ id: i, owner: `u${i}`, ssn: v1.encrypt(`old${i}`, aadOf(i)), email: null, email_bidx: null }).execute();
      // The app writes row 2 in a transaction that is still open: rotateColumn's read sees the old
      // value, its UPDATE waits for the row lock, then finds the value changed.
      const appValue = both.encrypt('new2', aadOf(2));
      await other.query('begin');
      await other.query(`update ${schema}.secrets set ssn = $1 where id = 2`, [appValue]);
      const job = both.rotateColumn(db, { schema, table: 'secrets', idColumn: 'id', column: 'ssn', aad: aadOf });
      const deadline = Date.now() + 5000;
      for (;;) {
        const w = await admin!.query<{ n: string }>(
          "select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query like $1", [`%${schema}%secrets%`]);
        if (Number(w.rows[0]!.n) > 0) break;
        assert.ok(Date.now() < deadline, 'rotateColumn never waited on the row lock');
        await new Promise((r) => setTimeout(r, 20));
      }
      await other.query('commit');
      assert.deepEqual(await job, { scanned: 3, rotated: 2, skipped: 1 });
      const row2 = await t.selectFrom('secrets').select('ssn').where('id', '=', 2).executeTakeFirstOrThrow();
      assert.equal(row2.ssn, appValue, "the app's write survived");
      assert.equal(k2Only.decrypt(row2.ssn!, aadOf(2)), 'new2');
    } finally {
      await other.end();
      await db.destroy();
    }
  });
});
