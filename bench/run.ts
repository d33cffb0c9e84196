/**
 * Phial's side-by-side benchmark.
 *
 * Starts each contestant (`bench/servers/<name>.ts`) as its own process pinned to CPU 0, checks its
 * responses, warms it up, measures every route with wrk pinned to CPU 1, samples its peak RSS, stops
 * it, and prints the table (also written to `docs/benchmarks.md`). With `--ab <ref>`, that git ref
 * of Phial is built aside and measured as `phial@<ref>` in the same rounds (bench/lib/ab.ts).
 *
 * @example
 * npm run bench
 * npm run bench -- --duration 3 --only phial,node-http-secure
 * npm run bench -- --ab main --only node-http-secure,phial --rounds 3 --no-write
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HOST, ROUTES, type BenchRoute } from './lib/contract.ts';
import { WRK_MISSING, findAutocannon, findWrk, type LoadGenerator, type LoadSettings } from './lib/loadgen.ts';
import { cpuModel, detectPinning, installCleanup, killAll, peakRss, stop, type Pinning } from './lib/procs.ts';
import { START_TIMEOUT_MS, indent, startServer, type RunningServer } from './lib/server.ts';
import { NOISE_WARN_PERCENT, measure, settle } from './lib/measure.ts';
import { headlines, markdownReport, textTable, type ResultRow, type Skipped, type Target } from './lib/report.ts';
import { headDifference, responseHead, verifyRoutes } from './lib/verify.ts';
import { intOption, usageFailure } from './lib/cli.ts';
import { CPU_PROFILE_ENV, formatProfileSummary, summarizeCpuProfile } from './lib/cpu-profile.ts';
import { buildRef, describeWorkingTree } from './lib/ab.ts';
import { PHIAL_PACKAGE_ENV } from './lib/phial-package.ts';

/** Contestants in table order. */
const CONTESTANTS = ['node-http', 'node-http-secure', 'fastify', 'fastify-helmet', 'hono-secure-headers', 'express-helmet', 'phial'] as const;
/** One ratio column each: raw node:http, and raw node:http sending Phial's exact default head. */
const BASELINES = ['node-http', 'node-http-secure'] as const;
/** The contestant whose every response head must be Phial's. */
const SECURE_CEILING = 'node-http-secure';
const TARGET: Target = { subject: 'phial', reference: SECURE_CEILING, ratio: 0.97 };
const DOCS_PATH = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const PROFILE_DIR = fileURLToPath(new URL('../.bench-tmp/profiles/', import.meta.url));
/** `--routes` names → route labels. */
const ROUTE_NAMES: Readonly<Record<string, string>> = { plaintext: 'GET /plaintext', json: 'GET /json', users: 'GET /users/:id' };

/** One server to measure: its table name, its file in bench/servers/, extra environment. */
interface Contestant {
  readonly name: string;
  readonly file: string;
  readonly env: Readonly<Record<string, string>>;
}

const USAGE = `usage: npm run bench -- [options]
  --duration <s>     seconds measured per route (default 10)
  --warmup <s>       seconds of warm-up per route before measuring (default 2)
  --connections <n>  concurrent connections (default 50)
  --rounds <n>       run every contestant n times, interleaved, and report each route's best
                     req/s (default 1; more rounds resist a noisy machine)
  --settle <s>       before each measurement, wait up to s seconds for other processes to go
                     quiet (default 15; 0 = do not wait)
  --only <a,b,...>   contestants to run (${CONTESTANTS.join(', ')})
  --routes <a,b,...> routes to measure (${Object.keys(ROUTE_NAMES).join(', ')}; default all)
  --ab <git-ref>     also build that ref of Phial into .bench-tmp/ab/ and measure it as
                     phial@<git-ref> in the same rounds as phial (needs phial in --only)
  --cpu-prof         record a CPU profile of each server run (.bench-tmp/profiles/) and print
                     where its time went (profiling slows it; docs/benchmarks.md is not written)
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
  readonly routes: readonly BenchRoute[];
  readonly ab: string | undefined;
  readonly cpuProf: boolean;
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
        routes: { type: 'string' },
        ab: { type: 'string' },
        'cpu-prof': { type: 'boolean' },
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
  const routeNames = values.routes === undefined ? Object.keys(ROUTE_NAMES) : values.routes.split(',').map((s) => s.trim()).filter(Boolean);
  const badRoutes = routeNames.filter((r) => ROUTE_NAMES[r] === undefined);
  if (badRoutes.length > 0 || routeNames.length === 0) fail(`unknown route(s) in --routes: ${badRoutes.join(', ') || '(none given)'}`);
  const labels = new Set(routeNames.map((r) => ROUTE_NAMES[r]));
  if (values.ab !== undefined && (values.ab === '' || values.ab.startsWith('-'))) fail('--ab needs a git ref, e.g. --ab main');
  if (values.ab !== undefined && !only.includes('phial')) fail('--ab compares with phial: include phial in --only');
  const tool = values.tool ?? 'wrk';
  if (tool !== 'wrk' && tool !== 'autocannon') fail('--tool must be wrk or autocannon');
  return {
    durationS: intOption(fail, 'duration', values.duration, 10, 1, 600),
    warmupS: intOption(fail, 'warmup', values.warmup, 2, 0, 60),
    connections: intOption(fail, 'connections', values.connections, 50, 1, 10_000),
    rounds: intOption(fail, 'rounds', values.rounds, 1, 1, 10),
    settleS: intOption(fail, 'settle', values.settle, 15, 0, 300),
    only: CONTESTANTS.filter((name) => only.includes(name)),
    routes: ROUTES.filter((route) => labels.has(route.label)),
    ab: values.ab,
    cpuProf: values['cpu-prof'] === true,
    tool,
    write: values['no-write'] !== true && values['cpu-prof'] !== true,
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

/** What every contestant run shares. */
interface RunContext {
  readonly generator: LoadGenerator;
  readonly settings: LoadSettings;
  readonly pinning: Pinning;
  readonly options: Options;
  /** Phial's response head per route path, which `node-http-secure` must send exactly. */
  readonly phialHeads: ReadonlyMap<string, readonly string[]>;
  readonly warnings: string[];
  /** CPU profiles written, in run order. */
  readonly profiles: Array<{ name: string; path: string }>;
}

/** Each route's response head as the current Phial build sends it, from one short-lived server. */
async function phialHeads(pinning: Pinning): Promise<Map<string, readonly string[]>> {
  const server = await startServer('phial', pinning);
  try {
    const heads = new Map<string, readonly string[]>();
    for (const route of ROUTES) heads.set(route.path, await responseHead(server.port, route.path));
    return heads;
  } finally {
    await stop(server.child);
  }
}

/**
 * One contestant, once: start, check responses, warm up and measure each route, sample peak RSS,
 * stop. Non-2xx/socket-error warnings are appended to `ctx.warnings`.
 *
 * @throws {Error} if the server does not start, answers wrongly, or dies while measured.
 */
async function runContestant(
  contestant: Contestant,
  ctx: RunContext,
  round: number,
): Promise<{ rows: ResultRow[]; headers: { names: readonly string[]; poweredBy: boolean } }> {
  const { name } = contestant;
  const { generator, settings, options, warnings } = ctx;
  const env: Record<string, string> = { ...contestant.env };
  if (options.cpuProf) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    env[CPU_PROFILE_ENV] = `${PROFILE_DIR}${name.replace(/[^\w.-]/g, '_')}-${process.pid}-r${round}.cpuprofile`;
  }
  let server: RunningServer;
  try {
    server = await startServer(contestant.file, ctx.pinning, { env });
  } catch (error) {
    throw new Error(`did not start: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const checks = await verifyRoutes(server.port, ROUTES);
    if (name === SECURE_CEILING) {
      for (const route of ROUTES) {
        const diff = headDifference(ctx.phialHeads.get(route.path) ?? [], await responseHead(server.port, route.path));
        if (diff !== undefined) throw new Error(`${route.label}: response head differs from Phial's, ${diff}`);
      }
    }
    log(`   responses ok${name === SECURE_CEILING ? ' (heads identical to Phial\'s)' : ''}; security headers: ${checks.map((c) => `${c.route.path} ${c.securityHeaders.length}`).join(', ')}`);
    const results: Omit<ResultRow, 'peakRss'>[] = [];
    for (const check of checks.filter((c) => options.routes.includes(c.route))) {
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
      const cpu = result.serverUsPerRequest === undefined ? '' : `   CPU ${result.serverUsPerRequest.toFixed(1)} µs/req`;
      log(`   ${check.route.label.padEnd(16)} ${Math.round(result.rps).toLocaleString('en-US').padStart(9)} req/s   p99 ${result.p99Ms.toFixed(2)} ms${cpu}${noise}`);
      results.push({
        contestant: name,
        route: check.route.label,
        rps: result.rps,
        p99Ms: result.p99Ms,
        securityHeaders: check.securityHeaders.length,
        foreignCpu: result.foreignCpu,
        serverUsPerRequest: result.serverUsPerRequest,
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
    const profile = env[CPU_PROFILE_ENV];
    if (profile !== undefined) ctx.profiles.push({ name, path: profile });
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options.only.includes('phial') || options.only.includes(SECURE_CEILING)) {
    process.stdout.write('building phial (npm run build) so the servers run the compiled package\n');
    const built = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('npm run build failed');
  }
  const contestants: Contestant[] = options.only.map((name) => ({ name, file: name, env: {} }));
  const builds = new Map<string, string>();
  let ab: { current: string; other: string } | undefined;
  if (options.ab !== undefined) {
    const other = buildRef(options.ab, log);
    const name = `phial@${options.ab}`;
    contestants.splice(contestants.findIndex((c) => c.name === 'phial') + 1, 0, { name, file: 'phial', env: { [PHIAL_PACKAGE_ENV]: other.folder } });
    builds.set('phial', `the working tree (${describeWorkingTree()}), built into dist/`);
    builds.set(name, `git ref \`${options.ab}\` (${other.commit}), built into \`.bench-tmp/ab/${other.commit}/dist/\``);
    ab = { current: 'phial', other: name };
  }
  installCleanup();
  const pinning = detectPinning();
  const generator = chooseGenerator(options.tool);
  const settings: LoadSettings = { connections: options.connections, pinning };
  const perRouteS = options.warmupS + options.durationS;
  const runs = contestants.length * options.rounds;
  const measuredRoutes = options.routes.length;
  const estimateS = runs * (measuredRoutes * (perRouteS + (options.settleS > 0 ? 1 : 0)) + 3);
  const limitS = (runs + 1) * (START_TIMEOUT_MS / 1000 + 10 + measuredRoutes * (perRouteS + options.settleS + 33)) + 30;
  const deadline = setTimeout(() => {
    process.stderr.write(`\nbench: run exceeded its ${limitS} s limit; stopping everything\n`);
    killAll();
    process.exit(1);
  }, limitS * 1000);
  deadline.unref();

  log(`bench: ${contestants.map((c) => c.name).join(', ')}`);
  log(`bench: ${generator.name} ${generator.version}: ${generator.describe(settings)}`);
  log(`bench: ${pinning.note}; about ${estimateS} s (hard limit ${limitS} s)`);
  if (!pinning.enabled) log('bench: WARNING: unpinned server and load generator compete for CPU; numbers are noisier');
  if (options.cpuProf) log(`bench: profiling servers into ${PROFILE_DIR} (numbers are slowed by profiling; docs not written)`);

  const skipped: Skipped[] = [];
  const headers = new Map<string, { names: readonly string[]; poweredBy: boolean }>();
  /** Best measurement per contestant and route (highest req/s over the rounds), keyed `name\troute`. */
  const best = new Map<string, ResultRow>();
  const failed = new Set<string>();
  const ctx: RunContext = {
    generator, settings, pinning, options, warnings: [], profiles: [],
    phialHeads: options.only.includes(SECURE_CEILING) ? await phialHeads(pinning) : new Map(),
  };
  const { warnings } = ctx;

  for (let round = 1; round <= options.rounds; round++) {
    for (const contestant of contestants) {
      const { name } = contestant;
      if (failed.has(name)) continue;
      log(`\n== ${name}${options.rounds > 1 ? ` (round ${round}/${options.rounds})` : ''}`);
      try {
        const result = await runContestant(contestant, ctx, round);
        headers.set(name, result.headers);
        for (const row of result.rows) {
          const key = `${name}\t${row.route}`;
          const previous = best.get(key);
          const cpus = [previous?.serverUsPerRequest, row.serverUsPerRequest].filter((us): us is number => us !== undefined);
          const serverUsPerRequest = cpus.length > 0 ? Math.min(...cpus) : undefined;
          const kept = !previous || row.rps > previous.rps ? row : previous;
          best.set(key, { ...kept, serverUsPerRequest });
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        log(`   SKIPPED: ${name}: ${reason}`);
        skipped.push({ contestant: name, reason: reason.split('\n')[0] ?? '' });
        failed.add(name);
      }
    }
  }

  const rows = contestants.flatMap((c) => ROUTES.flatMap((route) => best.get(`${c.name}\t${route.label}`) ?? []));
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
  log(textTable(rows, BASELINES));
  log('');
  for (const line of headlines(rows, TARGET, ab)) log(line);
  for (const [name, h] of headers) log(`${name}: ${h.names.length} security headers${h.poweredBy ? ' (+ x-powered-by)' : ''}`);
  for (const s of skipped) log(`skipped ${s.contestant}: ${s.reason}`);
  for (const w of warnings) log(`warning: ${w}`);
  for (const b of BASELINES) if (!measured.has(b)) log(`(× ${b} is n/a: ${b} was not measured in this run)`);

  for (const { name, path } of ctx.profiles) {
    log(`\nCPU profile of ${name}: ${path}`);
    try {
      log(formatProfileSummary(summarizeCpuProfile(path, 25)));
    } catch (error) {
      log(`  (could not read it: ${error instanceof Error ? error.message : String(error)})`);
    }
  }

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
      contestants: contestants.map((c) => c.name),
      baselines: BASELINES,
      target: TARGET,
      builds,
      ab,
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
