/**
 * `phial/db`: SQL through parameterized queries only, on SQLite (embedded, the default) or
 * PostgreSQL, chosen by one `DATABASE_URL`. Kysely builds the queries; `sql` here is Kysely's tag
 * without its string-splicing helpers (see `sql.ts` for why).
 *
 * @example
 * import { Phial } from 'phial';
 * import { createDatabase, type Generated } from 'phial/db';
 *
 * interface DB { notes: { id: Generated<number>; title: string; body: string } }
 * const db = createDatabase<DB>();           // DATABASE_URL, else instance/<name>.sqlite
 *
 * export async function createApp() {
 *   const app = new Phial({ name: 'notes' });
 *   await db.initApp(app);                   // opens now, migrates in development, closes on shutdown
 *   app.get('/api/notes/<int:id>', (req) =>
 *     db.kysely.selectFrom('notes').selectAll().where('id', '=', req.params.id).executeTakeFirstOrThrow());
 *   return app;
 * }
 *
 * Exported: what an app calls or types against. The pieces behind `phial db …` (URL parsing,
 * backup, role setup, migration files) and the audit log's own helpers stay inside.
 *
 * @module
 */
export {
  createDatabase, Database, type DatabaseApp, type DatabaseLogger, type DatabaseOptions, type TransactionOptions,
  type TransactionalView,
} from './database.ts';
export { DatabaseError, type DatabaseErrorCode } from './errors.ts';
export { sql, escapeLike, type SafeSql } from './sql.ts';
export {
  Migrator, type DialectName, type Migration, type MigrationContext, type MigrationStatus, type MigratorOptions,
} from './migrations.ts';
export type { DatabaseTarget, PostgresTarget, SqliteTarget, SslMode } from './url.ts';
export type { SqliteOptions } from './sqlite.ts';
export type { PostgresOptions } from './postgres.ts';
export type { BackupOptions, BackupResult } from './backup.ts';
export {
  FieldEncryption, DecryptionError, DECRYPTION_ERROR_CODE, type KeyMaterial, type Keyring, type FieldAad,
  type FieldEncryptionOptions, type RotateColumnOptions, type RotateColumnResult,
} from './encryption.ts';
export {
  auditLogMigration, recordAudit, listAudit, auditEventFromRequest, formatAuditLine, AUDIT_TABLE, AUDIT_OUTCOMES, AUDIT_LIMITS,
  type AuditOutcome, type AuditSubject, type AuditEvent, type AuditRecord, type AuditLogTable, type AuditRequestLike, type AuditFilter,
} from './audit.ts';
// Types only: the query builder comes from `db.kysely`, raw SQL from `sql` above.
export type {
  Kysely, Transaction, Generated, GeneratedAlways, ColumnType, Selectable, Insertable, Updateable,
  RawBuilder, ExpressionBuilder, IsolationLevel,
} from 'kysely';
