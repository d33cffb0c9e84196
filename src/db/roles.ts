/**
 * Least-privilege roles for PostgreSQL (mission document §2.5: "Use database users with the least
 * privileges necessary"; OWASP Database Security Cheat Sheet, "Authentication" and "Permissions").
 *
 * Two login roles per app database:
 * - the **owner** runs migrations: it may connect, create objects in the schema, and owns what it
 *   creates (so it alone can `ALTER` or `DROP` them);
 * - the **app** role is what the running app connects as: `SELECT, INSERT, UPDATE, DELETE` on the
 *   schema's tables and `USAGE, SELECT` on its sequences, through default privileges for tables
 *   the owner creates later, and only `SELECT` on `phial_migrations`. It cannot create, alter,
 *   drop or truncate tables, create temporary tables, or grant anything.
 *
 * Both are `NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`, and `PUBLIC` loses its
 * default `CONNECT` / `TEMPORARY` on the database and `CREATE` on the schema. Everything runs in one
 * transaction and every statement is idempotent, so running the setup again repairs drift.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import { DatabaseError } from './errors.ts';
import { quote } from '../util/quote.ts';
import { MIGRATIONS_TABLE } from './migrations.ts';
import { sql } from './sql.ts';
import type { PostgresTarget } from './url.ts';

/** Options of {@link setupRoles}. */
export interface RolesOptions {
  /** The migration role, e.g. `notes_owner`. */
  ownerRole: string;
  /** The runtime role, e.g. `notes_app`. */
  appRole: string;
  /** Password for the owner. Default: unchanged for an existing role, 32 random characters for a new one. */
  ownerPassword?: string;
  /** Password for the app role, as `ownerPassword`. */
  appPassword?: string;
  /** The schema the app's tables live in. Default `public`. */
  schema?: string;
}

/** One role after {@link setupRoles}. */
export interface RoleResult {
  readonly role: string;
  /** True if the role was created now. */
  readonly created: boolean;
  /** The password set now (given or generated), or undefined when it was left as it was. */
  readonly password: string | undefined;
}

/** What {@link setupRoles} did. */
export interface RolesResult {
  readonly database: string;
  readonly schema: string;
  readonly owner: RoleResult;
  readonly app: RoleResult;
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT';

function checkName(setting: string, name: string): string {
  if (!ROLE_NAME.test(name) || name.startsWith('pg_')) {
    throw new DatabaseError('PHIAL_E_DB_ROLES', setting,
      `invalid role name ${quote(name)}: lower-case letters, digits and _, at most 63, not starting with pg_`);
  }
  return name;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- catalog queries need no app schema
type AnyDb = Kysely<any>;

/**
 * Runs a utility statement (`CREATE ROLE`, `GRANT`…), which PostgreSQL cannot parameterize: the
 * server's own `format()` quotes each argument (`%I` identifier, `%L` literal), the statement comes
 * back as text and runs as is. The templates are constants of this module.
 */
async function utility(db: AnyDb, template: string, ...args: string[]): Promise<void> {
  const values = args.map((a) => sql`${a}::text`);
  const { rows } = await sql<{ q: string }>`select format(${template}, ${sql.join(values)}) as q`.execute(db);
  const statement = rows[0]?.q;
  if (statement === undefined) throw new Error(`format() returned nothing for ${template}`);
  await db.executeQuery(CompiledQuery.raw(statement));
}

async function ensureRole(db: AnyDb, role: string, given: string | undefined): Promise<RoleResult> {
  const { rows } = await sql`select 1 from pg_roles where rolname = ${role}`.execute(db);
  const created = rows.length === 0;
  const password = given ?? (created ? randomBytes(24).toString('base64url') : undefined);
  if (created) await utility(db, `CREATE ROLE %I ${ATTRIBUTES}`, role);
  else await utility(db, `ALTER ROLE %I ${ATTRIBUTES}`, role);
  if (password !== undefined) await utility(db, 'ALTER ROLE %I PASSWORD %L', role, password);
  return { role, created, password };
}

/**
 * Creates or repairs the owner and app roles of the database `target` names, connected as an
 * administrator (a superuser, or on managed services a role with `CREATEROLE` that is a member of
 * the owner role).
 *
 * Passwords travel in a `CREATE/ALTER ROLE` statement, which the server stores hashed
 * (`password_encryption = scram-sha-256`, PostgreSQL 14's default) but may write to its log in
 * clear if `log_statement` is `ddl` or `all`.
 *
 * @throws DatabaseError PHIAL_E_DB_ROLES for an invalid or reserved role name, two equal names, or
 *   a role equal to the connected user; database errors (e.g. permission denied) as thrown
 */
export async function setupRoles(db: AnyDb, target: PostgresTarget, options: RolesOptions): Promise<RolesResult> {
  const owner = checkName('owner role', options.ownerRole);
  const app = checkName('app role', options.appRole);
  const schema = options.schema ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new DatabaseError('PHIAL_E_DB_ROLES', 'schema', `invalid schema name ${quote(schema)}`);
  if (owner === app) throw new DatabaseError('PHIAL_E_DB_ROLES', 'app role', `the app role must differ from the owner role (both ${quote(owner)})`);
  return db.transaction().execute(async (trx) => {
    const me = (await sql<{ u: string }>`select current_user as u`.execute(trx)).rows[0]?.u;
    for (const [setting, role] of [['owner role', owner], ['app role', app]] as const) {
      if (role === me) throw new DatabaseError('PHIAL_E_DB_ROLES', setting, `${quote(role)} is the user running the setup; pick a new role name`);
    }
    const ownerResult = await ensureRole(trx, owner, options.ownerPassword);
    const appResult = await ensureRole(trx, app, options.appPassword);
    // The app role must not inherit the owner's rights through membership.
    if ((await sql`select 1 from pg_auth_members m join pg_roles r on r.oid = m.roleid join pg_roles u on u.oid = m.member
                   where r.rolname = ${owner} and u.rolname = ${app}`.execute(trx)).rows.length > 0) {
      await utility(trx, 'REVOKE %I FROM %I', owner, app);
    }
    const database = target.database;
    await utility(trx, 'REVOKE ALL ON DATABASE %I FROM PUBLIC', database);
    await utility(trx, 'GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', database, owner);
    await utility(trx, 'GRANT CONNECT ON DATABASE %I TO %I', database, app);
    await utility(trx, 'CREATE SCHEMA IF NOT EXISTS %I', schema);
    await utility(trx, 'REVOKE CREATE ON SCHEMA %I FROM PUBLIC', schema);
    await utility(trx, 'GRANT USAGE, CREATE ON SCHEMA %I TO %I', schema, owner);
    await utility(trx, 'GRANT USAGE ON SCHEMA %I TO %I', schema, app);
    // The migrations table is created here, by the owner, so the app role's grant on it can be
    // narrowed to SELECT below (default privileges would give it DML).
    await utility(trx, 'SET LOCAL ROLE %I', owner);
    await utility(trx, 'CREATE TABLE IF NOT EXISTS %I.%I (name varchar(255) PRIMARY KEY, applied_at varchar(32) NOT NULL)', schema, MIGRATIONS_TABLE);
    await trx.executeQuery(CompiledQuery.raw('RESET ROLE'));
    await utility(trx, 'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', owner, schema, app);
    await utility(trx, 'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO %I', owner, schema, app);
    await utility(trx, 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', schema, app);
    await utility(trx, 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', schema, app);
    await utility(trx, 'REVOKE ALL ON %I.%I FROM %I', schema, MIGRATIONS_TABLE, app);
    await utility(trx, 'GRANT SELECT ON %I.%I TO %I', schema, MIGRATIONS_TABLE, app);
    return { database, schema, owner: ownerResult, app: appResult };
  });
}

/** `target` as a URL for `role` (with `password` if given), for the setup's output. */
export function roleUrl(target: PostgresTarget, role: string, password: string | undefined): string {
  const host = target.host.startsWith('/') ? '' : target.host.includes(':') ? `[${target.host}]` : target.host;
  const auth = `${encodeURIComponent(role)}${password === undefined ? '' : `:${encodeURIComponent(password)}`}@`;
  const params = new URLSearchParams();
  if (target.host.startsWith('/')) params.set('host', target.host);
  if (target.sslmode !== 'disable') params.set('sslmode', target.sslmode);
  if (target.sslrootcert !== undefined) params.set('sslrootcert', target.sslrootcert);
  const query = params.toString() === '' ? '' : `?${params.toString()}`;
  return `postgres://${auth}${host}${host === '' ? '' : `:${target.port}`}/${encodeURIComponent(target.database)}${query}`;
}
