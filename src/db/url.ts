/**
 * `DATABASE_URL` parsing: one string picks the dialect and every connection setting.
 *
 * Accepted forms:
 * - `sqlite:///abs/path/app.sqlite` — an absolute path (three slashes: empty host, then the path);
 * - `sqlite://relative/app.sqlite` — relative to the app's instance folder (Flask-SQLAlchemy 3's
 *   rule), or to the working directory when there is no app;
 * - `sqlite://:memory:` — a private in-memory database (tests);
 * - `postgres://user:password@host:port/database?sslmode=verify-full` (`postgresql://` too), with
 *   the libpq parameters `sslmode`, `sslrootcert`, `sslcert`, `sslkey`, `host` (a Unix socket
 *   folder) and `application_name`. Any other parameter is refused: a typo such as `sslmod=` must
 *   not silently turn TLS off.
 *
 * Messages never echo a password.
 *
 * @module
 */
import { isAbsolute, resolve } from 'node:path';
import { isLoopbackHost } from '../net/loopback.ts';
import { DatabaseError, quote } from './errors.ts';

/** libpq's `sslmode` values Phial supports (libpq semantics, see {@link PostgresTarget.sslmode}). */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** An SQLite database file (or `:memory:`). */
export interface SqliteTarget {
  readonly dialect: 'sqlite';
  /** Absolute path, or `':memory:'`. */
  readonly path: string;
}

/** A PostgreSQL server and database. */
export interface PostgresTarget {
  readonly dialect: 'postgres';
  /** Host name or IP address, or an absolute Unix socket folder. */
  readonly host: string;
  readonly port: number;
  /** Undefined: node-postgres falls back to `PGUSER`, then the OS user (libpq's rule). */
  readonly user: string | undefined;
  /** Undefined: node-postgres falls back to `PGPASSWORD` and `~/.pgpass`. */
  readonly password: string | undefined;
  readonly database: string;
  /**
   * libpq semantics (PostgreSQL docs, "SSL Support", table 34.1): `disable` plain TCP; `require`
   * encrypted, server not authenticated (unless `sslrootcert` is set, which makes it `verify-ca`,
   * as in libpq); `verify-ca` certificate chain checked; `verify-full` chain and host name
   * checked. Absent means `disable` (node-postgres' default). libpq's `prefer` and `allow` fall
   * back to plain text silently, which node-postgres cannot do, so they are refused.
   */
  readonly sslmode: SslMode;
  readonly sslrootcert: string | undefined;
  readonly sslcert: string | undefined;
  readonly sslkey: string | undefined;
  readonly applicationName: string | undefined;
}

/** A parsed `DATABASE_URL`. */
export type DatabaseTarget = SqliteTarget | PostgresTarget;

const PG_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'host', 'application_name'] as const;
const FORMS = "expected sqlite:///abs/path, sqlite://relative/path, sqlite://:memory: or postgres://user:password@host:port/database";

function decode(setting: string, part: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new DatabaseError('PHIAL_E_DB_URL', setting, `the ${part} has a malformed percent-escape`);
  }
}

function parseSqlite(url: string, setting: string, base: string): SqliteTarget {
  const rest = url.slice('sqlite://'.length);
  if (rest.includes('?') || rest.includes('#')) {
    throw new DatabaseError('PHIAL_E_DB_URL', setting, 'SQLite URLs take no query string or fragment');
  }
  if (rest === ':memory:') return { dialect: 'sqlite', path: ':memory:' };
  const path = decode(setting, 'path', rest);
  if (path === '' || path === '/' || path.endsWith('/')) {
    throw new DatabaseError('PHIAL_E_DB_URL', setting, `the SQLite URL names no file (${FORMS})`);
  }
  if (path.includes('\0')) throw new DatabaseError('PHIAL_E_DB_URL', setting, 'the SQLite path contains a NUL byte');
  return { dialect: 'sqlite', path: isAbsolute(path) ? path : resolve(base, path) };
}

// WHATWG URL refuses credentials without a host (`postgres://user@/db?host=/run/postgresql`,
// libpq's Unix-socket form): parse with a stand-in host, then forget it.
const NO_HOST = 'phial-no-host.invalid';

function parsePostgres(url: string, setting: string): PostgresTarget {
  let u: URL;
  let noHost = false;
  try {
    const m = /^([a-z]+:\/\/)([^/?#]*@)(?=[/?#]|$)/i.exec(url);
    noHost = m !== null;
    u = new URL(m === null ? url : `${m[1]}${m[2]}${NO_HOST}${url.slice(m[0].length)}`);
  } catch {
    throw new DatabaseError('PHIAL_E_DB_URL', setting, `the PostgreSQL URL does not parse (${FORMS})`);
  }
  if (u.hash !== '') throw new DatabaseError('PHIAL_E_DB_URL', setting, 'PostgreSQL URLs take no fragment');
  for (const key of u.searchParams.keys()) {
    if (!(PG_PARAMS as readonly string[]).includes(key)) {
      throw new DatabaseError('PHIAL_E_DB_URL', setting, `unsupported parameter ${quote(key)} (supported: ${PG_PARAMS.join(', ')})`);
    }
    if (u.searchParams.getAll(key).length > 1) {
      throw new DatabaseError('PHIAL_E_DB_URL', setting, `parameter ${quote(key)} is given more than once`);
    }
  }
  const param = (name: (typeof PG_PARAMS)[number]): string | undefined => {
    const v = u.searchParams.get(name);
    return v === null || v === '' ? undefined : v;
  };
  let host = noHost ? '' : u.hostname.replace(/^\[(.*)\]$/, '$1');
  const socketDir = param('host');
  if (socketDir !== undefined) {
    if (host !== '') throw new DatabaseError('PHIAL_E_DB_URL', setting, 'give the host either in the authority or as ?host=, not both');
    if (!isAbsolute(socketDir)) throw new DatabaseError('PHIAL_E_DB_URL', setting, `?host= must be an absolute socket folder, got ${quote(socketDir)}`);
    host = socketDir;
  }
  if (host === '') throw new DatabaseError('PHIAL_E_DB_URL', setting, 'the PostgreSQL URL names no host');
  if (host.includes(',')) throw new DatabaseError('PHIAL_E_DB_URL', setting, 'several hosts in one URL are not supported');
  let port = 5432;
  if (u.port !== '') {
    port = Number(u.port);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new DatabaseError('PHIAL_E_DB_URL', setting, `invalid port ${quote(u.port)}`);
    }
  }
  const user = u.username === '' ? undefined : decode(setting, 'user name', u.username);
  const password = u.password === '' ? undefined : decode(setting, 'password', u.password);
  const path = decode(setting, 'database name', u.pathname.replace(/^\//, ''));
  if (path.includes('/')) throw new DatabaseError('PHIAL_E_DB_URL', setting, `invalid database name ${quote(path)}`);
  const database = path !== '' ? path : user;
  if (database === undefined) throw new DatabaseError('PHIAL_E_DB_URL', setting, 'the PostgreSQL URL names no database (and no user to default to)');
  const mode = param('sslmode') ?? 'disable';
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    const why = mode === 'prefer' || mode === 'allow'
      ? `sslmode=${mode} falls back to plain text without telling anyone; choose ${SSL_MODES.join(', ')}`
      : `unknown sslmode ${quote(mode)} (expected one of ${SSL_MODES.join(', ')})`;
    throw new DatabaseError('PHIAL_E_DB_URL', setting, why);
  }
  return {
    dialect: 'postgres', host, port, user, password, database, sslmode: mode as SslMode,
    sslrootcert: param('sslrootcert'), sslcert: param('sslcert'), sslkey: param('sslkey'),
    applicationName: param('application_name'),
  };
}

/**
 * Parses a database URL.
 *
 * @param url the URL, e.g. `postgres://app@db.internal/app?sslmode=verify-full`
 * @param setting where it came from, for messages (default `'DATABASE_URL'`)
 * @param base the folder relative SQLite paths are resolved against (the app's instance folder)
 * @throws DatabaseError PHIAL_E_DB_URL naming the bad part (scheme, port, parameter, sslmode);
 *   the URL itself is not echoed, since it may hold a password
 */
export function parseDatabaseUrl(url: string, setting = 'DATABASE_URL', base: string = process.cwd()): DatabaseTarget {
  if (typeof url !== 'string' || url.trim() === '') throw new DatabaseError('PHIAL_E_DB_URL', setting, `empty database URL (${FORMS})`);
  if (/[\s\0]/.test(url)) throw new DatabaseError('PHIAL_E_DB_URL', setting, 'the database URL contains white space or a control character');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'sqlite' && url.slice(0, 9).toLowerCase() === 'sqlite://') return parseSqlite(url, setting, base);
  if (scheme === 'postgres' || scheme === 'postgresql') return parsePostgres(url, setting);
  if (scheme === 'sqlite') throw new DatabaseError('PHIAL_E_DB_URL', setting, `SQLite URLs start with sqlite:// (${FORMS})`);
  throw new DatabaseError('PHIAL_E_DB_URL', setting,
    scheme === undefined ? `no scheme (${FORMS})` : `unsupported scheme ${quote(`${scheme}:`)} (${FORMS})`);
}

/** True if the target is on this machine: a loopback address, `localhost` or a Unix socket. */
export function isLocalTarget(target: PostgresTarget): boolean {
  return target.host.startsWith('/') || isLoopbackHost(target.host);
}

/** A URL for logs and messages: the password replaced by `***`. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.dialect === 'sqlite') return target.path === ':memory:' ? 'sqlite://:memory:' : `sqlite://${target.path}`;
  const auth = target.user === undefined ? '' : `${encodeURIComponent(target.user)}${target.password === undefined ? '' : ':***'}@`;
  const host = target.host.startsWith('/') ? '' : target.host.includes(':') ? `[${target.host}]` : target.host;
  const query = target.host.startsWith('/') ? `?host=${target.host}` : target.sslmode === 'disable' ? '' : `?sslmode=${target.sslmode}`;
  return `postgres://${auth}${host}${host === '' ? '' : `:${target.port}`}/${encodeURIComponent(target.database)}${query}`;
}
