// Backups taken while a writer process commits transactions: `phial db backup` for SQLite (online
// backup API) and the pg_dump command it prints for PostgreSQL. Each backup is restored and must be
// a consistent snapshot: whole transactions only, equal to the source up to its last transaction.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createDatabase, sql, type Kysely } from 'phial/db';
import { spawnNode, spawnTs, type Child } from '../server/helpers.ts';
import { tempDir } from '../helpers.ts';
import { PG_SKIP, createPairTables, prefillPairs, createPgDatabase, createSqliteDatabase, pairState, type TestDatabase } from './helpers.ts';

const WRITER = 'test/db/fixtures/pair-writer.ts';

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnNode(['bin/phial.js', 'db', ...argv], { PHIAL_APP: '', ...env });
  const { code } = await child.exited;
  return { code, stdout: child.stdout.join('\n'), stderr: child.stderr.join('\n') };
}

async function startWriter(url: string, atLeast: number): Promise<Child> {
  const writer = spawnTs(WRITER, [url]);
  await writer.waitFor(/^ready$/);
  await writer.waitFor(new RegExp(`^committed ${atLeast}$`), 30_000);
  return writer;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- compares two test databases
async function rowsUpTo(db: Kysely<any>, maxTx: number): Promise<unknown[]> {
  return (await sql`select tx, part, payload from pairs where tx <= ${maxTx} order by tx, part`.execute(db)).rows;
}

/** The backup holds whole transactions 1..n, `totals` agrees, and the source has the same rows up to n. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- compares two test databases
async function assertConsistentCopy(copy: Kysely<any>, source: Kysely<any>): Promise<number> {
  const state = await pairState(copy);
  assert.deepEqual(state.partial, [], 'no half transaction in the backup');
  assert.ok(state.txs.length > 0);
  assert.deepEqual(state.txs, Array.from({ length: state.txs.length }, (_, i) => i + 1), 'a prefix of the commit order');
  assert.equal(state.total, state.txs.length, 'totals matches the rows: one snapshot');
  const last = state.txs.at(-1)!;
  assert.deepEqual(await rowsUpTo(copy, last), await rowsUpTo(source, last), 'equal to the source up to its last transaction');
  return last;
}

describe('sqlite: phial db backup while a writer runs', () => {
  let writer: Child | undefined;
  after(() => { writer?.proc.kill('SIGKILL'); });

  test('each backup is a checked, consistent, restorable copy; an existing target needs --force', async () => {
    const target: TestDatabase = await createSqliteDatabase();
    const setup = await createDatabase({ url: target.url }).open();
    await createPairTables(setup.kysely);
    await prefillPairs(setup.kysely, 5000); // ~2 MB: the copy takes many steps while the writer commits
    await setup.close();
    writer = await startWriter(target.url, 5050);
    const dir = tempDir();
    const backups: string[] = [];
    for (let i = 0; i < 3; i++) {
      const file = join(dir, `backup-${i}.sqlite`);
      const r = await cli(['backup', file, '--url', target.url]);
      assert.equal(r.code, 0, r.stderr);
      const m = new RegExp(`^backed up sqlite://${target.name} to ${file} \\(\\d+ bytes, (\\d+) pages, integrity ok\\)$`).exec(r.stdout);
      assert.ok(m && Number(m[1]) > 300, r.stdout);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      backups.push(file);
    }
    const refused = await cli(['backup', backups[0]!, '--url', target.url]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^phial: error: target: cannot back up to ".*backup-0\.sqlite": the file exists \(pass --force/);
    assert.equal((await cli(['backup', backups[0]!, '--force', '--url', target.url])).code, 0);
    backups.push(backups.shift()!); // now the newest
    writer.proc.kill('SIGKILL');
    await writer.exited;
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.includes('-wal') || f.includes('-shm')), [], 'no temporary files left');

    const source = await createDatabase({ url: target.url }).open();
    try {
      let previous = 0;
      for (const [i, file] of backups.entries()) {
        // Restoring an SQLite backup is putting the file in place: copy it and open it as the app would.
        const restored = join(dir, `restored-${i}.sqlite`);
        copyFileSync(file, restored);
        assert.ok(!existsSync(`${file}-wal`), 'the backup is a single file');
        const copy = await createDatabase({ url: `sqlite://${restored}` }).open();
        try {
          const last = await assertConsistentCopy(copy.kysely, source.kysely);
          assert.ok(last >= previous, 'later backups hold at least as much');
          previous = last;
          assert.deepEqual((await sql`pragma integrity_check`.execute(copy.kysely)).rows, [{ integrity_check: 'ok' }]);
        } finally {
          await copy.close();
        }
      }
    } finally {
      await source.close();
    }
  });

  test('refusals: missing folder, in-memory source, PostgreSQL URL (prints pg_dump)', async () => {
    const target = await createSqliteDatabase();
    await (await createDatabase({ url: target.url }).open()).close();
    const missing = await cli(['backup', '/nonexistent/dir/b.sqlite', '--url', target.url]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /its folder does not exist/);
    const memory = await createDatabase({ url: 'sqlite://:memory:' }).open();
    await assert.rejects(memory.backup(join(tempDir(), 'm.sqlite')), /in-memory database/);
    await memory.close();
    const pgUrl = 'postgres://app:s3cret@127.0.0.1:1/app';
    const pg = await cli(['backup', '/tmp/x.dump', '--url', pgUrl]);
    // No server answers on port 1: the URL is still parsed and refused before a backup is tried.
    assert.notEqual(pg.code, 0);
    assert.doesNotMatch(pg.stderr, /s3cret/);
  });
});

describe('postgres: the pg_dump command phial db backup prints, while a writer runs', { skip: PG_SKIP }, () => {
  const targets: TestDatabase[] = [];
  let writer: Child | undefined;
  after(async () => {
    writer?.proc.kill('SIGKILL');
    if (writer) await writer.exited;
    for (const t of targets) await t.drop();
  });

  test('dump, restore into a new database, compare', { skip: spawnSync('pg_dump', ['--version']).status === 0 ? false : 'pg_dump is not installed' }, async () => {
    const source = await createPgDatabase('phial_src');
    targets.push(source);
    const setup = await createDatabase({ url: source.url }).open();
    await createPairTables(setup.kysely);
    await prefillPairs(setup.kysely, 5000);
    await setup.close();
    writer = await startWriter(source.url, 5050);
    const file = join(tempDir(), 'app.dump');
    const printed = await cli(['backup', file, '--url', source.url]);
    assert.equal(printed.code, 2, 'phial does not back up PostgreSQL itself');
    const command = /for PostgreSQL run: (pg_dump .*?) \(see docs\/database\.md\)/.exec(printed.stderr)?.[1];
    assert.ok(command, printed.stderr);
    assert.equal(command, `pg_dump --format=custom --file=${file} ${source.url}`);
    const dump = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
    assert.equal(dump.status, 0, dump.stderr);
    writer.proc.kill('SIGKILL');
    await writer.exited;
    writer = undefined;

    const restored = await createPgDatabase('phial_restored');
    targets.push(restored);
    const restore = spawnSync('pg_restore', ['--no-owner', `--dbname=${restored.url}`, file], { encoding: 'utf8' });
    assert.equal(restore.status, 0, restore.stderr);
    const a = await createDatabase({ url: restored.url }).open();
    const b = await createDatabase({ url: source.url }).open();
    try {
      await assertConsistentCopy(a.kysely, b.kysely);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
