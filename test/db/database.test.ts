// createDatabase on real SQLite files and the real PostgreSQL: CRUD, transactions, per-route
// transactions over HTTP, initApp's lifecycle, pragmas, pool limits, timeouts and TLS refusal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { abort } from 'phial';
import { createDatabase, DatabaseError, sql, type Database, type Generated } from 'phial/db';
import { makeApp, tempDir } from '../helpers.ts';
import { DIALECTS, PG_SKIP, createPgDatabase, type TestDatabase } from './helpers.ts';

interface DB {
  items: { id: Generated<number>; name: string; qty: number };
}

async function createItems(db: Database<DB>): Promise<void> {
  await db.kysely.schema.createTable('items')
    .addColumn('id', 'integer', (c) => (db.dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('qty', 'integer', (c) => c.notNull())
    .execute();
}

async function names(db: Database<DB>): Promise<string[]> {
  return (await db.kysely.selectFrom('items').select('name').orderBy('id').execute()).map((r) => r.name);
}

function isDbError(code: string, pattern?: RegExp) {
  return (e: unknown): boolean => e instanceof DatabaseError && e.code === code && (pattern === undefined || pattern.test(e.message));
}

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: queries and transactions`, { skip: dialect.skip }, () => {
    let target: TestDatabase;
    let db: Database<DB>;
    before(async () => {
      target = await dialect.create();
      db = await createDatabase<DB>({ url: target.url }).open();
      await createItems(db);
    });
    after(async () => {
      await db?.close();
      await target?.drop();
    });

    test('CRUD through the typed query builder', async () => {
      const { id } = await db.kysely.insertInto('items').values({ name: 'pen', qty: 2 }).returning('id').executeTakeFirstOrThrow();
      assert.equal(typeof id, 'number');
      await db.kysely.insertInto('items').values([{ name: 'ink', qty: 5 }, { name: 'pad', qty: 1 }]).execute();
      const ink = await db.kysely.selectFrom('items').selectAll().where('name', '=', 'ink').executeTakeFirstOrThrow();
      assert.equal(ink.qty, 5);
      const updated = await db.kysely.updateTable('items').set({ qty: 3 }).where('id', '=', id).executeTakeFirst();
      assert.equal(updated.numUpdatedRows, 1n);
      assert.equal((await db.kysely.selectFrom('items').select('qty').where('id', '=', id).executeTakeFirstOrThrow()).qty, 3);
      const deleted = await db.kysely.deleteFrom('items').where('name', '=', 'pad').executeTakeFirst();
      assert.equal(deleted.numDeletedRows, 1n);
      assert.deepEqual(await names(db), ['pen', 'ink']);
      await db.kysely.deleteFrom('items').execute();
    });

    test('a transaction commits when its function resolves and rolls back when it throws', async () => {
      const value = await db.transaction(async (trx) => {
        await trx.insertInto('items').values({ name: 'kept', qty: 1 }).execute();
        return 42;
      });
      assert.equal(value, 42);
      const boom = new Error('boom');
      await assert.rejects(db.transaction(async (trx) => {
        await trx.insertInto('items').values({ name: 'lost-1', qty: 1 }).execute();
        await trx.insertInto('items').values({ name: 'lost-2', qty: 1 }).execute();
        throw boom;
      }), (e) => e === boom, 'the original error is rethrown');
      // A failing statement (unique violation) rolls back what came before it in the transaction.
      await assert.rejects(db.transaction(async (trx) => {
        await trx.insertInto('items').values({ name: 'lost-3', qty: 1 }).execute();
        await trx.insertInto('items').values({ name: 'kept', qty: 9 }).execute();
      }));
      assert.deepEqual(await names(db), ['kept']);
      await db.kysely.deleteFrom('items').execute();
    });

    test('read-only transactions refuse writes on PostgreSQL and are accepted on SQLite', async () => {
      const write = db.transaction((trx) => trx.insertInto('items').values({ name: 'ro', qty: 1 }).execute(), { accessMode: 'read only' });
      if (db.dialect === 'postgres') await assert.rejects(write, /read-only transaction/);
      else await write;
      await db.kysely.deleteFrom('items').execute();
      const n = await db.transaction(async (trx) => (await trx.selectFrom('items').select('id').execute()).length,
        { accessMode: 'read only', isolationLevel: 'repeatable read' });
      assert.equal(n, 0);
    });

    test('sql`…` sends interpolated values as parameters; the splicing helpers are absent', async () => {
      for (const payload of ["'; DROP TABLE items; --", "' OR 1=1 --", '" UNION SELECT name FROM items --', '/* */', '\\', '%_']) {
        const { rows } = await sql<{ v: string }>`select ${payload} as v`.execute(db.kysely);
        assert.deepEqual(rows, [{ v: payload }]);
      }
      assert.deepEqual(Object.keys(sql).sort(), ['join', 'val']);
      for (const helper of ['raw', 'lit', 'literal', 'id', 'ref', 'table']) assert.equal(helper in sql, false, helper);
      assert.ok(Object.isFrozen(sql));
      const untyped = sql as unknown as (text: unknown) => unknown;
      assert.throws(() => untyped('select 1'), /tagged template/);
      assert.throws(() => untyped(['select 1']), /tagged template/);
      const listed = await sql<{ n: number }>`select count(*) as n from items where name in (${sql.join(['a', "b' or 1=1 --"])})`.execute(db.kysely);
      assert.equal(Number(listed.rows[0]?.n), 0);
    });

    test('a per-route transaction commits on return, rolls back on abort() or an error, keeps the endpoint name', async () => {
      const app = makeApp();
      app.post('/items/<name>', db.transactional(async function addItem(req, trx) {
        const name: string = req.params.name;
        await trx.insertInto('items').values({ name, qty: 1 }).execute();
        if (name.startsWith('conflict')) abort(409, 'That name is taken.');
        if (name.startsWith('crash')) throw new Error('view bug');
        return { added: name };
      }));
      const client = app.testClient();
      try {
        const ok = await client.post('/items/alpha');
        assert.equal(ok.status, 200);
        assert.deepEqual(ok.json(), { added: 'alpha' });
        assert.equal((await client.post('/items/conflict-1')).status, 409);
        assert.equal((await client.post('/items/crash-1')).status, 500);
        assert.deepEqual(await names(db), ['alpha']);
        assert.equal(app.urlFor('addItem', { name: 'x' }), '/items/x');
      } finally {
        await client.close();
        await db.kysely.deleteFrom('items').execute();
      }
    });

    test('using the database before open() or after close() is a clear error', async () => {
      const other = createDatabase<DB>({ url: target.url });
      assert.throws(() => other.kysely, isDbError('PHIAL_E_DB_STATE', /not open yet: await db.initApp\(app\)/));
      await other.open();
      await assert.rejects(other.open(), isDbError('PHIAL_E_DB_STATE', /already open/));
      await other.close();
      await other.close();
      assert.throws(() => other.kysely, isDbError('PHIAL_E_DB_STATE', /closed/));
    });
  });
}

describe('sqlite: file, pragmas and locking', () => {
  test('initApp puts <name>.sqlite in the instance folder (0600), with WAL, foreign keys, FULL sync, busy_timeout', async () => {
    const app = makeApp({ name: 'shop' });
    const db = await createDatabase<DB>({ env: {} }).initApp(app);
    try {
      const file = join(app.config.instancePath, 'shop.sqlite');
      assert.equal(db.url, `sqlite://${file}`);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(statSync(app.config.instancePath).mode & 0o077, 0, 'instance folder is owner-only');
      const row = async (query: ReturnType<typeof sql>): Promise<Record<string, unknown>> => (await query.execute(db.kysely)).rows[0] as Record<string, unknown>;
      assert.deepEqual(await row(sql`pragma journal_mode`), { journal_mode: 'wal' });
      assert.deepEqual(await row(sql`pragma foreign_keys`), { foreign_keys: 1 });
      assert.deepEqual(await row(sql`pragma synchronous`), { synchronous: 2 });
      assert.deepEqual(await row(sql`pragma busy_timeout`), { timeout: 5000 });
      assert.deepEqual(await row(sql`pragma trusted_schema`), { trusted_schema: 0 });
      await sql`create table parent (id integer primary key)`.execute(db.kysely);
      await sql`create table child (parent_id integer not null references parent(id))`.execute(db.kysely);
      await assert.rejects(sql`insert into child values (${7})`.execute(db.kysely), /FOREIGN KEY constraint failed/);
      await assert.rejects(db.initApp(app), isDbError('PHIAL_E_DB_STATE'));
    } finally {
      await app.runShutdownHooks();
    }
    assert.equal(db.isOpen, false, 'onShutdown closed it');
    assert.throws(() => db.kysely, isDbError('PHIAL_E_DB_STATE', /closed/));
  });

  test('a relative sqlite:// URL lives in the instance folder', async () => {
    const app = makeApp();
    const db = await createDatabase({ env: { DATABASE_URL: 'sqlite://data/app.sqlite' } }).initApp(app);
    try {
      assert.equal(db.url, `sqlite://${join(app.config.instancePath, 'data', 'app.sqlite')}`);
      assert.equal(statSync(join(app.config.instancePath, 'data', 'app.sqlite')).isFile(), true);
    } finally {
      await app.runShutdownHooks();
    }
  });

  test('synchronous=normal is an option; a bad option value is refused by name', async () => {
    const db = await createDatabase({ url: `sqlite://${join(tempDir(), 'n.sqlite')}`, sqlite: { synchronous: 'normal', busyTimeout: 250 } }).open();
    try {
      assert.deepEqual((await sql`pragma synchronous`.execute(db.kysely)).rows, [{ synchronous: 1 }]);
      assert.deepEqual((await sql`pragma busy_timeout`.execute(db.kysely)).rows, [{ timeout: 250 }]);
    } finally {
      await db.close();
    }
    assert.throws(() => createDatabase({ sqlite: { synchronous: 'off' as 'full' } }), isDbError('PHIAL_E_DB_OPTION', /sqlite.synchronous: expected 'full' or 'normal', got "off"/));
    assert.throws(() => createDatabase({ sqlite: { busyTimeout: -1 } }), isDbError('PHIAL_E_DB_OPTION', /sqlite.busyTimeout/));
    assert.throws(() => createDatabase({ postgres: { poolMax: 0 } }), isDbError('PHIAL_E_DB_OPTION', /postgres.poolMax/));
    assert.throws(() => createDatabase({ autoMigrate: 'yes' as 'development' }), isDbError('PHIAL_E_DB_OPTION', /autoMigrate/));
  });

  test('write transactions take the write lock at BEGIN (IMMEDIATE); read-only ones do not', async () => {
    const file = join(tempDir(), 'lock.sqlite');
    const db = await createDatabase<DB>({ url: `sqlite://${file}` }).open();
    await createItems(db);
    const other = new BetterSqlite3(file, { timeout: 0 });
    try {
      await db.transaction(async () => {
        assert.throws(() => other.prepare("insert into items (name, qty) values ('x', 1)").run(), /database is locked/);
      });
      await db.transaction(async () => {
        other.prepare("insert into items (name, qty) values ('y', 1)").run();
      }, { accessMode: 'read only' });
      assert.deepEqual(await names(db), ['y']);
    } finally {
      other.close();
      await db.close();
    }
  });

  test('db.kysely inside db.transaction() fails after busy_timeout instead of hanging', async () => {
    const db = await createDatabase<DB>({ url: 'sqlite://:memory:', sqlite: { busyTimeout: 1000 } }).open();
    try {
      await createItems(db);
      const started = Date.now();
      await assert.rejects(db.transaction(async (trx) => {
        await trx.insertInto('items').values({ name: 'inside', qty: 1 }).execute();
        await db.kysely.selectFrom('items').selectAll().execute(); // the mistake: not through trx
      }), isDbError('PHIAL_E_DB_STATE', /held by a transaction of this process; inside db.transaction\(\), query through its trx/));
      assert.ok(Date.now() - started >= 950);
      assert.deepEqual(await names(db), [], 'rolled back');
      const both = await Promise.all([names(db), db.transaction(async (trx) => trx.selectFrom('items').select('id').execute()), names(db)]);
      assert.equal(both.length, 3, 'queued queries still run in turn');
    } finally {
      await db.close();
    }
  });

  test('savepoints of a controlled transaction; booleans bind as 0/1', async () => {
    const db = await createDatabase<DB>({ url: 'sqlite://:memory:' }).open();
    try {
      await createItems(db);
      const trx = await db.kysely.startTransaction().execute();
      await trx.insertInto('items').values({ name: 'a', qty: 1 }).execute();
      const sp = await trx.savepoint('before_b').execute();
      await sp.insertInto('items').values({ name: 'b', qty: 1 }).execute();
      await sp.rollbackToSavepoint('before_b').execute();
      await trx.commit().execute();
      assert.deepEqual(await names(db), ['a']);
      assert.deepEqual((await sql`select ${true} as t, ${false} as f`.execute(db.kysely)).rows, [{ t: 1, f: 0 }]);
    } finally {
      await db.close();
    }
  });

  test('a file that is not a database fails at open, naming the path', async () => {
    const file = join(tempDir(), 'junk.sqlite');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'this is not a database, just some text long enough to fill a header '.repeat(20));
    await assert.rejects(createDatabase({ url: `sqlite://${file}` }).open(), isDbError('PHIAL_E_DB_CONNECT', /junk\.sqlite.*not a database/));
  });

  test('DATABASE_URL_FILE is read as a secret; with DATABASE_URL too it is a conflict', async () => {
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'url'), `sqlite://${join(dir, 'from-file.sqlite')}\n`);
    const db = await createDatabase({ env: { DATABASE_URL_FILE: join(dir, 'url') } }).open();
    assert.equal(db.url, `sqlite://${join(dir, 'from-file.sqlite')}`);
    await db.close();
    await assert.rejects(createDatabase({ env: { DATABASE_URL_FILE: join(dir, 'url'), DATABASE_URL: 'sqlite://x' } }).open(), /both DATABASE_URL and DATABASE_URL_FILE/);
    await assert.rejects(createDatabase({ env: { DATABASE_URL: 'mysql://x' } }).open(), isDbError('PHIAL_E_DB_URL', /^DATABASE_URL: unsupported scheme/));
  });
});

describe('postgres: pool, timeouts, TLS and startup failures', { skip: PG_SKIP }, () => {
  let target: TestDatabase;
  before(async () => { target = await createPgDatabase(); });
  after(async () => { await target?.drop(); });

  test('session settings: statement_timeout, idle_in_transaction_session_timeout, application_name from the app', async () => {
    const app = makeApp({ name: 'billing' });
    const db = await createDatabase({ url: target.url }).initApp(app);
    try {
      const { rows } = await sql<{ st: string; it: string; an: string }>`select current_setting('statement_timeout') as st,
        current_setting('idle_in_transaction_session_timeout') as it, current_setting('application_name') as an`.execute(db.kysely);
      assert.deepEqual(rows, [{ st: '30s', it: '1min', an: 'billing' }]);
    } finally {
      await app.runShutdownHooks();
    }
  });

  test('a statement running past statementTimeout is cancelled by the server (57014)', async () => {
    const db = await createDatabase({ url: target.url, postgres: { statementTimeout: 200 } }).open();
    try {
      const started = Date.now();
      await assert.rejects(sql`select pg_sleep(3)`.execute(db.kysely), (e: unknown) => (e as { code?: string }).code === '57014');
      assert.ok(Date.now() - started < 2000);
      assert.deepEqual((await sql`select 1 as one`.execute(db.kysely)).rows, [{ one: 1 }], 'the connection is usable afterwards');
    } finally {
      await db.close();
    }
  });

  test('the pool never opens more than poolMax connections', async () => {
    const db = await createDatabase({ url: `${target.url}?application_name=pooltest`, postgres: { poolMax: 3 } }).open();
    try {
      const pids = await Promise.all(Array.from({ length: 24 }, () =>
        sql<{ pid: number }>`select pg_backend_pid() as pid, pg_sleep(0.02)`.execute(db.kysely).then((r) => r.rows[0]!.pid)));
      assert.ok(new Set(pids).size <= 3, `used ${new Set(pids).size} connections`);
      const { rows } = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where application_name = 'pooltest'`.execute(db.kysely);
      assert.ok(Number(rows[0]!.n) <= 3);
    } finally {
      await db.close();
    }
  });

  test('an unreachable server fails at startup with PHIAL_E_DB_CONNECT, without the password', async () => {
    const app = makeApp();
    const started = Date.now();
    await assert.rejects(createDatabase({ url: 'postgres://postgres:hunter2secret@127.0.0.1:1/test' }).initApp(app),
      (e: unknown) => isDbError('PHIAL_E_DB_CONNECT', /cannot connect to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test: .*ECONNREFUSED/)(e) &&
        !(e as Error).message.includes('hunter2secret'));
    assert.ok(Date.now() - started < 5000);
  });

  test('sslmode=verify-full is honoured: a server without TLS is refused', async () => {
    await assert.rejects(createDatabase({ url: `${target.url}?sslmode=verify-full` }).open(),
      isDbError('PHIAL_E_DB_CONNECT', /does not support SSL/));
  });

  test('production refuses a plain-text remote connection before connecting; the explicit allow reaches the network', async () => {
    const remote = 'postgres://app:pw@203.0.113.7:5432/app';
    const app = makeApp({ env: 'production', secretKey: 'k'.repeat(16) + 'Zq9!x7#Lm2$vW4pR8sT1', trustedHosts: ['example.com'] });
    await assert.rejects(createDatabase({ url: remote }).initApp(app), isDbError('PHIAL_E_DB_INSECURE', /"203\.0\.113\.7"/));
    await assert.rejects(createDatabase({ url: remote, production: true }).open(), isDbError('PHIAL_E_DB_INSECURE'));
    await assert.rejects(createDatabase({ url: remote, env: { PHIAL_ENV: 'production' } }).open(), isDbError('PHIAL_E_DB_INSECURE'));
    // Allowed: it tries the network (TEST-NET-3 does not answer) and fails on the connection instead.
    await assert.rejects(createDatabase({ url: remote, production: true, env: { PHIAL_DB_ALLOW_UNENCRYPTED: '1' }, postgres: { connectionTimeout: 300 } }).open(),
      isDbError('PHIAL_E_DB_CONNECT'));
    await assert.rejects(createDatabase({ url: remote, production: true, postgres: { allowUnencrypted: true, connectionTimeout: 300 } }).open(),
      isDbError('PHIAL_E_DB_CONNECT'));
    assert.throws(() => createDatabase({ env: { PHIAL_DB_ALLOW_UNENCRYPTED: 'yes' } }), isDbError('PHIAL_E_DB_OPTION', /PHIAL_DB_ALLOW_UNENCRYPTED/));
  });
});
