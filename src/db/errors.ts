/**
 * The data layer's errors: one class with stable `PHIAL_E_DB_*` codes, so the CLI, tests and
 * `phial check` match on codes, never on message text.
 *
 * @module
 */
import { PhialError } from '../errors/phial-error.ts';

/** Stable codes carried by {@link DatabaseError}. */
export type DatabaseErrorCode =
  | 'PHIAL_E_DB_URL' // DATABASE_URL (or the `url` option) does not parse or names an unsupported scheme/parameter
  | 'PHIAL_E_DB_OPTION' // an option of createDatabase() is out of range
  | 'PHIAL_E_DB_INSECURE' // production connection to a non-loopback PostgreSQL host without TLS
  | 'PHIAL_E_DB_CONNECT' // the database cannot be opened or reached at startup
  | 'PHIAL_E_DB_STATE' // used before open(), after close(), or opened twice
  | 'PHIAL_E_DB_MIGRATION' // the migrations folder is malformed, a file is missing or out of order, a module is unusable
  | 'PHIAL_E_DB_MIGRATION_FAILED' // a migration's up()/down() threw (and was rolled back), or the lock wait timed out
  | 'PHIAL_E_DB_BACKUP' // the backup target is unusable or the copy failed its check
  | 'PHIAL_E_DB_ROLES'; // least-privilege role setup refused (bad role name, wrong dialect)

/**
 * A data-layer problem. The message names the setting or file at fault and the bad value, but
 * never a password: URLs are shown with their password replaced by `***`.
 *
 * @example
 * try { await db.open() } catch (e) { if (e instanceof DatabaseError && e.code === 'PHIAL_E_DB_CONNECT') … }
 */
export class DatabaseError extends PhialError {
  /** Stable code, `PHIAL_E_DB_*`. */
  declare readonly code: DatabaseErrorCode;
  /** The setting, option or file at fault, e.g. `'DATABASE_URL'`, `'postgres.poolMax'`, `'0002_tags.ts'`. */
  readonly setting: string;
  /** The message without the setting and code, for callers that print their own prefix (the CLI). */
  readonly detail: string;

  /**
   * @param code - one of {@link DatabaseErrorCode}
   * @param setting - the setting, option or file at fault
   * @param detail - what is wrong; URLs only with their password replaced by `***`
   */
  constructor(code: DatabaseErrorCode, setting: string, detail: string, options?: ErrorOptions) {
    super(code, `${setting}: ${detail} [${code}]`, options);
    this.setting = setting;
    this.detail = detail;
  }
}

// url.ts and database.ts import the shared quoting from here.
export { quote } from '../util/quote.ts';

/** The message of any thrown value, on one line. */
export function messageOf(err: unknown): string {
  let m = err instanceof Error ? err.message : String(err);
  // Node reports a failed connect to a name with several addresses (localhost: ::1 and
  // 127.0.0.1) as an AggregateError with an empty message.
  if (m === '' && err instanceof AggregateError) m = err.errors.map(messageOf).join('; ');
  if (m === '') m = String((err as { code?: unknown }).code ?? 'unknown error');
  return m.replace(/\s*\n\s*/g, ' ').trim();
}
