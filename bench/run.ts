/**
 * Phial's side-by-side benchmark.
 *
 * Starts each contestant (`bench/servers/<name>.ts`) as its own process pinned to CPU 0, checks its
 * responses, warms it up, measures every route with wrk pinned to CPU 1, samples its peak RSS, stops
 * it, and prints the table (also written to `docs/benchmarks.md`).
 *
 * @example
 * npm run bench
 * npm run bench -- --duration 3 --only phial,node-http
 */
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import type { CpuSample } from './lib/procs.ts';
import { HOST, READY_PREFIX, ROUTES } from './lib/contract.ts';
import { WRK_MISSING, findAutocannon, findWrk, type LoadGenerator, type LoadSettings } from './lib/loadgen.ts';
import { cpuModel, cpuSample, detectPinning, foreignCpuPercent, installCleanup, killAll, peakRss, spawnTracked, stop, type Pinning } from './lib/procs.ts';
import { markdownReport, textTable, type ResultRow, type Skipped } from './lib/report.ts';
import { verifyRoutes } from './lib/verify.ts';

/** Contestants in table order; the first is the baseline for the ratio column. */
const CONTESTANTS = ['node-http', 'fastify', 'fastify-helmet', 'hono-secure-headers', 'express-helmet', 'phial'] as const;
const BASELINE = 'node-http';
/** Time a server gets to print its ready line (the tsx loader compiles on first start), in ms. */
const START_TIMEOUT_MS = 30_000;
const SERVER_NODE_ARGS = ['--conditions=phial-source', '--import', 'tsx'];
const DOCS_PATH = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));

const USAGE = `usage: npm run bench -- [options]
  --duration <s>     seconds measured per route (default 10)
  --warmup <s>       seconds of warm-up per route before measuring (default 2)
  --connections <n>  concurrent connections (default 50)
  --rounds <n>       run every contestant n times, interleaved, and report each route's best
                     req/s (default 1; more rounds resist a noisy machine)
  --only <a,b,...>   contestants to run (${CONTESTANTS.join(', ')})
  --tool <name>      wrk (default) or autocannon
  --no-write         print the table only; do not rewrite docs/benchmarks.md
  --help             this text`;

interface Options {
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly rounds: number;
  readonly only: readonly string[];
  readonly tool: 'wrk' | 'autocannon';
  readonly write: boolean;
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function intOption(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) fail(`--${name} must be an integer from ${min} to ${max}`);
  return value;
}

function parseOptions(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        duration: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        rounds: { type: 'string' },
        only: { type: 'string' },
        tool: { type: 'string' },
        'no-write': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const only = values.only === undefined ? [...CONTESTANTS] : values.only.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only.filter((name) => !(CONTESTANTS as readonly string[]).includes(name));
  if (unknown.length > 0 || only.length === 0) fail(`unknown contestant(s) in --only: ${unknown.join(', ') || '(none given)'}`);
  const tool = values.tool ?? 'wrk';
  if (tool !== 'wrk' && tool !== 'autocannon') fail('--tool must be wrk or autocannon');
  return {
    durationS: intOption('duration', values.duration, 10, 1, 600),
    warmupS: intOption('warmup', values.warmup, 2, 0, 60),
    connections: intOption('connections', values.connections, 50, 1, 10_000),
    rounds: intOption('rounds', values.rounds, 1, 1, 10),
    only: CONTESTANTS.filter((name) => only.includes(name)),
    tool,
    write: values['no-write'] !== true,
  };
}

function chooseGenerator(tool: Options['tool']): LoadGenerator {
  if (tool === 'wrk') {
    const wrk = findWrk();
    if (wrk) return wrk;
    process.stderr.write(`bench: ${WRK_MISSING}\n\n`);
  }
  const autocannon = findAutocannon();
  if (autocannon) return autocannon;
  process.stderr.write('bench: neither wrk nor autocannon is available; install wrk (sudo apt-get install -y wrk)\n');
  process.exit(1);
}

/** A free loopback port (the kernel picks one; it is released before the server binds it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface RunningServer {
  readonly child: ChildProcess;
  readonly port: number;
  /** Last lines of the server's stdout/stderr, for error messages. */
  readonly output: () => string;
}

/** Starts `bench/servers/<name>.ts` on CPU 0 and waits for its ready line. */
async function startServer(name: string, pinning: Pinning): Promise<RunningServer> {
  const port = await freePort();
  const file = fileURLToPath(new URL(`./servers/${name}.ts`, import.meta.url));
  const child = spawnTracked(process.execPath, [...SERVER_NODE_ARGS, file], {
    cpu: 0,
    pinning,
    env: { ...process.env, NODE_ENV: 'production', PORT: String(port) },
  });
  let tail = '';
  const keep = (chunk: string): void => {
    tail = (tail + chunk).slice(-4000);
  };
  child.stderr?.setEncoding('utf8').on('data', keep);
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  const server: RunningServer = { child, port, output: () => tail.trim() };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${READY_PREFIX}" line within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`server exited before it was ready (${signal ?? `code ${code}`})`));
      });
      lines.on('line', (line) => {
        keep(`${line}\n`);
        if (line.trim() === `${READY_PREFIX} ${port}`) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (error) {
    await stop(child, 500);
    const output = server.output();
    const cause = firstErrorLine(output);
    const message = `${error instanceof Error ? error.message : String(error)}${cause ? `: ${cause}` : ''}`;
    throw new Error(`${message}${output ? `\n${indent(output)}` : ''}`);
  }
  return server;
}

/** The first line of `output` that looks like an error message (`TypeError: ...`, `Error [CODE]: ...`). */
function firstErrorLine(output: string): string | undefined {
  return output.split('\n').find((line) => /^\s*[A-Za-z]*Error\b.*:/.test(line))?.trim();
}

/** The first and last lines of a server's output, indented for the terminal. */
function indent(text: string): string {
  const lines = text.split('\n');
  const shown = lines.length <= 20 ? lines : [...lines.slice(0, 8), '...', ...lines.slice(-8)];
  return shown.map((line) => `    ${line}`).join('\n');
}

/** A measured run plus how much CPU other processes took meanwhile (% of one CPU). */
interface Measurement {
  readonly rps: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly foreignCpu: number | undefined;
}

/**
 * Runs the load generator against `url` for `seconds` while sampling machine CPU, so that a run
 * disturbed by other processes (a shared or busy machine) is flagged instead of silently reported.
 */
async function measure(
  generator: LoadGenerator,
  server: RunningServer,
  url: string,
  seconds: number,
  settings: LoadSettings,
): Promise<Measurement> {
  let loadPid: number | undefined;
  const pids = (): number[] =>
    [server.child.pid, loadPid, process.pid].filter((pid): pid is number => pid !== undefined);
  const margin = seconds >= 2 ? 500 : 200;
  let first: Promise<CpuSample | undefined> | undefined;
  let last: Promise<CpuSample | undefined> | undefined;
  const t1 = setTimeout(() => (first = cpuSample(pids())), margin);
  const t2 = setTimeout(() => (last = cpuSample(pids())), seconds * 1000 - margin);
  try {
    const result = await generator.run(url, seconds, settings, (pid) => (loadPid = pid));
    const [a, b] = await Promise.all([first, last]);
    return { ...result, foreignCpu: a && b ? foreignCpuPercent(a, b) : undefined };
  } finally {
    clearTimeout(t1);
    clearTimeout(t2);
  }
}

/** Other processes above this share of one CPU during a measurement get a warning, in %. */
const NOISE_WARN_PERCENT = 10;

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

/**
 * One contestant, once: start, check responses, warm up and measure each route, sample peak RSS,
 * stop. Non-2xx/socket-error warnings are appended to `warnings`.
 *
 * @throws {Error} if the server does not start, answers wrongly, or dies while measured.
 */
async function runContestant(
  name: string,
  generator: LoadGenerator,
  settings: LoadSettings,
  pinning: Pinning,
  options: Options,
  warnings: string[],
): Promise<{ rows: ResultRow[]; headers: { names: readonly string[]; poweredBy: boolean } }> {
  let server: RunningServer;
  try {
    server = await startServer(name, pinning);
  } catch (error) {
    throw new Error(`did not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const checks = await verifyRoutes(server.port, ROUTES);
    log(`   responses ok; security headers: ${checks.map((c) => `${c.route.path} ${c.securityHeaders.length}`).join(', ')}`);
    const results: Omit<ResultRow, 'peakRss'>[] = [];
    for (const check of checks) {
      const url = `http://${HOST}:${server.port}${check.route.path}`;
      if (options.warmupS > 0) await generator.run(url, options.warmupS, settings);
      const result = await measure(generator, server, url, options.durationS, settings);
      if (server.child.exitCode !== null || server.child.signalCode !== null) {
        throw new Error(`server died during ${check.route.label}\n${indent(server.output())}`);
      }
      if (result.non2xx > 0 || result.errors > 0) {
        const warning = `${name} ${check.route.label}: ${result.non2xx} non-2xx responses, ${result.errors} socket errors of ${result.requests} requests`;
        warnings.push(warning);
        log(`   WARNING: ${warning}`);
      }
      const noise = result.foreignCpu === undefined ? '' : `   other CPU ${result.foreignCpu.toFixed(0)}%`;
      log(`   ${check.route.label.padEnd(16)} ${Math.round(result.rps).toLocaleString('en-US').padStart(9)} req/s   p99 ${result.p99Ms.toFixed(2)} ms${noise}`);
      results.push({
        contestant: name,
        route: check.route.label,
        rps: result.rps,
        p99Ms: result.p99Ms,
        securityHeaders: check.securityHeaders.length,
        foreignCpu: result.foreignCpu,
      });
    }
    const rss = await peakRss(server.child.pid);
    log(`   peak RSS ${rss === undefined ? 'n/a' : `${(rss / 1024 / 1024).toFixed(1)} MiB`}`);
    const first = checks[0];
    return {
      rows: results.map((r) => ({ ...r, peakRss: rss })),
      headers: { names: first?.securityHeaders ?? [], poweredBy: first?.poweredBy ?? false },
    };
  } finally {
    await stop(server.child);
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  installCleanup();
  const pinning = detectPinning();
  const generator = chooseGenerator(options.tool);
  const settings: LoadSettings = { connections: options.connections, pinning };

  const perRouteS = options.warmupS + options.durationS;
  const runs = options.only.length * options.rounds;
  const estimateS = runs * (ROUTES.length * perRouteS + 3);
  const limitS = runs * (START_TIMEOUT_MS / 1000 + 10 + ROUTES.length * (perRouteS + 32)) + 30;
  const deadline = setTimeout(() => {
    process.stderr.write(`\nbench: run exceeded its ${limitS} s limit; stopping everything\n`);
    killAll();
    process.exit(1);
  }, limitS * 1000);
  deadline.unref();

  log(`bench: ${options.only.join(', ')}`);
  log(`bench: ${generator.name} ${generator.version}: ${generator.describe(settings)}`);
  log(`bench: ${pinning.note}; about ${estimateS} s (hard limit ${limitS} s)`);
  if (!pinning.enabled) log('bench: WARNING: unpinned server and load generator compete for CPU; numbers are noisier');

  const skipped: Skipped[] = [];
  const warnings: string[] = [];
  const headers = new Map<string, { names: readonly string[]; poweredBy: boolean }>();
  /** Best measurement per contestant and route (highest req/s over the rounds), keyed `name\troute`. */
  const best = new Map<string, ResultRow>();
  const failed = new Set<string>();

  for (let round = 1; round <= options.rounds; round++) {
    for (const name of options.only) {
      if (failed.has(name)) continue;
      log(`\n== ${name}${options.rounds > 1 ? ` (round ${round}/${options.rounds})` : ''}`);
      try {
        const result = await runContestant(name, generator, settings, pinning, options, warnings);
        headers.set(name, result.headers);
        for (const row of result.rows) {
          const key = `${name}\t${row.route}`;
          const previous = best.get(key);
          if (!previous || row.rps > previous.rps) best.set(key, row);
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        log(`   SKIPPED: ${name}: ${reason}`);
        skipped.push({ contestant: name, reason: reason.split('\n')[0] ?? '' });
        failed.add(name);
      }
    }
  }

  const rows = options.only.flatMap((name) => ROUTES.flatMap((route) => best.get(`${name}\t${route.label}`) ?? []));
  for (const row of rows) {
    if (row.foreignCpu !== undefined && row.foreignCpu > NOISE_WARN_PERCENT) {
      warnings.push(
        `${row.contestant} ${row.route}: other processes used ${row.foreignCpu.toFixed(0)}% of a CPU during the ` +
          'reported measurement; treat it as a lower bound (use --rounds, or run on an idle machine)',
      );
    }
  }
  const measured = new Set(rows.map((row) => row.contestant));

  log('');
  log(textTable(rows, BASELINE));
  for (const [name, h] of headers) log(`${name}: ${h.names.length} security headers${h.poweredBy ? ' (+ x-powered-by)' : ''}`);
  for (const s of skipped) log(`skipped ${s.contestant}: ${s.reason}`);
  for (const w of warnings) log(`warning: ${w}`);
  if (!measured.has(BASELINE)) log(`(ratios are n/a: ${BASELINE} was not measured in this run)`);

  if (options.write) {
    const report = markdownReport(rows, {
      date: new Date(),
      node: process.version,
      cpu: await cpuModel(),
      loadGenerator: `${generator.name} ${generator.version}`,
      loadCommand: generator.describe(settings),
      pinning: pinning.note,
      durationS: options.durationS,
      warmupS: options.warmupS,
      rounds: options.rounds,
      contestants: options.only,
      baseline: BASELINE,
      headers,
      skipped,
      warnings,
    });
    await writeFile(DOCS_PATH, report);
    log(`\nwrote ${DOCS_PATH}`);
  }
  clearTimeout(deadline);
}

await main();
