// `phial db`: argument errors (exit 2, one line naming the value), runtime failures (exit 1, one
// line), and the commands end to end, in process (runCli) and through bin/phial.js with an app.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers.ts';
import { spawnNode } from '../server/helpers.ts';
import { tempDir } from '../helpers.ts';
import { migrationsFolder } from '../db/helpers.ts';

const WIDGETS = `export async function up(db) { await db.schema.createTable('widgets').addColumn('id', 'integer').execute(); }
export async function down(db) { await db.schema.dropTable('widgets').execute(); }`;

describe('phial db: bad input → exit 2, one line naming the value', () => {
  const empty = mkdtempSync(join(tmpdir(), 'phial-cli-db-'));
  const cases: Array<[argv: string[], pattern: RegExp, cwd?: string]> = [
    [['db'], /missing db command \(migrate, rollback, status, new, backup, roles\)/],
    [['db', 'frob'], /unknown db command 'frob'/],
    [['db', 'migrate', '--bogus'], /unknown option '--bogus'/],
    [['db', 'migrate', 'extra'], /unexpected argument 'extra'/],
    [['db', 'migrate', '--steps', '2'], /unknown option '--steps'/],
    [['db', 'new'], /phial db new needs NAME/],
    [['db', 'new', 'a', 'b', '--migrations', 'x'], /unexpected argument 'b'/],
    [['db', 'new', 'Bad-Name', '--migrations', join(empty, 'm')], /invalid migration name "Bad-Name"/],
    [['db', 'backup'], /phial db backup needs PATH/],
    [['db', 'backup', 'x', '--force=yes'], /option --force takes no value, got 'yes'/],
    [['db', 'rollback', '--steps', '0', '--url', 'sqlite://:memory:'], /invalid value for --steps: '0'/],
    [['db', 'rollback', '--steps', '1e3', '--url', 'sqlite://:memory:'], /invalid value for --steps: '1e3'/],
    [['db', 'status', '--url'], /option --url needs a value/],
    [['db', 'status', '--url', ''], /invalid value for --url: ''/],
    [['db', 'status', '--url', 'mysql://root@db/app'], /url: unsupported scheme "mysql:".*\[PHIAL_E_DB_URL\]/],
    [['db', 'status', '--url', 'postgres://u:pw@h/db?sslmode=prefer'], /sslmode=prefer falls back to plain text/],
    [['db', 'status'], /no database given: pass --app FILE or --url URL, or set PHIAL_APP or DATABASE_URL/, empty],
    [['db', 'status', '--app', 'nope.ts'], /app file not found: 'nope\.ts' \(from --app\)/],
    [['db', 'status', '--app', 'test/fixtures/server/bare-app.ts'], /the app does not use phial\/db/],
    [['db', 'status', '--url', 'sqlite://:memory:', '--migrations', join(empty, 'none')], /migrations: folder ".*none" does not exist \[PHIAL_E_DB_MIGRATION\]/],
    [['--app', 'x.ts', 'db', 'roles', '--url', 'sqlite://:memory:'], /needs --owner-role NAME and --app-role NAME/],
  ];
  for (const [argv, pattern, cwd] of cases) {
    test(`phial ${argv.join(' ')}`, async () => {
      const r = await cli(argv, {}, cwd);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^phial: error: [^\n]+\n$/, 'exactly one line');
      assert.match(r.stderr, pattern);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }

  test('a URL with a password is never echoed', async () => {
    const r = await cli(['db', 'status', '--url', 'postgres://app:Sup3rS3cret@db.example/app?sslmod=verify-full']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unsupported parameter "sslmod"/);
    assert.doesNotMatch(r.stderr, /Sup3rS3cret/);
  });
});

describe('phial db: help and runtime failures', () => {
  test('phial db --help, and phial --help lists db', async () => {
    for (const argv of [['db', '--help'], ['db', 'migrate', '-h'], ['--help', 'db']]) {
      const r = await cli(argv);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Usage: phial db COMMAND \[OPTIONS\]/);
      assert.match(r.stdout, /backup PATH/);
    }
    assert.match((await cli(['--help'])).stdout, /\n {2}db {8}Migrations, backups and roles/);
  });

  test('an unreachable database → exit 1, one line, no password', async () => {
    const r = await cli(['db', 'status', '--url', 'postgres://u:Pw0rdXyz@127.0.0.1:1/db']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^phial: error: url: cannot connect to postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: .*ECONNREFUSED.*\n$/);
    assert.doesNotMatch(r.stderr, /Pw0rdXyz/);
  });

  test('a failing migration → exit 1 with its message; the ones before it stay applied', async () => {
    const folder = migrationsFolder({ '0001_widgets.ts': WIDGETS, '0002_broken.ts': 'export async function up() { throw new Error("column clash"); }' });
    const url = `sqlite://${join(tempDir(), 'f.sqlite')}`;
    const r = await cli(['db', 'migrate', '--url', url, '--migrations', folder]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'phial: error: 0002_broken: up() failed and was rolled back: column clash [PHIAL_E_DB_MIGRATION_FAILED]\n');
    const status = await cli(['db', 'status', '--url', url, '--migrations', folder]);
    assert.match(status.stdout, /\napplied {2}0001_widgets {2}\d{4}-.*\npending {2}0002_broken\n$/);
  });
});

describe('phial db: the commands', () => {
  test('new, status, migrate, migrate again, rollback (in process, --url and --migrations)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    const folder = join(dir, 'migrations');
    const created = await cli(['db', 'new', 'create_widgets', '--migrations', 'migrations'], {}, dir);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, `created ${join(folder, '0001_create_widgets.ts')}\n`);
    writeFileSync(join(folder, '0001_create_widgets.ts'), WIDGETS);
    assert.equal((await cli(['db', 'new', 'seed'], {}, dir)).stdout, `created ${join(folder, '0002_seed.ts')}\n`, './migrations by default');
    const env = { DATABASE_URL: 'sqlite://app.sqlite' };
    const status = await cli(['db', 'status'], env, dir);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(status.stdout, `database:   sqlite://${join(dir, 'app.sqlite')}\nmigrations: ${folder}\npending  0001_create_widgets\npending  0002_seed\n`);
    assert.equal((await cli(['db', 'migrate'], env, dir)).stdout, 'applied 0001_create_widgets\napplied 0002_seed\n');
    assert.equal((await cli(['db', 'migrate'], env, dir)).stdout, `nothing to migrate: sqlite://${join(dir, 'app.sqlite')} is up to date\n`);
    assert.equal((await cli(['db', 'rollback', '--steps', '5'], env, dir)).stdout, 'reverted 0002_seed\nreverted 0001_create_widgets\n');
    assert.equal((await cli(['db', 'rollback'], env, dir)).stdout, 'nothing to roll back: no migration is applied\n');
  });

  test('with the notes app (bin/phial.js): loading it does not migrate; migrate applies; the app then starts clean', async () => {
    const dir = tempDir();
    const env = { DATABASE_URL: `sqlite://${join(dir, 'notes.sqlite')}`, PHIAL_APP: 'examples/notes/app.ts' };
    const run = async (...argv: string[]) => {
      const child = spawnNode(['bin/phial.js', 'db', ...argv], env);
      const { code } = await child.exited;
      return { code, stdout: child.stdout, stderr: child.stderr.join('\n') };
    };
    const before = await run('status');
    assert.equal(before.code, 0, before.stderr);
    assert.deepEqual(before.stdout.slice(2), ['pending  0001_create_notes', 'pending  0002_welcome_notes', 'pending  0003_note_attachments']);
    assert.match(before.stdout[1]!, /^migrations: .*examples\/notes\/migrations$/);
    const migrated = await run('migrate');
    assert.deepEqual(migrated.stdout, ['applied 0001_create_notes', 'applied 0002_welcome_notes', 'applied 0003_note_attachments']);
    const backup = join(dir, 'copy.sqlite');
    assert.equal((await run('backup', backup)).code, 0);
    assert.ok(existsSync(backup));
    assert.ok(readFileSync(backup).subarray(0, 16).toString('latin1').startsWith('SQLite format 3'));
    const after = await run('status');
    assert.ok(after.stdout.slice(2).every((l) => l.startsWith('applied ')), after.stdout.join('\n'));
  });
});
