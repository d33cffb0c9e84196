/**
 * PostgreSQL through node-postgres: the bounded pool, its timeouts, and TLS from libpq's
 * `sslmode` parameters, with the production rule that a remote server is never reached in
 * plain text unless the operator says so.
 *
 * node-postgres itself is imported when the first connection is made, so an app on the embedded
 * SQLite default never loads it.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { DatabaseError, messageOf } from './errors.ts';
import { quote } from '../util/quote.ts';
import { describeTarget, isLocalTarget, type PostgresTarget } from './url.ts';

/** PostgreSQL settings of {@link createDatabase}. */
export interface PostgresOptions {
  /** Most connections the pool opens. Default 10 (node-postgres' default): keep workers × poolMax below the server's `max_connections`. */
  poolMax?: number;
  /**
   * ms after which the server cancels a statement (`statement_timeout`, error 57014). Default
   * 30 000: a runaway query must not hold a connection and its locks forever. 0 disables it.
   */
  statementTimeout?: number;
  /**
   * ms a session may sit idle inside a transaction before the server ends it
   * (`idle_in_transaction_session_timeout`), releasing its locks. Default 60 000; 0 disables it.
   */
  idleInTransactionTimeout?: number;
  /** ms to wait for a connection (TCP, TLS and authentication, or a free pool slot). Default 5000. */
  connectionTimeout?: number;
  /** ms an unused pooled connection stays open. Default 10 000. */
  idleTimeout?: number;
  /**
   * Allow a production connection to a non-loopback host without TLS (`sslmode=disable` or none).
   * Default false; `PHIAL_DB_ALLOW_UNENCRYPTED=1` in the environment does the same. Only for a
   * network path protected otherwise (a private container network, a WireGuard or IPsec tunnel).
   */
  allowUnencrypted?: boolean;
}

/** The resolved settings. */
export type ResolvedPostgresOptions = Readonly<Required<PostgresOptions>>;

function readPemFile(param: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new DatabaseError('PHIAL_E_DB_URL', 'DATABASE_URL', `cannot read ${param}=${quote(path)}: ${messageOf(err)}`, { cause: err });
  }
}

/**
 * node:tls options for a target, following libpq's `sslmode` table. `sslrootcert=system` (as in
 * libpq 16) or no `sslrootcert` trusts Node's bundled public CAs; a private CA needs its PEM file.
 *
 * @returns `false` for `sslmode=disable`
 * @throws DatabaseError PHIAL_E_DB_URL when a certificate or key file cannot be read
 */
export function tlsOptions(target: PostgresTarget): false | ConnectionOptions {
  if (target.sslmode === 'disable') return false;
  const tls: ConnectionOptions = {};
  if (target.sslrootcert !== undefined && target.sslrootcert !== 'system') tls.ca = readPemFile('sslrootcert', target.sslrootcert);
  if (target.sslcert !== undefined) tls.cert = readPemFile('sslcert', target.sslcert);
  if (target.sslkey !== undefined) tls.key = readPemFile('sslkey', target.sslkey);
  const verifyChain = target.sslmode !== 'require' || target.sslrootcert !== undefined;
  tls.rejectUnauthorized = verifyChain;
  // verify-ca (and require with a root certificate, as in libpq) check the chain, not the name.
  if (verifyChain && target.sslmode !== 'verify-full') tls.checkServerIdentity = () => undefined;
  return tls;
}

/**
 * Enforces the transport rule: in production, a non-loopback, non-socket host needs TLS unless
 * `allowUnencrypted` (or `PHIAL_DB_ALLOW_UNENCRYPTED=1`) is set (OWASP ASVS 4.0 V9.2.2: encrypted
 * connections to back-end components such as databases).
 *
 * @returns a warning to log, or undefined: TLS without server authentication (`require`) in
 *   production, or an allowed plain-text connection
 * @throws DatabaseError PHIAL_E_DB_INSECURE naming the host
 */
export function checkTransport(target: PostgresTarget, production: boolean, allowUnencrypted: boolean, setting = 'DATABASE_URL'): string | undefined {
  if (isLocalTarget(target) || !production) return undefined;
  if (target.sslmode === 'disable') {
    if (allowUnencrypted) return `unencrypted connection to ${target.host} allowed by allowUnencrypted`;
    throw new DatabaseError('PHIAL_E_DB_INSECURE', setting,
      `refusing a plain-text connection to ${quote(target.host)} in production: add ?sslmode=verify-full ` +
      '(and sslrootcert=/path/ca.pem for a private CA), or set PHIAL_DB_ALLOW_UNENCRYPTED=1 / allowUnencrypted if the network is protected otherwise');
  }
  if (target.sslmode === 'require' && target.sslrootcert === undefined) {
    return `sslmode=require encrypts the connection to ${target.host} but does not authenticate the server; use sslmode=verify-full`;
  }
  return undefined;
}

/**
 * A bounded node-postgres pool for `target`, as the factory Kysely's `PostgresDialect` calls on
 * its first connection: node-postgres is imported then. Every connection setting comes from the
 * target, so `PGHOST`, `PGSSLMODE` and friends cannot override the URL (only `PGPASSWORD` /
 * `~/.pgpass` supply a password the URL leaves out, and `PGUSER` a user). Errors of idle
 * connections (server restart, network cut) go to `onIdleError` instead of crashing the process.
 *
 * @throws DatabaseError PHIAL_E_DB_URL now, not at the first connection, when a certificate or
 *   key file of the URL cannot be read
 */
export function createPool(
  target: PostgresTarget, options: ResolvedPostgresOptions, applicationName: string, onIdleError: (err: Error) => void,
): () => Promise<pg.Pool> {
  const config: pg.PoolConfig = {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: tlsOptions(target),
    max: options.poolMax,
    connectionTimeoutMillis: options.connectionTimeout,
    idleTimeoutMillis: options.idleTimeout,
    // Sent as startup parameters, so they are the session defaults `RESET` returns to.
    statement_timeout: options.statementTimeout,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeout,
    application_name: target.applicationName ?? applicationName,
    keepAlive: true,
  };
  return async () => {
    const { default: driver } = await import('pg');
    const pool = new driver.Pool(config);
    pool.on('error', onIdleError);
    return pool;
  };
}

/** A one-line description of a failed connection, without the password. */
export function connectError(target: PostgresTarget, err: unknown, setting = 'DATABASE_URL'): DatabaseError {
  return new DatabaseError('PHIAL_E_DB_CONNECT', setting, `cannot connect to ${describeTarget(target)}: ${messageOf(err)}`, { cause: err });
}
