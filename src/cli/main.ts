/**
 * The `phial` command line: `phial run`, `phial routes`, `phial db`, `phial --help`, `phial --version`.
 * `bin/phial.js` calls `main()`; tests call `runCli()`.
 *
 * @module
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runWorkers } from '../server/cluster.ts';
import { serve } from '../server/serve.ts';
import type { RunningServer } from '../server/types.ts';
import { HELP, parseArgs, UsageError } from './args.ts';
import type { Parsed } from './args.ts';
import { AppImportError, hasPhialCode, loadApp, locateApp } from './discover.ts';
import type { CliApp } from './discover.ts';
import { formatRoutes } from './routes.ts';

/** Where `runCli` writes and what it reads instead of the process globals. */
export interface CliIO {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  /** Default `process.env` (read: `PHIAL_APP`). */
  env?: Record<string, string | undefined>;
  /** Default `process.cwd()`; relative `--app` paths and the `app.ts`/`app.js` lookup start here. */
  cwd?: string;
}

interface Outcome {
  code: number;
  /** True once `run` serves: the process must stay up (its signal handler ends it). */
  keepAlive: boolean;
}

function version(): string {
  // src/cli/main.ts and dist/cli/main.js are both two levels below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return String(pkg.version);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Prints `err` and returns the exit code: 2 for usage/configuration, 1 for the rest. Errors are
 * told apart by class or by stable code, never by message text.
 */
function report(err: unknown, io: CliIO): number {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  if (e instanceof UsageError) {
    io.stderr.write(`phial: error: ${oneLine(e.message)}\n`);
    return 2;
  }
  if (hasPhialCode(code)) {
    const message = oneLine(e.message);
    io.stderr.write(`phial: error: ${message.includes(code) ? message : `${message} (${code})`}\n`);
    return 2;
  }
  if (e instanceof AppImportError || e.name === 'AppImportError') {
    // A bug in the app module: its stack is the useful part.
    const cause = e.cause instanceof Error ? e.cause : undefined;
    io.stderr.write(`phial: error: ${oneLine(e.message)}\n${cause?.stack ?? ''}\n`);
    return 1;
  }
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && (e as { syscall?: unknown }).syscall === 'listen') {
    const where = e as { address?: unknown; port?: unknown };
    io.stderr.write(`phial: error: cannot listen on ${String(where.address)}:${String(where.port)} (${code})\n`);
    return 1;
  }
  io.stderr.write(`phial: error: ${oneLine(e.message)}\n${e.stack ?? ''}\n`);
  return 1;
}

function banner(io: CliIO, running: RunningServer): void {
  io.stderr.write(` * Running on ${running.url} (pid ${process.pid}; press CTRL+C to quit)\n`);
}

async function run(parsed: Extract<Parsed, { command: 'run' }>, io: CliIO): Promise<void> {
  const app = await loadApp(locateApp(parsed.app, io.env ?? process.env, io.cwd ?? process.cwd()));
  const workers = parsed.workers ?? 1;
  if (typeof app.listen === 'function') {
    // Phial.listen() runs the production checks (secret key, trusted hosts on a public bind) first.
    const running = await app.listen({ host: parsed.host, port: parsed.port, workers });
    if (running !== undefined) banner(io, running);
    else io.stderr.write(` * ${workers} workers started (primary pid ${process.pid}; press CTRL+C to quit)\n`);
    return;
  }
  await serveBare(app, parsed, workers, io);
}

/** For an app without `listen()` (any `ServableApp`): serve it directly, in workers if asked. */
async function serveBare(app: CliApp, parsed: { host?: string; port?: number }, workers: number, io: CliIO): Promise<void> {
  const host = parsed.host ?? app.config.host ?? '127.0.0.1';
  const port = parsed.port ?? app.config.port ?? 5000;
  const start = async (): Promise<void> => banner(io, await serve(app, { host, port }));
  if (workers === 1) return start();
  await runWorkers(workers, { logger: app.logger, shutdownTimeout: app.config.server.shutdownTimeout, start });
}

async function routes(parsed: Extract<Parsed, { command: 'routes' }>, io: CliIO): Promise<void> {
  const app = await loadApp(locateApp(parsed.app, io.env ?? process.env, io.cwd ?? process.cwd()));
  if (typeof app.describeRoutes !== 'function') throw new UsageError('the app has no describeRoutes(); cannot list routes');
  io.stdout.write(formatRoutes(app.describeRoutes(), parsed));
}

async function execute(argv: readonly string[], io: CliIO): Promise<Outcome> {
  try {
    const parsed = parseArgs(argv);
    switch (parsed.command) {
      case 'help':
        io.stdout.write(HELP);
        return { code: 0, keepAlive: false };
      case 'version':
        io.stdout.write(`phial ${version()} (Node.js ${process.version})\n`);
        return { code: 0, keepAlive: false };
      case 'routes':
        await routes(parsed, io);
        return { code: 0, keepAlive: false };
      case 'run':
        await run(parsed, io);
        return { code: 0, keepAlive: true };
      case 'db': {
        // Loaded on demand: `phial run` need not load the database drivers.
        const { runDb } = await import('./db.ts');
        return { code: await runDb(parsed.argv, io), keepAlive: false };
      }
    }
  } catch (err) {
    return { code: report(err, io), keepAlive: false };
  }
}

/**
 * Runs `phial` with `argv` (without `node` and the script).
 *
 * @returns the exit code: 0 success, 1 runtime failure (listen error, the app module threw), 2 bad
 *   usage or configuration (unknown command/option, bad `--port`/`--workers`, missing app file, no app
 *   export, `PHIAL_E_*` configuration errors). Errors are one line on `io.stderr`, without a stack
 *   except when the app's own code threw. For `run`, resolves once the server listens (0); the server
 *   keeps running and its SIGTERM/SIGINT handler ends the process.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  return (await execute(argv, io)).code;
}

/**
 * The process entry point: runs `process.argv` and exits with the code, except while `run` serves.
 * Exits explicitly because an app module may hold handles (pools, timers) that would keep
 * `phial routes` alive.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const { code, keepAlive } = await execute(argv, { stdout: process.stdout, stderr: process.stderr });
  if (keepAlive) return;
  process.exitCode = code;
  const exit = (): never => process.exit(code);
  setTimeout(exit, 1000).unref();
  process.stdout.write('', () => process.stderr.write('', exit));
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

// `node --import tsx src/cli/main.ts …` (the `start` script) runs the CLI directly.
if (isEntryPoint()) void main();
