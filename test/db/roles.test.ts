// Least-privilege PostgreSQL roles made by `phial db roles`: the owner runs migrations, the app role
// can read and write rows but not create, alter, drop or truncate anything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, sql, type Database } from 'phial/db';
import { spawnNode } from '../server/helpers.ts';
import { adminQuery, createPgDatabase, migrationsFolder, PG_SKIP, uniqueName, type TestDatabase } from './helpers.ts';

const MIGRATION_1 = `
export async function up(db) {
  await db.schema.createTable('notes')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    .addColumn('title', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createTable('legacy').addColumn('id', 'serial', (c) => c.primaryKey()).addColumn('v', 'text').execute();
}`;
const MIGRATION_2 = `
export async function up(db) {
  await db.schema.createTable('tags').addColumn('name', 'text', (c) => c.primaryKey()).execute();
}`;

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string[]; stderr: string }> {
  const child = spawnNode(['bin/phial.js', 'db', ...argv], { PHIAL_APP: '', DATABASE_URL: '', ...env });
  const { code } = await child.exited;
  return { code, stdout: child.stdout, stderr: child.stderr.join('\n') };
}

function denied(e: unknown): boolean {
  return (e as { code?: string }).code === '42501';
}

describe('postgres: phial db roles', { skip: PG_SKIP }, () => {
  let target: TestDatabase;
  const owner = uniqueName('phial_owner');
  const appRole = uniqueName('phial_app');
  const outsider = uniqueName('phial_outsider');
  let ownerUrl = '';
  let appUrl = '';
  let folder = '';
  let app: Database<{ notes: { id?: number; title: string } }>;

  before(async () => {
    target = await createPgDatabase();
    folder = migrationsFolder({ '0001_notes.ts': MIGRATION_1 });
  });
  after(async () => {
    await app?.close();
    await target?.drop();
    for (const role of [owner, appRole, outsider]) await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  });

  test('creates both roles with random passwords, printed once in their URLs', async () => {
    const r = await cli(['roles', '--url', target.url, '--owner-role', owner, '--app-role', appRole]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout[0], `created role ${owner}: owner (migrations, \`phial db migrate\`)`);
    assert.match(r.stdout[1]!, new RegExp(`^  postgres://${owner}:[A-Za-z0-9_-]{32}@127\\.0\\.0\\.1:5432/${target.name}$`));
    assert.equal(r.stdout[2], `created role ${appRole}: app (DATABASE_URL of the running app)`);
    assert.match(r.stdout[3]!, new RegExp(`^  postgres://${appRole}:[A-Za-z0-9_-]{32}@127\\.0\\.0\\.1:5432/${target.name}$`));
    ownerUrl = r.stdout[1]!.trim();
    appUrl = r.stdout[3]!.trim();
    const roles = await adminQuery<{ rolname: string; rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean; rolcanlogin: boolean; rolbypassrls: boolean; scram: boolean }>(
      `select rolname, rolsuper, rolcreatedb, rolcreaterole, rolcanlogin, rolbypassrls, rolpassword like 'SCRAM-SHA-256$%' as scram
       from pg_authid where rolname = any($1) order by rolname`, [[owner, appRole]]);
    for (const role of roles) {
      assert.deepEqual({ ...role, rolname: undefined }, { rolname: undefined, rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolcanlogin: true, rolbypassrls: false, scram: true });
    }
  });

  test('the owner runs the migrations', async () => {
    const r = await cli(['migrate', '--migrations', folder], { DATABASE_URL: ownerUrl });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout, ['applied 0001_notes']);
    const owners = await adminQuery<{ tableowner: string }>(`select distinct tableowner from pg_tables where schemaname = 'public'`, [], target.name);
    assert.deepEqual(owners, [{ tableowner: owner }]);
  });

  test('the app role can select, insert, update and delete rows', async () => {
    app = await createDatabase<{ notes: { id?: number; title: string } }>({ url: appUrl, migrations: false }).open();
    const { id } = await app.kysely.insertInto('notes').values({ title: 'hello' }).returning('id').executeTakeFirstOrThrow();
    await app.kysely.updateTable('notes').set({ title: 'hi' }).where('id', '=', id!).execute();
    assert.deepEqual(await app.kysely.selectFrom('notes').select('title').execute(), [{ title: 'hi' }]);
    await sql`insert into legacy (v) values (${'serial columns need the sequence'})`.execute(app.kysely);
    await app.kysely.deleteFrom('notes').execute();
  });

  test('the app role cannot DROP, CREATE (even TEMP), ALTER, TRUNCATE, or write the migrations table', async () => {
    for (const statement of [
      sql`drop table notes`,
      sql`create table evil (id integer)`,
      sql`create temporary table evil (id integer)`,
      sql`alter table notes add column x text`,
      sql`truncate notes`,
      sql`create index evil_idx on notes (title)`,
      sql`insert into phial_migrations (name, applied_at) values ('9999_fake', 'now')`,
      sql`delete from phial_migrations`,
    ]) {
      await assert.rejects(statement.execute(app.kysely), denied, statement.compile(app.kysely).sql);
    }
    assert.equal((await sql`select name from phial_migrations`.execute(app.kysely)).rows.length, 1, 'it may read the migrations table');
  });

  test('tables the owner creates later are usable by the app role (default privileges)', async () => {
    const later = migrationsFolder({ '0001_notes.ts': MIGRATION_1, '0002_tags.ts': MIGRATION_2 });
    assert.equal((await cli(['migrate', '--migrations', later], { DATABASE_URL: ownerUrl })).code, 0);
    await sql`insert into tags (name) values (${'work'})`.execute(app.kysely);
    assert.deepEqual((await sql`select name from tags`.execute(app.kysely)).rows, [{ name: 'work' }]);
    await assert.rejects(sql`drop table tags`.execute(app.kysely), denied);
  });

  test('other roles cannot connect (PUBLIC lost CONNECT); running the setup again changes no password', async () => {
    await adminQuery(`CREATE ROLE ${outsider} LOGIN`);
    await assert.rejects(createDatabase({ url: `postgres://${outsider}@127.0.0.1:5432/${target.name}` }).open(), /permission denied for database/);
    const before = await adminQuery<{ rolpassword: string }>('select rolpassword from pg_authid where rolname = $1', [appRole]);
    const again = await cli(['roles', '--url', target.url, '--owner-role', owner, '--app-role', appRole]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(again.stdout, [
      `updated role ${owner}: owner (migrations, \`phial db migrate\`)`,
      `updated role ${appRole}: app (DATABASE_URL of the running app)`,
      `privileges set on database ${target.name}, schema public`,
    ]);
    assert.deepEqual(await adminQuery('select rolpassword from pg_authid where rolname = $1', [appRole]), before);
    await assert.rejects(sql`drop table notes`.execute(app.kysely), denied, 'still least privilege');
  });

  test('bad role names and SQLite are refused with exit 2', async () => {
    for (const [argv, pattern] of [
      [['--owner-role', 'Bad-Name', '--app-role', 'ok_app'], /owner role: invalid role name "Bad-Name"/],
      [['--owner-role', 'pg_owner', '--app-role', 'ok_app'], /invalid role name "pg_owner"/],
      [['--owner-role', 'same', '--app-role', 'same'], /the app role must differ from the owner role/],
      [['--owner-role', 'postgres', '--app-role', 'ok_app'], /"postgres" is the user running the setup/],
      [['--owner-role', 'x'], /needs --owner-role NAME and --app-role NAME/],
    ] as const) {
      const r = await cli(['roles', '--url', target.url, ...argv]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
    }
    const sqlite = await cli(['roles', '--url', 'sqlite://:memory:', '--owner-role', 'a', '--app-role', 'b']);
    assert.equal(sqlite.code, 2);
    assert.match(sqlite.stderr, /roles are a PostgreSQL feature/);
  });
});
