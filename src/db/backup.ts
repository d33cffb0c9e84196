/**
 * Online backups of SQLite databases with SQLite's backup API (through better-sqlite3's
 * `db.backup()`): a page-by-page copy that is a consistent snapshot even while other connections
 * and processes write. When the source changes between two steps, SQLite restarts the copy, so
 * after the first small step the rest is copied in one step (one read transaction).
 *
 * PostgreSQL backups are `pg_dump`'s job (consistent through one snapshot, restorable across
 * versions); {@link pgDumpCommand} prints the command for the app's URL.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { DatabaseError, messageOf } from './errors.ts';
import { quote } from '../util/quote.ts';
import { describeTarget, type PostgresTarget } from './url.ts';

/** What {@link backupSqlite} copied. */
export interface BackupResult {
  /** Absolute path of the backup file. */
  readonly path: string;
  /** Size of the backup, bytes. */
  readonly bytes: number;
  /** Pages copied (of the database's page size). */
  readonly pages: number;
}

/** Options of {@link backupSqlite}. */
export interface BackupOptions {
  /** Replace an existing file at the target path. Default false. */
  overwrite?: boolean;
}

/**
 * Copies an open SQLite database to `target` with the online backup API, then checks the copy with
 * `PRAGMA integrity_check`. The copy is written beside the target under a temporary name, fsynced
 * and renamed into place, so `target` is either absent or a complete, checked database; it is
 * created owner-only (0600) since it holds the same data as the source.
 *
 * @param source an open better-sqlite3 database (any connection to the file, e.g. the app's)
 * @param target path of the backup file; its folder must exist
 * @throws DatabaseError PHIAL_E_DB_BACKUP when the target exists (without `overwrite`), its folder
 *   is missing, the copy fails, or the copy fails its integrity check
 */
export async function backupSqlite(source: BetterSqlite3.Database, target: string, options: BackupOptions = {}): Promise<BackupResult> {
  const fail = (why: string, cause?: unknown): DatabaseError =>
    new DatabaseError('PHIAL_E_DB_BACKUP', 'target', `cannot back up to ${quote(target)}: ${why}`, cause === undefined ? undefined : { cause });
  if (source.memory) throw fail('the source is an in-memory database');
  const folder = dirname(target);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw fail('its folder does not exist');
  if (existsSync(target) && !options.overwrite) throw fail('the file exists (pass --force / overwrite to replace it)');
  if (existsSync(target) && !statSync(target).isFile()) throw fail('it is not a regular file');
  const temp = join(folder, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    closeSync(openSync(temp, 'wx', 0o600));
    const { totalPages } = await source.backup(temp, {
      // Steps of 100 pages, then everything at once: a restart (another connection wrote between
      // steps) costs at most one step, and the final copy happens in a single read transaction.
      progress: () => 1 << 30,
    });
    const copy = new BetterSqlite3(temp, { fileMustExist: true });
    try {
      const check = String(copy.pragma('integrity_check', { simple: true }));
      if (check !== 'ok') throw fail(`the copy failed its integrity check: ${check}`);
      // A stand-alone file: fold any WAL into the main file so the copy is one file to move around.
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    chmodSync(temp, 0o600);
    const fd = openSync(temp, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
    renameSync(temp, target);
    return { path: target, bytes: statSync(target).size, pages: totalPages };
  } catch (err) {
    rmSync(temp, { force: true });
    rmSync(`${temp}-wal`, { force: true });
    rmSync(`${temp}-shm`, { force: true });
    if (err instanceof DatabaseError) throw err;
    throw fail(messageOf(err), err);
  }
}

/**
 * The `pg_dump` command that backs up `target` in the custom format (compressed, restorable with
 * `pg_restore`, one consistent snapshot). The password is not printed: `pg_dump` takes it from
 * `PGPASSWORD` or `~/.pgpass`, or run it with `"$DATABASE_URL"` as the last argument instead.
 */
export function pgDumpCommand(target: PostgresTarget, file: string): string {
  const url = describeTarget(target).replace(':***@', '@');
  return `pg_dump --format=custom --file=${shellQuote(file)} ${shellQuote(url)}`;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@=?-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
