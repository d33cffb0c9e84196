/**
 * `phial db`: migrations, backups and least-privilege roles for the app's `phial/db` database.
 *
 * The database comes from the app (`--app`, `PHIAL_APP`, or `app.ts` / `app.js` here, loaded as
 * `phial run` loads it; its `db.initApp(app)` call supplies URL and migrations folder), or from
 * `--url` / `DATABASE_URL` without an app. Loading the app never applies its development
 * migrations: this command decides.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readSecretFile } from '../util/secret-file.ts';
import { Database, createDatabase } from '../db/database.ts';
import { DatabaseError, messageOf } from '../db/errors.ts';
import { pgDumpCommand } from '../db/backup.ts';
import { Migrator, createMigrationFile } from '../db/migrations.ts';
import { databaseOf, markCliMigrates } from '../db/registry.ts';
import { roleUrl, setupRoles } from '../db/roles.ts';
import { describeTarget } from '../db/url.ts';
import { UsageError } from './args.ts';
import { loadApp, locateApp } from './discover.ts';

/** Where `runDb` writes and what it reads (the shape of `CliIO` in main.ts). */
export interface DbIO {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env?: Record<string, string | undefined>;
  cwd?: string;
}

const SUBCOMMANDS = ['migrate', 'rollback', 'status', 'new', 'backup', 'roles'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

interface Spec { name: string; alias?: string; value: boolean }

const COMMON: Spec[] = [
  { name: 'app', value: true },
  { name: 'url', value: true },
  { name: 'migrations', value: true },
  { name: 'help', alias: 'h', value: false },
];

const OPTIONS: Record<Subcommand, Spec[]> = {
  migrate: [],
  rollback: [{ name: 'steps', value: true }],
  status: [],
  new: [],
  backup: [{ name: 'force', value: false }],
  roles: [
    { name: 'owner-role', value: true },
    { name: 'app-role', value: true },
    { name: 'schema', value: true },
    { name: 'owner-password-file', value: true },
    { name: 'app-password-file', value: true },
  ],
};

/** The positional argument each subcommand takes, if any. */
const POSITIONAL: Partial<Record<Subcommand, string>> = { new: 'NAME', backup: 'PATH' };

/** The parsed `phial db` command line. */
export interface DbArgs {
  command: Subcommand | 'help';
  values: Map<string, string | true>;
  argument?: string;
}

function show(value: string): string {
  return JSON.stringify(value).replace(/^"|"$/g, "'");
}

/**
 * Parses the arguments after `db` (global options may be among them).
 * @throws UsageError naming the bad token
 */
export function parseDbArgs(argv: readonly string[]): DbArgs {
  let command: Subcommand | undefined;
  let argument: string | undefined;
  const values = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('-') || arg === '-') {
      if (command === undefined) {
        if (!(SUBCOMMANDS as readonly string[]).includes(arg)) {
          throw new UsageError(`unknown db command ${show(arg)} (expected ${SUBCOMMANDS.join(', ')})`);
        }
        command = arg as Subcommand;
      } else if (POSITIONAL[command] !== undefined && argument === undefined) {
        argument = arg;
      } else {
        throw new UsageError(`unexpected argument ${show(arg)}`);
      }
      continue;
    }
    if (arg === '--') throw new UsageError("unexpected argument '--'");
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const token = eq >= 0 ? arg.slice(0, eq) : arg;
    const specs = [...COMMON, ...(command === undefined ? [] : OPTIONS[command])];
    const spec = token.startsWith('--') ? specs.find((s) => s.name === token.slice(2)) : specs.find((s) => s.alias === token.slice(1));
    if (spec === undefined) throw new UsageError(`unknown option ${show(token)}`);
    if (!spec.value) {
      if (eq >= 0) throw new UsageError(`option --${spec.name} takes no value, got ${show(arg.slice(eq + 1))}`);
      values.set(spec.name, true);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`option --${spec.name} needs a value`);
    if (value.trim() === '') throw new UsageError(`invalid value for --${spec.name}: ${show(value)}`);
    values.set(spec.name, value);
  }
  if (values.has('help')) return { command: 'help', values };
  if (command === undefined) throw new UsageError(`missing db command (${SUBCOMMANDS.join(', ')})`);
  const needs = POSITIONAL[command];
  if (needs !== undefined && argument === undefined) throw new UsageError(`phial db ${command} needs ${needs}`);
  return { command, values, argument };
}

function text(args: DbArgs, name: string): string | undefined {
  const v = args.values.get(name);
  return typeof v === 'string' ? v : undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CLI handles any app's database
type AnyDatabase = Database<any>;

interface Resolved {
  db: AnyDatabase;
  migrator: () => Migrator;
  close: () => Promise<void>;
}

/**
 * Whether the app is loaded: `--app`; else, without `--url`, `PHIAL_APP` or `app.ts` / `app.js`
 * here (as `phial run` finds it). Otherwise the URL is `--url` or `DATABASE_URL`(`_FILE`).
 * @throws UsageError when there is neither an app nor a URL
 */
function useApp(args: DbArgs, env: Record<string, string | undefined>, cwd: string): boolean {
  if (text(args, 'app') !== undefined) return true;
  if (text(args, 'url') !== undefined) return false;
  if ((env.PHIAL_APP ?? '') !== '' || existsSync(resolve(cwd, 'app.ts')) || existsSync(resolve(cwd, 'app.js'))) return true;
  if ((env.DATABASE_URL ?? '') !== '' || (env.DATABASE_URL_FILE ?? '') !== '') return false;
  throw new UsageError(`no database given: pass --app FILE or --url URL, or set PHIAL_APP or DATABASE_URL (no app.ts or app.js in ${cwd})`);
}

/** The database (and migrations folder) to work on; see the module comment. */
async function resolveDatabase(args: DbArgs, env: Record<string, string | undefined>, cwd: string): Promise<Resolved> {
  const url = text(args, 'url');
  const folderOption = text(args, 'migrations');
  const folder = folderOption === undefined ? undefined : resolve(cwd, folderOption);
  let appFolder: string | undefined;
  let closeApp = async (): Promise<void> => {};
  if (useApp(args, env, cwd)) {
    const app = await loadApp(locateApp(text(args, 'app'), env, cwd));
    closeApp = () => app.runShutdownHooks();
    const found = databaseOf(app);
    if (!(found instanceof Database)) {
      await closeApp();
      throw new UsageError('the app does not use phial/db (no db.initApp(app) ran); pass --url or set DATABASE_URL');
    }
    if (url === undefined) {
      return {
        db: found,
        migrator: () => (folder === undefined ? found.migrations : new Migrator(found.kysely, { folder, dialect: found.dialect })),
        close: closeApp,
      };
    }
    appFolder = found.migrations.folder;
  }
  let db: AnyDatabase;
  try {
    db = await createDatabase({ url, env, instancePath: cwd, migrations: folder ?? appFolder ?? resolve(cwd, 'migrations') }).open();
  } catch (err) {
    await closeApp();
    throw err;
  }
  return {
    db,
    migrator: () => db.migrations,
    close: async () => { await db.close(); await closeApp(); },
  };
}

/** `new` without --migrations: the app's folder if an app is there, else ./migrations. */
function useAppForFolder(args: DbArgs, env: Record<string, string | undefined>, cwd: string): boolean {
  try {
    return useApp(args, env, cwd);
  } catch {
    return false;
  }
}

function migrationsFolder(args: DbArgs, cwd: string): string | undefined {
  const folder = text(args, 'migrations');
  return folder === undefined ? undefined : resolve(cwd, folder);
}

async function perform(args: DbArgs & { command: Subcommand }, io: DbIO, env: Record<string, string | undefined>, cwd: string): Promise<number> {
  const out = (line: string): void => { io.stdout.write(`${line}\n`); };
  if (args.command === 'new') {
    // Only a folder is needed: no connection unless the folder must come from the app.
    let folder = migrationsFolder(args, cwd);
    if (folder === undefined && !useAppForFolder(args, env, cwd)) folder = resolve(cwd, 'migrations');
    if (folder === undefined) {
      const r = await resolveDatabase(args, env, cwd);
      try { folder = r.migrator().folder; } finally { await r.close(); }
    }
    try {
      out(`created ${createMigrationFile(folder, args.argument ?? '')}`);
    } catch (err) {
      // A bad NAME is a usage mistake (exit 2), like a bad option value.
      if (err instanceof DatabaseError && err.setting === 'name') throw new UsageError(err.detail, { cause: err });
      throw err;
    }
    return 0;
  }
  const steps = text(args, 'steps');
  if (steps !== undefined && !/^[1-9]\d{0,3}$/.test(steps)) throw new UsageError(`invalid value for --steps: ${show(steps)} (expected an integer from 1 to 9999)`);
  if (args.command === 'backup') {
    const target = resolve(cwd, args.argument ?? '');
    const r = await resolveDatabase(args, env, cwd);
    try {
      const t = r.db.target;
      if (t.dialect === 'postgres') {
        throw new UsageError(`phial db backup copies SQLite databases; for PostgreSQL run: ${pgDumpCommand(t, target)} (see docs/database.md)`);
      }
      const result = await r.db.backup(target, { overwrite: args.values.has('force') });
      out(`backed up ${r.db.url} to ${result.path} (${result.bytes} bytes, ${result.pages} pages, integrity ok)`);
      return 0;
    } finally {
      await r.close();
    }
  }
  if (args.command === 'roles') {
    const owner = text(args, 'owner-role');
    const appRole = text(args, 'app-role');
    if (owner === undefined || appRole === undefined) throw new UsageError('phial db roles needs --owner-role NAME and --app-role NAME');
    const ownerFile = text(args, 'owner-password-file');
    const appFile = text(args, 'app-password-file');
    const ownerPassword = ownerFile === undefined ? undefined : readSecretFile('--owner-password-file', resolve(cwd, ownerFile));
    const appPassword = appFile === undefined ? undefined : readSecretFile('--app-password-file', resolve(cwd, appFile));
    const r = await resolveDatabase(args, env, cwd);
    try {
      const t = r.db.target;
      if (t.dialect !== 'postgres') throw new DatabaseError('PHIAL_E_DB_ROLES', 'database', `roles are a PostgreSQL feature; ${r.db.url} is SQLite (protect the file with its permissions)`);
      const result = await setupRoles(r.db.kysely, t, { ownerRole: owner, appRole, ownerPassword, appPassword, schema: text(args, 'schema') });
      for (const [what, role] of [['owner (migrations, `phial db migrate`)', result.owner], ['app (DATABASE_URL of the running app)', result.app]] as const) {
        out(`${role.created ? 'created' : 'updated'} role ${role.role}: ${what}`);
        // A generated password exists nowhere else: show it once, inside the URL to store as a secret.
        if (role.password !== undefined && (role === result.owner ? ownerFile : appFile) === undefined) out(`  ${roleUrl(t, role.role, role.password)}`);
      }
      out(`privileges set on database ${result.database}, schema ${result.schema}`);
      return 0;
    } finally {
      await r.close();
    }
  }
  const r = await resolveDatabase(args, env, cwd);
  try {
    const migrator = r.migrator();
    if (args.command === 'status') {
      const rows = await migrator.status();
      out(`database:   ${r.db.url}`);
      out(`migrations: ${migrator.folder}`);
      if (rows.length === 0) out('no migrations');
      for (const row of rows) out(`${row.state.padEnd(8)} ${row.name}${row.appliedAt === undefined ? '' : `  ${row.appliedAt}`}`);
      return 0;
    }
    if (args.command === 'migrate') {
      const applied = await migrator.migrate();
      for (const name of applied) out(`applied ${name}`);
      if (applied.length === 0) out(`nothing to migrate: ${describeTarget(r.db.target)} is up to date`);
      return 0;
    }
    const reverted = await migrator.rollback(steps === undefined ? 1 : Number(steps));
    for (const name of reverted) out(`reverted ${name}`);
    if (reverted.length === 0) out('nothing to roll back: no migration is applied');
    return 0;
  } finally {
    await r.close();
  }
}

/** Failures of the run itself (exit 1): the database could not be reached, a migration failed. */
function isRuntimeFailure(err: unknown): boolean {
  if (err instanceof DatabaseError) return err.code === 'PHIAL_E_DB_CONNECT' || err.code === 'PHIAL_E_DB_MIGRATION_FAILED';
  const e = err as { name?: unknown; severity?: unknown };
  return e?.name === 'SqliteError' || typeof e?.severity === 'string';
}

/**
 * Runs `phial db …` (`argv` without `db`).
 *
 * @returns 0 on success; 1 when the database cannot be reached, a migration fails, or the database
 *   refuses a statement (one line on stderr, no stack)
 * @throws UsageError and configuration errors (`PHIAL_E_*`), which `runCli` prints and maps to exit 2
 */
export async function runDb(argv: readonly string[], io: DbIO): Promise<number> {
  const args = parseDbArgs(argv);
  if (args.command === 'help') {
    io.stdout.write(DB_HELP);
    return 0;
  }
  markCliMigrates();
  const env = io.env ?? process.env;
  const cwd = io.cwd ?? process.cwd();
  try {
    return await perform(args as DbArgs & { command: Subcommand }, io, env, cwd);
  } catch (err) {
    if (!isRuntimeFailure(err)) throw err;
    io.stderr.write(`phial: error: ${messageOf(err)}\n`);
    return 1;
  }
}

/** `phial db --help`. */
export const DB_HELP = `Usage: phial db COMMAND [OPTIONS]

Commands:
  migrate             Apply pending migrations, each in its own transaction (safe to run
                      twice or from two processes at once).
  rollback            Revert the last applied migration (--steps N: the last N).
  status              List migrations as applied, pending or missing.
  new NAME            Create the migration file NNNN_NAME.ts.
  backup PATH         SQLite: a consistent online copy to PATH, checked (--force replaces
                      PATH). PostgreSQL: prints the pg_dump command to use.
  roles               PostgreSQL: create or repair the owner role (runs migrations) and the
                      app role (SELECT/INSERT/UPDATE/DELETE only), connected as an admin.

Database:
  --app FILE[:NAME]   The app, found as by phial run (default: $PHIAL_APP, app.ts, app.js);
                      its db.initApp(app) settings are used. Its development migrations are
                      not applied on load.
  --url URL           A database URL instead of the app's (prefer DATABASE_URL: command
                      lines are visible to other users). Without an app, $DATABASE_URL.
  --migrations DIR    The migrations folder (default: the app's, else ./migrations).

roles options:
  --owner-role NAME --app-role NAME     Role names (required).
  --schema NAME                         Default public.
  --owner-password-file F --app-password-file F
                      Passwords to set; a new role without one gets a random password,
                      printed once inside its URL.

Exit codes: 0 success, 1 database unreachable or a migration failed, 2 bad usage or configuration.
`;
