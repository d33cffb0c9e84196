/**
 * The audit log: an append-only table of security events — who did what, to what, when, from
 * where, and whether it worked (OWASP Logging Cheat Sheet, "which events to log" and "event
 * attributes"; OWASP ASVS V7). Authentication, authorisation failures and administrative actions
 * are written here by the auth work; apps add their own.
 *
 * Append-only is enforced by the database, not by convention: triggers refuse `UPDATE` and
 * `DELETE` (and `TRUNCATE` on PostgreSQL), and on PostgreSQL the app role should hold only
 * `SELECT, INSERT` on the table (see docs/database-security.md). Free-text fields are stored as
 * data, control characters included; {@link formatAuditLine} escapes them when a record is
 * printed, so a forged newline in a user agent cannot forge a log line (CWE-117).
 *
 * @module
 */
import { sql, type ColumnType, type Generated, type Insertable, type Kysely, type Migration, type Transaction } from 'kysely';

/** The table name. Unqualified: on PostgreSQL it resolves through the connection's `search_path`. */
export const AUDIT_TABLE = 'audit_log';

/** How an audited action ended. `denied`: refused by policy (403, lockout); `error`: failed unexpectedly. */
export type AuditOutcome = 'success' | 'failure' | 'denied' | 'error';

/** The outcomes, as the table's CHECK constraint lists them. */
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = Object.freeze(['success', 'failure', 'denied', 'error']);

/**
 * Field caps (UTF-16 code units, except `detailsBytes`: UTF-8 bytes of the JSON text). A longer
 * value is cut and ends in `…`; details over the cap are replaced by `{"truncated":true,"bytes":N}`
 * so the event itself is never lost. The caps keep one client from filling the table with a 1 MB
 * `User-Agent` (OWASP Logging Cheat Sheet: "data to exclude"/"event data sources").
 */
export const AUDIT_LIMITS = Object.freeze({
  actor: 256, action: 100, target: 256, ip: 100, userAgent: 512, requestId: 128, detailsBytes: 8192,
});

/** An actor or target: a user id, name or any identifier; numbers and bigints are stored as text. */
export type AuditSubject = string | number | bigint;

/** One event to record. Only `action` is required. */
export interface AuditEvent {
  /** What happened, a dotted name from code: 1–100 of `A-Z a-z 0-9 _ . : -`, e.g. `auth.login`. */
  readonly action: string;
  /** Default `'success'`. */
  readonly outcome?: AuditOutcome;
  /** Who: the user id or name, `null` for anonymous or system events. */
  readonly actor?: AuditSubject | null;
  /** On what: e.g. `note:42`, a user id, a role name. */
  readonly target?: AuditSubject | null;
  /** The client address (after trusted-proxy resolution, if any). */
  readonly ip?: string | null;
  /** The `User-Agent` header. */
  readonly userAgent?: string | null;
  /** The request id, to join with the access and error logs. */
  readonly requestId?: string | null;
  /**
   * Extra JSON data. Keys that look like credentials (password, secret, token, api key,
   * authorization, cookie, session, csrf, credential, private key) have their values replaced by
   * `"[REDACTED]"` at any depth (OWASP: never log secrets); bigints become strings.
   */
  readonly details?: unknown;
}

/** A stored event as {@link listAudit} and {@link recordAudit} return it. */
export interface AuditRecord {
  /** Increasing with insertion order. */
  readonly id: number;
  /** The database's clock at insert (UTC, millisecond precision on SQLite). */
  readonly occurredAt: Date;
  readonly actor: string | null;
  readonly action: string;
  readonly target: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly requestId: string | null;
  readonly outcome: AuditOutcome;
  /** The parsed JSON details, or `null`. */
  readonly details: unknown;
}

/**
 * The table's Kysely type, for merging into an app's database interface:
 * `interface DB { audit_log: AuditLogTable; … }`. `id` and `occurred_at` are set by the
 * database; nothing is updatable.
 */
export interface AuditLogTable {
  id: Generated<number | string>;
  occurred_at: ColumnType<Date | string, never, never>;
  actor: ColumnType<string | null, string | null, never>;
  action: ColumnType<string, string, never>;
  target: ColumnType<string | null, string | null, never>;
  ip: ColumnType<string | null, string | null, never>;
  user_agent: ColumnType<string | null, string | null, never>;
  request_id: ColumnType<string | null, string | null, never>;
  outcome: ColumnType<string, string, never>;
  details: ColumnType<string | null, string | null, never>;
}

interface AuditDB { audit_log: AuditLogTable }

/**
 * The SQL dialects the audit table supports, told apart by what Kysely compiles (public API only):
 * PostgreSQL numbers its parameters (`$1`), SQLite uses `?` and double-quoted identifiers.
 * @throws {Error} for any other dialect (MySQL, MS SQL)
 */
export function auditDialect<DB>(db: Kysely<DB> | Transaction<DB>): 'postgres' | 'sqlite' {
  const probe = sql`select ${1} from ${sql.id('x')}`.compile(db).sql;
  if (probe === 'select $1 from "x"') return 'postgres';
  if (probe === 'select ? from "x"') return 'sqlite';
  throw new Error('The audit log supports SQLite and PostgreSQL only.');
}

/**
 * The Kysely migration creating `audit_log`, its indexes and the append-only triggers, for SQLite
 * (`BEFORE UPDATE`/`BEFORE DELETE` triggers that `RAISE(ABORT, …)`, a STRICT table) or PostgreSQL
 * (a statement-level `BEFORE UPDATE OR DELETE OR TRUNCATE` trigger raising an exception; run it as
 * the owner role so the app role cannot drop the trigger). All statements are fixed text through
 * Kysely's `sql` tag; nothing is spliced.
 *
 * `down` drops the table only while it is empty: rolling back must not silently destroy an audit
 * trail. Export it (`phial db backup`, `pg_dump -t audit_log`) and drop it by hand instead.
 *
 * @example
 * const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ '0000_audit_log': auditLogMigration, ...mine }) } });
 */
export const auditLogMigration: Migration = Object.freeze({
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = auditDialect(db) === 'postgres' ? postgresUp() : sqliteUp();
    for (const s of statements) await s.execute(db);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    const any = await sql<{ one: number }>`select 1 as one from audit_log limit 1`.execute(db);
    if (any.rows.length > 0) {
      throw new Error('audit_log holds events; rolling back would destroy the audit trail. Export it and drop it by hand.');
    }
    await sql`drop table audit_log`.execute(db);
    if (auditDialect(db) === 'postgres') await sql`drop function audit_log_append_only()`.execute(db);
  },
});

function sqliteUp(): ReturnType<typeof sql>[] {
  return [
    // STRICT: a column declared TEXT holds text, not whatever type was bound.
    sql`create table audit_log (
      id integer primary key autoincrement,
      occurred_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
      actor text,
      action text not null check (length(action) between 1 and 100),
      target text,
      ip text,
      user_agent text,
      request_id text,
      outcome text not null check (outcome in ('success', 'failure', 'denied', 'error')),
      details text check (details is null or json_valid(details))
    ) strict`,
    sql`create index audit_log_occurred_at on audit_log (occurred_at)`,
    sql`create index audit_log_actor on audit_log (actor, id)`,
    sql`create trigger audit_log_no_update before update on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`,
    sql`create trigger audit_log_no_delete before delete on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`,
  ];
}

function postgresUp(): ReturnType<typeof sql>[] {
  return [
    // clock_timestamp(), not now(): now() is the start of the transaction the event was written in.
    sql`create table audit_log (
      id bigint generated always as identity primary key,
      occurred_at timestamptz not null default clock_timestamp(),
      actor text,
      action text not null check (char_length(action) between 1 and 100),
      target text,
      ip text,
      user_agent text,
      request_id text,
      outcome text not null check (outcome in ('success', 'failure', 'denied', 'error')),
      details text
    )`,
    sql`create index audit_log_occurred_at on audit_log (occurred_at)`,
    sql`create index audit_log_actor on audit_log (actor, id)`,
    sql`create function audit_log_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_log is append-only: % refused', tg_op
          using hint = 'Audit events are never changed or removed by the application.';
      end
    $$`,
    // Statement level: refuses even an UPDATE/DELETE that matches no row, and TRUNCATE, which
    // row triggers never see.
    sql`create trigger audit_log_append_only before update or delete or truncate on audit_log
      for each statement execute function audit_log_append_only()`,
  ];
}

const ACTION = /^[A-Za-z0-9_.:-]{1,100}$/;
const SENSITIVE_KEY = /passw(or)?d|secret|token|api[-_]?key|authorization|cookie|session|csrf|credential|private[-_]?key/i;

/**
 * Appends one event. Pass a transaction (`trx`) to make the event commit or roll back with the
 * change it describes; record failures and denials with the plain `db` instead, or the rollback
 * that follows a failure would take its audit event with it.
 *
 * Strings are stored as given except: NUL (U+0000, which PostgreSQL `text` cannot hold) becomes
 * U+FFFD on every database, and values over {@link AUDIT_LIMITS} are cut.
 *
 * @returns the stored record, with the database's `id` and `occurred_at`
 * @throws {TypeError} for an `action` outside `^[A-Za-z0-9_.:-]{1,100}$`, an unknown `outcome`, or
 *   `details` that are not JSON-serialisable (a cycle)
 */
export async function recordAudit<DB>(db: Kysely<DB> | Transaction<DB>, event: AuditEvent): Promise<AuditRecord> {
  const row = auditRow(event);
  const stored = await (db as unknown as Kysely<AuditDB>).insertInto('audit_log').values(row).returningAll().executeTakeFirstOrThrow();
  return toRecord(stored);
}

/** The row `recordAudit` would insert (validated, capped, redacted). @throws {TypeError} as {@link recordAudit} */
function auditRow(event: AuditEvent): Insertable<AuditLogTable> {
  if (event === null || typeof event !== 'object') throw new TypeError('recordAudit: expected an event object');
  if (typeof event.action !== 'string' || !ACTION.test(event.action)) {
    throw new TypeError(`recordAudit: action ${JSON.stringify(String(event.action)).slice(0, 120)} must match ${ACTION.source}`);
  }
  const outcome = event.outcome ?? 'success';
  if (!AUDIT_OUTCOMES.includes(outcome)) {
    throw new TypeError(`recordAudit: outcome must be one of ${AUDIT_OUTCOMES.join(', ')}, got ${JSON.stringify(String(outcome)).slice(0, 60)}`);
  }
  return {
    actor: text(event.actor, AUDIT_LIMITS.actor, 'actor'),
    action: event.action,
    target: text(event.target, AUDIT_LIMITS.target, 'target'),
    ip: text(event.ip, AUDIT_LIMITS.ip, 'ip'),
    user_agent: text(event.userAgent, AUDIT_LIMITS.userAgent, 'userAgent'),
    request_id: text(event.requestId, AUDIT_LIMITS.requestId, 'requestId'),
    outcome,
    details: detailsJson(event.details),
  };
}

function text(v: unknown, max: number, field: string): string | null {
  if (v === undefined || v === null) return null;
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'bigint') s = String(v);
  else throw new TypeError(`recordAudit: ${field} must be a string, number or null, got ${typeof v}`);
  return truncate(s.replace(/\0/g, '\uFFFD'), max);
}

function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // do not split a surrogate pair
  return `${s.slice(0, end)}…`;
}

function detailsJson(details: unknown): string | null {
  if (details === undefined || details === null) return null;
  let json: string | undefined;
  try {
    json = JSON.stringify(details, (key, value: unknown) => {
      if (key !== '' && SENSITIVE_KEY.test(key)) return '[REDACTED]';
      return typeof value === 'bigint' ? value.toString() : value;
    });
  } catch (err) {
    throw new TypeError('recordAudit: details are not JSON-serialisable', { cause: err });
  }
  if (json === undefined) return null; // a function or symbol
  const bytes = Buffer.byteLength(json, 'utf8');
  return bytes > AUDIT_LIMITS.detailsBytes ? JSON.stringify({ truncated: true, bytes }) : json;
}

function toRecord(row: Record<string, unknown>): AuditRecord {
  const at = row.occurred_at;
  let details: unknown = null;
  if (typeof row.details === 'string') {
    try { details = JSON.parse(row.details); } catch { details = row.details; }
  }
  return {
    id: Number(row.id),
    occurredAt: at instanceof Date ? at : new Date(String(at)),
    actor: row.actor as string | null,
    action: row.action as string,
    target: row.target as string | null,
    ip: row.ip as string | null,
    userAgent: row.user_agent as string | null,
    requestId: row.request_id as string | null,
    outcome: row.outcome as AuditOutcome,
    details,
  };
}

/** What {@link auditEventFromRequest} reads from a request; `phial`'s `Request` has it. */
export interface AuditRequestLike {
  /** The client address (`Request.remoteAddr`: the socket peer). */
  readonly remoteAddr: string;
  /** The request id (`Request.id`), also in the access log. */
  readonly id: string;
  header(name: string): string | undefined;
}

/**
 * An event filled from a request: `ip` from `req.remoteAddr`, `userAgent` from the
 * `User-Agent` header, `requestId` from `req.id`. Anything in `event` wins, e.g. an `ip`
 * resolved from `X-Forwarded-For` by a trusted proxy (`remoteAddr` is the socket peer, which
 * behind a reverse proxy is the proxy).
 *
 * @example
 * await recordAudit(db, auditEventFromRequest(req, { action: 'auth.login', actor: username, outcome: 'failure' }));
 */
export function auditEventFromRequest(req: AuditRequestLike, event: AuditEvent): AuditEvent {
  return {
    ip: req.remoteAddr || null,
    userAgent: req.header('user-agent') ?? null,
    requestId: req.id,
    ...event,
  };
}

/** Filters of {@link listAudit}; all optional and combined with AND. */
export interface AuditFilter {
  readonly actor?: AuditSubject;
  readonly action?: string;
  readonly target?: AuditSubject;
  readonly outcome?: AuditOutcome;
  readonly ip?: string;
  readonly requestId?: string;
  /** Events at or after this instant. */
  readonly since?: Date;
  /** Events strictly before this instant. */
  readonly until?: Date;
  /** Keyset paging: only ids below this one (pass the last id of the previous page). */
  readonly beforeId?: number;
  /** 1–1000, default 100. */
  readonly limit?: number;
}

/**
 * Events matching a filter, newest first (by `id`). Values are bound as parameters.
 * @throws {TypeError} for a `limit` outside 1–1000, an invalid `Date`, or a non-integer `beforeId`
 */
export async function listAudit<DB>(db: Kysely<DB> | Transaction<DB>, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  const limit = filter.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) throw new TypeError(`listAudit: limit must be an integer from 1 to 1000, got ${String(limit)}`);
  let q = (db as unknown as Kysely<AuditDB>).selectFrom('audit_log').selectAll();
  const eq = { actor: filter.actor, action: filter.action, target: filter.target, outcome: filter.outcome, ip: filter.ip, request_id: filter.requestId };
  for (const [col, v] of Object.entries(eq) as [keyof typeof eq, AuditSubject | undefined][]) {
    if (v !== undefined) q = q.where(col, '=', String(v));
  }
  // ISO-8601 UTC text: compared as text on SQLite (the stored format), cast to timestamptz on PostgreSQL.
  if (filter.since !== undefined) q = q.where('occurred_at', '>=', isoTime('since', filter.since));
  if (filter.until !== undefined) q = q.where('occurred_at', '<', isoTime('until', filter.until));
  if (filter.beforeId !== undefined) {
    if (!Number.isSafeInteger(filter.beforeId)) throw new TypeError(`listAudit: beforeId must be an integer, got ${String(filter.beforeId)}`);
    q = q.where('id', '<', filter.beforeId);
  }
  const rows = await q.orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => toRecord(r as Record<string, unknown>));
}

function isoTime(name: string, d: unknown): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new TypeError(`listAudit: ${name} must be a valid Date`);
  return d.toISOString();
}

// C0, DEL, C1; line/paragraph separators; bidi and invisible format characters that can make a
// terminal or viewer show text other than what is stored (Trojan Source, CVE-2021-42574); BOM;
// lone surrogates. Matching control characters is the point here.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\0-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Escapes a value for a one-line log: `\` → `\\`, `"` → `\"`, LF/CR/TAB → `\n` `\r` `\t`, other
 * control, bidi and invisible format characters → `\xHH` or `\uHHHH`. The result never contains
 * a line break or a control character, and is reversible.
 */
export function escapeAuditText(s: string): string {
  return s.replace(/[\\"]/g, (c) => `\\${c}`).replace(UNSAFE, (c) => {
    const short = SHORT[c];
    if (short) return short;
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

/**
 * One record as one logfmt-style line, for a terminal, a file or a SIEM shipper:
 *
 * ```text
 * 2025-01-31T12:00:00.000Z id=7 action=auth.login outcome=failure actor="bob\nadmin" target=- ip=203.0.113.9 request_id=1a-2 user_agent="curl/8.5" details="{\"attempt\":3}"
 * ```
 *
 * `-` means NULL; a value is quoted when it is empty, is `-`, or contains a space, `=`, `"`,
 * `\` or an escaped character. Escaping as {@link escapeAuditText}, so stored control characters
 * cannot start a fake line (CWE-117, OWASP Logging Cheat Sheet "event data sanitisation").
 */
export function formatAuditLine(record: AuditRecord): string {
  const details = record.details === null || record.details === undefined ? null : JSON.stringify(record.details);
  const fields: [string, string | null][] = [
    ['id', String(record.id)], ['action', record.action], ['outcome', record.outcome], ['actor', record.actor],
    ['target', record.target], ['ip', record.ip], ['request_id', record.requestId], ['user_agent', record.userAgent],
    ['details', details ?? null],
  ];
  const at = record.occurredAt instanceof Date && !Number.isNaN(record.occurredAt.getTime()) ? record.occurredAt.toISOString() : '-';
  return [at, ...fields.map(([k, v]) => `${k}=${logfmtValue(v)}`)].join(' ');
}

function logfmtValue(v: string | null): string {
  if (v === null) return '-';
  const escaped = escapeAuditText(v);
  return escaped === v && v !== '' && v !== '-' && !/[ =]/.test(v) ? v : `"${escaped}"`;
}
