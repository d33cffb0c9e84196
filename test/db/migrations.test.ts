// Migrations on real SQLite and PostgreSQL: up, down, status, failures rolled back, folder checks,
// and initApp's development auto-migration.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createDatabase, DatabaseError, Migrator, sql, type Database } from 'phial/db';
import { createMigrationFile, listMigrationFiles } from '../../src/db/migrations.ts';
import { makeApp, tempDir } from '../helpers.ts';
import { DIALECTS, migrationsFolder, type TestDatabase } from './helpers.ts';

const CREATE = `
export async function up(db, { dialect }) {
  await db.schema.createTable('widgets')
    .addColumn('id', 'integer', (c) => dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .execute();
}
export async function down(db) { await db.schema.dropTable('widgets').execute(); }
`;
const ADD_COLOR = `
export async function up(db) { await db.schema.alterTable('widgets').addColumn('color', 'text').execute(); }
export async function down(db) { await db.schema.alterTable('widgets').dropColumn('color').execute(); }
`;
const SEED = `
export async function up(db) { await db.insertInto('widgets').values({ name: 'sprocket', color: 'red' }).execute(); }
export async function down(db) { await db.deleteFrom('widgets').where('name', '=', 'sprocket').execute(); }
`;
const FAILS = `
export async function up(db) {
  await db.schema.createTable('half_done').addColumn('id', 'integer').execute();
  throw new Error('nope, not today');
}
`;

function migrationError(pattern: RegExp) {
  return (e: unknown): boolean => e instanceof DatabaseError && e.code === 'PHIAL_E_DB_MIGRATION' && pattern.test(e.message);
}

async function tables(db: Database<unknown>): Promise<string[]> {
  const rows = db.dialect === 'postgres'
    ? (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public'`.execute(db.kysely)).rows
    : (await sql<{ name: string }>`select name from sqlite_schema where type = 'table' and name not like 'sqlite_%'`.execute(db.kysely)).rows;
  return rows.map((r) => r.name).sort();
}

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: migrations`, { skip: dialect.skip }, () => {
    const targets: TestDatabase[] = [];
    const dbs: Array<Database<unknown>> = [];
    async function fresh(folder: string): Promise<Database<unknown>> {
      const t = await dialect.create();
      targets.push(t);
      const db = await createDatabase({ url: t.url, migrations: folder }).open();
      dbs.push(db);
      return db;
    }
    after(async () => {
      for (const db of dbs) await db.close();
      for (const t of targets) await t.drop();
    });

    test('status, migrate (twice), rollback step by step', async () => {
      const folder = migrationsFolder({ '0001_create_widgets.ts': CREATE, '0002_add_color.ts': ADD_COLOR, '0003_seed.ts': SEED, 'README.md': '# notes' });
      const db = await fresh(folder);
      const m = db.migrations;
      assert.deepEqual((await m.status()).map((s) => [s.name, s.state]),
        [['0001_create_widgets', 'pending'], ['0002_add_color', 'pending'], ['0003_seed', 'pending']]);
      assert.deepEqual(await tables(db), [], 'status creates nothing');
      assert.deepEqual(await m.migrate(), ['0001_create_widgets', '0002_add_color', '0003_seed']);
      assert.deepEqual(await m.migrate(), [], 'a second run finds nothing to do');
      const status = await m.status();
      assert.ok(status.every((s) => s.state === 'applied' && /^\d{4}-\d\d-\d\dT/.test(s.appliedAt ?? '')));
      assert.deepEqual(await tables(db), ['phial_migrations', 'widgets']);
      assert.deepEqual((await sql`select name, color from widgets`.execute(db.kysely)).rows, [{ name: 'sprocket', color: 'red' }]);
      assert.deepEqual(await m.rollback(), ['0003_seed']);
      assert.deepEqual((await sql`select name from widgets`.execute(db.kysely)).rows, []);
      assert.deepEqual(await m.rollback(5), ['0002_add_color', '0001_create_widgets']);
      assert.deepEqual(await tables(db), ['phial_migrations']);
      assert.deepEqual(await m.rollback(), [], 'nothing left to roll back');
      assert.deepEqual(await m.pending(), ['0001_create_widgets', '0002_add_color', '0003_seed']);
      await assert.rejects(m.rollback(0), RangeError);
    });

    test('a failing migration is rolled back whole and not recorded; earlier ones of the run stay', async () => {
      const folder = migrationsFolder({ '0001_create_widgets.ts': CREATE, '0002_half_done.ts': FAILS, '0003_seed.ts': SEED });
      const db = await fresh(folder);
      await assert.rejects(db.migrations.migrate(), (e: unknown) => e instanceof DatabaseError && e.code === 'PHIAL_E_DB_MIGRATION_FAILED' &&
        /^0002_half_done: up\(\) failed and was rolled back: nope, not today/.test(e.message));
      assert.deepEqual(await tables(db), ['phial_migrations', 'widgets'], 'half_done was rolled back with its migration');
      assert.deepEqual((await db.migrations.status()).map((s) => s.state), ['applied', 'pending', 'pending']);
    });

    test('an applied migration without its file, or a pending one below the last applied, stops the run', async () => {
      const full = migrationsFolder({ '0001_create_widgets.ts': CREATE, '0002_add_color.ts': ADD_COLOR });
      const db = await fresh(full);
      await db.migrations.migrate();
      const shorter = migrationsFolder({ '0001_create_widgets.ts': CREATE, '0003_seed.ts': SEED });
      const m = new Migrator(db.kysely, { folder: shorter, dialect: db.dialect });
      await assert.rejects(m.migrate(), migrationError(/0002_add_color: is recorded as applied but has no file/));
      assert.deepEqual((await m.status()).map((s) => [s.name, s.state]), [['0001_create_widgets', 'applied'], ['0003_seed', 'pending'], ['0002_add_color', 'missing']]);
      await assert.rejects(m.rollback(), migrationError(/0002_add_color: is the last applied migration but has no file/));

      const gap = migrationsFolder({ '0001_create_widgets.ts': CREATE, '0003_other.ts': "export async function up(db) { await db.schema.createTable('other').addColumn('id', 'integer').execute(); }\n" });
      const db2 = await fresh(gap);
      await db2.migrations.migrate();
      writeFileSync(join(gap, '0002_add_color.ts'), ADD_COLOR);
      await assert.rejects(db2.migrations.migrate(), migrationError(/0002_add_color: is pending but the later "0003_other" is already applied; renumber it after 0003/));
      assert.deepEqual(await db2.migrations.pending(), ['0002_add_color'], 'nothing was applied');
    });

    test('a migration without down() cannot be rolled back', async () => {
      const folder = migrationsFolder({ '0001_only_up.ts': "export async function up(db) { await db.schema.createTable('t1').addColumn('id', 'integer').execute(); }\n" });
      const db = await fresh(folder);
      await db.migrations.migrate();
      await assert.rejects(db.migrations.rollback(), migrationError(/0001_only_up: has no down\(\)/));
      assert.deepEqual(await db.migrations.pending(), []);
    });
  });
}

describe('migration folders and files', () => {
  test('names must be NNNN_name.ts; numbers unique; docs, dotfiles and .d.ts are skipped', () => {
    const ok = migrationsFolder({ '0001_a.ts': '', '0002_b.mjs': '', '10000_c.js': '', 'README.md': '', '.keep': '', 'types.d.ts': '' });
    assert.deepEqual(listMigrationFiles(ok).map((f) => f.name), ['0001_a', '0002_b', '10000_c']);
    for (const [bad, pattern] of [
      ['0001-create.ts', /0001-create\.ts: in .* migration files are named NNNN_name\.ts/],
      ['create_things.ts', /create_things\.ts:/],
      ['01_short.ts', /01_short\.ts:/],
      ['0001_Upper.ts', /0001_Upper\.ts:/],
      ['0001_x.sql', /0001_x\.sql:/],
    ] as const) {
      assert.throws(() => listMigrationFiles(migrationsFolder({ [bad]: '' })), migrationError(pattern), bad);
    }
    assert.throws(() => listMigrationFiles(migrationsFolder({ '0001_a.ts': '', '0001_b.ts': '' })), migrationError(/0001_b\.ts: has the same number as "0001_a\.ts"/));
    assert.deepEqual(listMigrationFiles(join(tempDir(), 'absent'), false), []);
    assert.throws(() => listMigrationFiles(join(tempDir(), 'absent')), migrationError(/does not exist/));
  });

  test('modules must export up() (and down, if any, as a function)', async () => {
    const db = await createDatabase({ url: 'sqlite://:memory:' }).open();
    try {
      for (const [source, pattern] of [
        ['export const down = async () => {};', /0001_x: exports no up\(\) function/],
        ['export async function up() {}\nexport const down = 3;', /0001_x: exports down, but it is not a function/],
        ['export async function up( {', /0001_x: cannot import/],
      ] as const) {
        const m = new Migrator(db.kysely, { folder: migrationsFolder({ '0001_x.ts': source }), dialect: 'sqlite' });
        await assert.rejects(m.migrate(), migrationError(pattern));
      }
    } finally {
      await db.close();
    }
  });

  test('lock timeouts must be integers (they end up in SET / PRAGMA statements)', async () => {
    const db = await createDatabase({ url: 'sqlite://:memory:' }).open();
    try {
      for (const bad of [-1, 1.5, Number.NaN, '1; drop table x' as unknown as number]) {
        assert.throws(() => new Migrator(db.kysely, { folder: tempDir(), dialect: 'sqlite', lockTimeout: bad }),
          (e: unknown) => e instanceof DatabaseError && e.code === 'PHIAL_E_DB_OPTION' && /^lockTimeout:/.test(e.message));
      }
    } finally {
      await db.close();
    }
  });

  test('createMigrationFile numbers after the highest file and writes a template that applies', async () => {
    const folder = join(tempDir(), 'created');
    const first = createMigrationFile(folder, 'create_things');
    assert.equal(first, join(folder, '0001_create_things.ts'));
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, '0007_manual.ts'), readFileSync(first, 'utf8'));
    assert.equal(createMigrationFile(folder, 'next_one'), join(folder, '0008_next_one.ts'));
    assert.match(readFileSync(first, 'utf8'), /export const up: Migration\['up'\]/);
    for (const bad of ['Bad', '1x', 'with-dash', '', 'a'.repeat(64), '../escape']) {
      assert.throws(() => createMigrationFile(folder, bad), migrationError(/invalid migration name/), bad);
    }
    writeFileSync(join(folder, '..', 'package.json'), '{"type":"module"}');
    const db = await createDatabase({ url: 'sqlite://:memory:' }).open();
    try {
      assert.deepEqual(await new Migrator(db.kysely, { folder, dialect: 'sqlite' }).migrate(), ['0001_create_things', '0007_manual', '0008_next_one']);
    } finally {
      await db.close();
    }
  });
});

describe('initApp and migrations', () => {
  function appWith(files: Record<string, string>, env: 'development' | 'production') {
    const root = tempDir();
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    mkdirSync(join(root, 'migrations'));
    for (const [name, source] of Object.entries(files)) writeFileSync(join(root, 'migrations', name), source);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => { lines.push(s); } });
    const app = makeApp({ rootPath: root, env, logger, secretKey: 'x'.repeat(8) + 'Q7#mK2$vL9!pR4@tW8zB-h3Nd5&jY6', trustedHosts: ['example.com'] });
    return { app, lines };
  }

  test('development applies pending migrations from <rootPath>/migrations on start, and logs them', async () => {
    const { app, lines } = appWith({ '0001_create_widgets.ts': CREATE }, 'development');
    const db = await createDatabase({ env: {} }).initApp(app);
    try {
      assert.deepEqual(await db.migrations.pending(), []);
      assert.ok(lines.some((l) => /applied database migrations/.test(l) && /0001_create_widgets/.test(l)));
    } finally {
      await app.runShutdownHooks();
    }
  });

  test('production applies nothing and warns about pending migrations; autoMigrate: false applies nothing', async () => {
    const { app, lines } = appWith({ '0001_create_widgets.ts': CREATE }, 'production');
    const db = await createDatabase({ env: {} }).initApp(app);
    try {
      assert.deepEqual(await db.migrations.pending(), ['0001_create_widgets']);
      assert.ok(lines.some((l) => /"level":40/.test(l) && /phial db migrate/.test(l)), lines.join('\n'));
    } finally {
      await app.runShutdownHooks();
    }
    const dev = appWith({ '0001_create_widgets.ts': CREATE }, 'development');
    const off = await createDatabase({ env: {}, autoMigrate: false }).initApp(dev.app);
    try {
      assert.deepEqual(await off.migrations.pending(), ['0001_create_widgets']);
    } finally {
      await dev.app.runShutdownHooks();
    }
  });

  test('a named migrations folder must exist; migrations: false disables them', async () => {
    const { app } = appWith({}, 'development');
    await assert.rejects(createDatabase({ env: {}, migrations: 'db/migrations' }).initApp(app), migrationError(/migrations: folder ".*db\/migrations" does not exist/));
    await app.runShutdownHooks();
    const other = appWith({}, 'development');
    const db = await createDatabase({ env: {}, migrations: false }).initApp(other.app);
    assert.throws(() => db.migrations, migrationError(/migrations: false/));
    await other.app.runShutdownHooks();
  });
});
