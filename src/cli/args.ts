/**
 * Argument parsing for `phial`: a small table-driven parser, so every mistake becomes one line that
 * names the offending token (node:util's parseArgs messages are long and advise `--` escapes).
 *
 * @module
 */
import { PhialError } from '../errors/phial-error.ts';
import { MAX_WORKERS } from '../server/cluster.ts';

/** A command-line mistake; `runCli` prints `phial: error: <message>` and exits 2. */
export class UsageError extends PhialError {
  declare readonly code: 'PHIAL_E_USAGE';
  constructor(message: string, options?: ErrorOptions) { super('PHIAL_E_USAGE', message, options); }
}

/** Sort keys of `phial routes --sort` (Flask's, `match` = registration order). */
export const ROUTE_SORT_KEYS = ['endpoint', 'methods', 'rule', 'match'] as const;
export type RouteSortKey = (typeof ROUTE_SORT_KEYS)[number];

/** The parsed command line. Absent options stay `undefined` so the app's config can supply them. */
export type Parsed =
  | { command: 'help' }
  | { command: 'version' }
  | { command: 'run'; app?: string; host?: string; port?: number; workers?: number }
  | { command: 'routes'; app?: string; allMethods: boolean; json: boolean; sort: RouteSortKey }
  /** `phial db …`: the arguments besides `db`, parsed by `src/cli/db.ts`. */
  | { command: 'db'; argv: string[] };

interface OptionSpec {
  name: string;
  alias?: string;
  value: boolean;
}

const GLOBAL: OptionSpec[] = [
  { name: 'app', value: true },
  { name: 'help', alias: 'h', value: false },
  { name: 'version', alias: 'V', value: false },
];

const COMMANDS: Record<'run' | 'routes', OptionSpec[]> = {
  run: [
    { name: 'host', value: true },
    { name: 'port', alias: 'p', value: true },
    { name: 'workers', alias: 'w', value: true },
  ],
  routes: [
    { name: 'all-methods', value: false },
    { name: 'json', value: false },
    { name: 'sort', alias: 's', value: true },
  ],
};

function show(value: string): string {
  return JSON.stringify(value).replace(/^"|"$/g, "'");
}

function findSpec(token: string, specs: OptionSpec[]): OptionSpec | undefined {
  if (token.startsWith('--')) return specs.find((s) => s.name === token.slice(2));
  return specs.find((s) => s.alias !== undefined && s.alias === token.slice(1));
}

/** Splits argv into option values (by long name) and positionals, against the allowed specs. */
function scan(argv: readonly string[], specs: () => OptionSpec[], onPositional: (token: string) => void): Map<string, string | true> {
  const values = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--' || !arg.startsWith('-') || arg === '-') {
      if (arg === '--') throw new UsageError("unexpected argument '--'");
      onPositional(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const token = eq >= 0 ? arg.slice(0, eq) : arg;
    const spec = findSpec(token, specs());
    if (spec === undefined) throw new UsageError(`unknown option ${show(token)}`);
    if (!spec.value) {
      if (eq >= 0) throw new UsageError(`option --${spec.name} takes no value, got ${show(arg.slice(eq + 1))}`);
      values.set(spec.name, true);
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`option --${spec.name} needs a value`);
      i += 1;
    }
    values.set(spec.name, value);
  }
  return values;
}

function integer(option: string, raw: string, min: number, max: number): number {
  // Digits only: Number() would accept '0x10', '1e3', ' 8 ' and ''.
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`invalid value for --${option}: ${show(raw)} (expected an integer from ${min} to ${max})`);
  }
  return n;
}

function text(values: Map<string, string | true>, name: string): string | undefined {
  const v = values.get(name);
  if (v === undefined || v === true) return undefined;
  if (v.trim() === '' || /\s/.test(v)) throw new UsageError(`invalid value for --${name}: ${show(v)}`);
  return v;
}

/**
 * Parses `phial` arguments (without `node` and the script). Global options (`--app`, `--help`,
 * `--version`) may come before or after the command.
 *
 * @throws UsageError naming the bad token: unknown command/option, missing value, `--port` outside
 *   0..65535, `--workers` outside 1..64, unknown `--sort` key, an extra positional argument.
 */
export function parseArgs(argv: readonly string[]): Parsed {
  const db = dbCommand(argv);
  if (db !== undefined) return db;
  let command: 'run' | 'routes' | undefined;
  const values = scan(
    argv,
    () => (command ? [...GLOBAL, ...COMMANDS[command]] : GLOBAL),
    (token) => {
      if (command !== undefined) throw new UsageError(`unexpected argument ${show(token)}`);
      if (token !== 'run' && token !== 'routes') throw new UsageError(`unknown command ${show(token)}`);
      command = token;
    },
  );
  if (values.has('help')) return { command: 'help' };
  if (values.has('version')) return { command: 'version' };
  if (command === undefined) throw new UsageError('missing command (run, routes or db)');
  const app = text(values, 'app');
  if (command === 'routes') {
    const sort = values.get('sort');
    if (typeof sort === 'string' && !(ROUTE_SORT_KEYS as readonly string[]).includes(sort)) {
      throw new UsageError(`invalid value for --sort: ${show(sort)} (expected one of ${ROUTE_SORT_KEYS.join(', ')})`);
    }
    return {
      command,
      app,
      allMethods: values.has('all-methods'),
      json: values.has('json'),
      sort: typeof sort === 'string' ? (sort as RouteSortKey) : 'endpoint',
    };
  }
  const port = values.get('port');
  const workers = values.get('workers');
  return {
    command,
    app,
    host: text(values, 'host'),
    port: typeof port === 'string' ? integer('port', port, 0, 65_535) : undefined,
    workers: typeof workers === 'string' ? integer('workers', workers, 1, MAX_WORKERS) : undefined,
  };
}

/** `phial [--app FILE] db …`: when the first positional is `db`, the rest (globals included) is its own. */
function dbCommand(argv: readonly string[]): Parsed | undefined {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--app') i += 1;
    else if (!arg.startsWith('-') || arg === '-') {
      return arg === 'db' ? { command: 'db', argv: [...argv.slice(0, i), ...argv.slice(i + 1)] } : undefined;
    }
  }
  return undefined;
}

/** `phial --help`. */
export const HELP = `Usage: phial [--app FILE] COMMAND [OPTIONS]

Commands:
  run       Serve the app (graceful shutdown on SIGTERM/SIGINT).
  routes    List the app's routes.
  db        Migrations, backups and roles of the app's database (phial db --help).

Global options:
  --app FILE[:NAME]   The app module (default: $PHIAL_APP, else app.ts or app.js in the
                      current directory). It must export \`app\`, \`application\`, a default
                      app, a single app, or a createApp()/makeApp() factory; NAME picks one.
  -h, --help          Show this help.
  -V, --version       Show Phial's version.

run options:
  --host HOST         Interface to bind (default: the app's config, 127.0.0.1).
  -p, --port PORT     TCP port, 0-65535 (default: the app's config, 5000).
  -w, --workers N     Worker processes sharing the port, 1-${MAX_WORKERS} (default 1).

routes options:
  --all-methods       Also show HEAD and OPTIONS.
  --json              Print JSON instead of a table.
  -s, --sort KEY      endpoint (default), methods, rule, or match (registration order).

Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration.
`;
