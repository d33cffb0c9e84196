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
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HOST, ROUTES } from './lib/contract.ts';
import { WRK_MISSING, findAutocannon, findWrk, type LoadGenerator, type LoadSettings } from './lib/loadgen.ts';
import { cpuModel, detectPinning, installCleanup, killAll, peakRss, stop, type Pinning } from './lib/procs.ts';
import { START_TIMEOUT_MS, indent, startServer, type RunningServer } from './lib/server.ts';
import { NOISE_WARN_PERCENT, measure, settle } from './lib/measure.ts';
import { markdownReport, textTable, type ResultRow, type Skipped } from './lib/report.ts';
import { verifyRoutes } from './lib/verify.ts';
import { intOption, usageFailure } from './lib/cli.ts';

/** Contestants in table order; the first is the baseline for the ratio column. */
const CONTESTANTS = ['node-http', 'fastify', 'fastify-helmet', 'hono-secure-headers', 'express-helmet', 'phial'] as const;
const BASELINE = 'node-http';
const DOCS_PATH = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));

const USAGE = `usage: npm run bench -- [options]
  --duration <s>     seconds measured per route (default 10)
  --warmup <s>       seconds of warm-up per route before measuring (default 2)
  --connections <n>  concurrent connections (default 50)
  --rounds <n>       run every contestant n times, interleaved, and report each route's best
                     req/s (default 1; more rounds resist a noisy machine)
  --settle <s>       before each measurement, wait up to s seconds for other processes to go
                     quiet (default 15; 0 = do not wait)
  --only <a,b,...>   contestants to run (${CONTESTANTS.join(', ')})
  --tool <name>      wrk (default) or autocannon
  --no-write         print the table only; do not rewrite docs/benchmarks.md
  --help             this text`;

interface Options {
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly rounds: number;
  readonly settleS: number;
  readonly only: readonly string[];
  readonly tool: 'wrk' | 'autocannon';
  readonly write: boolean;
}

/** Sections other benchmarks write between `<!-- bench/… start … -->`/`end` markers, carried over. */
async function keptSections(): Promise<string> {
  let old: string;
  try { old = await readFile(DOCS_PATH, 'utf8'); } catch { return ''; }
  const blocks = old.match(/\n<!-- bench\/[\w-]+\.ts: start[^\n]*-->[\s\S]*?<!-- bench\/[\w-]+\.ts: end -->\n?/g);
  return blocks ? blocks.join('') : '';
}

const fail: (message: string) => never = usageFailure('bench', USAGE);

function parseOptions(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        duration: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        rounds: { type: 'string' },
        settle: { type: 'string' },
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
    durationS: intOption(fail, 'duration', values.duration, 10, 1, 600),
    warmupS: intOption(fail, 'warmup', values.warmup, 2, 0, 60),
    connections: intOption(fail, 'connections', values.connections, 50, 1, 10_000),
    rounds: intOption(fail, 'rounds', values.rounds, 1, 1, 10),
    settleS: intOption(fail, 'settle', values.settle, 15, 0, 300),
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
      if (options.settleS > 0) await settle(server, options.settleS, log);
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
  if (options.only.includes('phial')) {
    process.stdout.write('building phial (npm run build) so the server runs the compiled package\n');
    const built = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('npm run build failed');
  }
  installCleanup();
  const pinning = detectPinning();
  const generator = chooseGenerator(options.tool);
  const settings: LoadSettings = { connections: options.connections, pinning };

  const perRouteS = options.warmupS + options.durationS;
  const runs = options.only.length * options.rounds;
  const estimateS = runs * (ROUTES.length * (perRouteS + (options.settleS > 0 ? 1 : 0)) + 3);
  const limitS = runs * (START_TIMEOUT_MS / 1000 + 10 + ROUTES.length * (perRouteS + options.settleS + 33)) + 30;
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
    await writeFile(DOCS_PATH, report + (await keptSections()));
    log(`\nwrote ${DOCS_PATH}`);
  }
  clearTimeout(deadline);
}

await main();
