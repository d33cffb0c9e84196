/**
 * The sessions-and-CSRF benchmark (issue 4): a logged-in user's form page — read the session,
 * render an HTML form with a CSRF token — and its submission with that token, Phial against
 * Fastify with `@fastify/secure-session`, `@fastify/csrf-protection` and `@fastify/helmet`.
 * Contract: `bench/lib/session-contract.ts`; servers: `bench/servers/session-*.ts`.
 *
 * As in `bench/run.ts`, each server runs as its own process pinned to CPU 0 (`NODE_ENV=production`,
 * Phial from the built package), wrk is pinned to CPU 1, responses are checked before (and here
 * also after) measuring, and the result is written to `docs/benchmarks.md` — as its own section
 * between markers, leaving the rest of the file alone.
 *
 * @example
 * npm run bench:sessions
 * npm run bench:sessions -- --duration 3 --rounds 1 --no-write
 * npm run bench:sessions -- --cpu-prof --only session-phial --rounds 1
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HOST } from './lib/contract.ts';
import { CPU_PROFILE_ENV, formatProfileSummary, summarizeCpuProfile } from './lib/cpu-profile.ts';
import { WRK_MISSING, findWrk, type LoadSettings } from './lib/loadgen.ts';
import { NOISE_WARN_PERCENT, measure, settle } from './lib/measure.ts';
import { cpuModel, detectPinning, installCleanup, killAll, peakRss, stop, type Pinning } from './lib/procs.ts';
import { replayGenerator, type ReplayedRequest } from './lib/request-loadgen.ts';
import { START_TIMEOUT_MS, indent, startServer, type RunningServer } from './lib/server.ts';
import { checkPage, checkPost, establishSession, type SessionFixture } from './lib/session-client.ts';
import { headline, sessionSection, sessionTextTable, upsertSection, type SessionRow } from './lib/sessions-report.ts';
import { intOption, usageFailure } from './lib/cli.ts';

/** Contestants in table order; the first is the baseline of the ratio column. */
const CONTESTANTS = ['session-fastify', 'session-phial'] as const;
const BASELINE = 'session-fastify';
const SUBJECT = 'session-phial';
/** Issue 4: Phial should be at least this many times faster. */
const TARGET_RATIO = 1.5;
/**
 * Phial rewrites an unchanged session cookie once it is this old (its default `refreshInterval`,
 * seconds); wrk replays one cookie, so a route must be measured before it gets there.
 */
const COOKIE_REFRESH_S = 60;
const DOCS_PATH = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const PROFILE_DIR = fileURLToPath(new URL('../.bench-tmp/profiles/', import.meta.url));

type RouteName = 'GET /form' | 'POST /form';

const USAGE = `usage: npm run bench:sessions -- [options]
  --duration <s>     seconds measured per route (default 10)
  --warmup <s>       seconds of warm-up per route before measuring (default 2)
  --connections <n>  concurrent connections (default 50)
  --rounds <n>       run every contestant n times, interleaved, and report each route's best
                     req/s (default 2)
  --settle <s>       before each measurement, wait up to s seconds for other processes to go
                     quiet (default 15; 0 = do not wait)
  --only <a,b>       contestants to run (${CONTESTANTS.join(', ')})
  --no-post          measure GET /form only
  --cpu-prof         record a CPU profile of each server run (.bench-tmp/profiles/) and print
                     where its time went; implies --no-write (profiling slows the server)
  --no-write         print the results only; do not update docs/benchmarks.md
  --help             this text
warm-up + settle + duration must stay under ${COOKIE_REFRESH_S} s: Phial rewrites an in-use session
cookie once a minute, and wrk keeps replaying the first one.`;

interface Options {
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly rounds: number;
  readonly settleS: number;
  readonly only: readonly string[];
  readonly routes: readonly RouteName[];
  readonly cpuProf: boolean;
  readonly write: boolean;
}

const fail: (message: string) => never = usageFailure('bench:sessions', USAGE);

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
        'no-post': { type: 'boolean' },
        'cpu-prof': { type: 'boolean' },
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
  const options: Options = {
    durationS: intOption(fail, 'duration', values.duration, 10, 1, 55),
    warmupS: intOption(fail, 'warmup', values.warmup, 2, 0, 30),
    connections: intOption(fail, 'connections', values.connections, 50, 1, 10_000),
    rounds: intOption(fail, 'rounds', values.rounds, 2, 1, 10),
    settleS: intOption(fail, 'settle', values.settle, 15, 0, 45),
    only: CONTESTANTS.filter((name) => only.includes(name)),
    routes: values['no-post'] ? ['GET /form'] : ['GET /form', 'POST /form'],
    cpuProf: values['cpu-prof'] === true,
    write: values['no-write'] !== true && values['cpu-prof'] !== true,
  };
  // The seed cookie must still be "fresh" at the end of the measurement (plus a margin for the
  // login, the checks and the quiet-machine probe of one second).
  if (options.warmupS + options.settleS + options.durationS + 3 >= COOKIE_REFRESH_S) {
    fail(`warm-up + settle + duration (${options.warmupS} + ${options.settleS} + ${options.durationS} s) must stay under ${COOKIE_REFRESH_S - 3} s`);
  }
  return options;
}

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

/** The request wrk replays for `route`, from a logged-in fixture. */
function replayedRequest(route: RouteName, fixture: SessionFixture): ReplayedRequest {
  return route === 'GET /form'
    ? { method: 'GET', headers: { Cookie: fixture.cookie } }
    : { method: 'POST', headers: { Cookie: fixture.cookie, 'Content-Type': 'application/x-www-form-urlencoded' }, body: fixture.postBody };
}

/** The command lines as shown in the report (cookie and body elided). */
function describeCommands(wrkVersion: string, settings: LoadSettings, routes: readonly RouteName[]): string[] {
  const fake: SessionFixture = {
    cookie: 'x', token: 'x', postBody: 'x',
    page: { securityHeaders: [], headerBytes: 0, bodyBytes: 0 }, post: { securityHeaders: [], headerBytes: 0, bodyBytes: 0 },
  };
  return routes.map((route) => {
    const generator = replayGenerator(wrkVersion, replayedRequest(route, fake));
    try {
      return `${route}: ${generator.describe(settings)}`;
    } finally {
      generator.dispose();
    }
  });
}

/**
 * One contestant, once: start, then per route log in, check, warm up, measure, check again;
 * sample peak RSS, stop. Warnings (non-2xx, a cookie no longer accepted afterwards) are appended.
 *
 * @throws {Error} if the server does not start, answers wrongly before measuring, or dies.
 */
async function runContestant(
  name: string,
  wrkVersion: string,
  settings: LoadSettings,
  pinning: Pinning,
  options: Options,
  warnings: string[],
  round: number,
): Promise<{ rows: SessionRow[]; profile: string | undefined }> {
  let profile: string | undefined;
  if (options.cpuProf) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    profile = `${PROFILE_DIR}${name}-${process.pid}-r${round}.cpuprofile`;
    process.env[CPU_PROFILE_ENV] = profile; // startServer passes the environment on
  }
  let server: RunningServer;
  try {
    server = await startServer(name, pinning);
  } catch (error) {
    throw new Error(`did not start: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    delete process.env[CPU_PROFILE_ENV];
  }
  try {
    const rows: Omit<SessionRow, 'peakRss'>[] = [];
    for (const route of options.routes) {
      const fixture = await establishSession(server.port);
      const checked = route === 'GET /form' ? fixture.page : fixture.post;
      log(`   ${route}: responses ok (session cookie accepted, CSRF token ${fixture.token.length} chars, ${checked.securityHeaders.length} security headers)`);
      const generator = replayGenerator(wrkVersion, replayedRequest(route, fixture));
      try {
        const url = `http://${HOST}:${server.port}/form`;
        if (options.warmupS > 0) await generator.run(url, options.warmupS, settings);
        if (options.settleS > 0) await settle(server, options.settleS, log);
        const result = await measure(generator, server, url, options.durationS, settings);
        if (server.child.exitCode !== null || server.child.signalCode !== null) {
          throw new Error(`server died during ${route}\n${indent(server.output())}`);
        }
        if (result.non2xx > 0 || result.errors > 0) {
          const warning = `${name} ${route}: ${result.non2xx} non-2xx responses, ${result.errors} socket errors of ${result.requests} requests`;
          warnings.push(warning);
          log(`   WARNING: ${warning}`);
        }
        try {
          if (route === 'GET /form') await checkPage(server.port, fixture.cookie, true);
          else await checkPost(server.port, fixture.cookie, fixture.postBody);
        } catch (error) {
          const warning = `${name} ${route}: after measuring, ${error instanceof Error ? error.message : String(error)}`;
          warnings.push(warning);
          log(`   WARNING: ${warning}`);
        }
        const noise = result.foreignCpu === undefined ? '' : `   other CPU ${result.foreignCpu.toFixed(0)}%`;
        log(`   ${route.padEnd(11)} ${Math.round(result.rps).toLocaleString('en-US').padStart(9)} req/s   p99 ${result.p99Ms.toFixed(2)} ms${noise}`);
        rows.push({
          contestant: name, route, rps: result.rps, p99Ms: result.p99Ms, securityHeaders: checked.securityHeaders.length,
          headerBytes: checked.headerBytes, bodyBytes: checked.bodyBytes, foreignCpu: result.foreignCpu,
        });
      } finally {
        generator.dispose();
      }
    }
    const rss = await peakRss(server.child.pid);
    log(`   peak RSS ${rss === undefined ? 'n/a' : `${(rss / 1024 / 1024).toFixed(1)} MiB`}`);
    return { rows: rows.map((r) => ({ ...r, peakRss: rss })), profile };
  } finally {
    await stop(server.child, 5000);
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const wrk = findWrk();
  if (!wrk) {
    process.stderr.write(`bench:sessions: this benchmark needs wrk (it replays a session cookie and a form post).\n${WRK_MISSING.split('\n').slice(0, 3).join('\n')}\n`);
    process.exit(1);
  }
  if (options.only.includes(SUBJECT)) {
    log('building phial (npm run build) so the server runs the compiled package');
    const built = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('npm run build failed');
  }
  installCleanup();
  const pinning = detectPinning();
  const settings: LoadSettings = { connections: options.connections, pinning };
  const perRouteS = options.warmupS + options.durationS;
  const runs = options.only.length * options.rounds;
  const limitS = runs * (START_TIMEOUT_MS / 1000 + 15 + options.routes.length * (perRouteS + options.settleS + 40)) + 30;
  const deadline = setTimeout(() => {
    process.stderr.write(`\nbench:sessions: run exceeded its ${limitS} s limit; stopping everything\n`);
    killAll();
    process.exit(1);
  }, limitS * 1000);
  deadline.unref();

  log(`bench:sessions: ${options.only.join(', ')}; routes ${options.routes.join(', ')}`);
  for (const line of describeCommands(wrk.version, settings, options.routes)) log(`bench:sessions: ${line}`);
  log(`bench:sessions: ${pinning.note}; about ${runs * (options.routes.length * (perRouteS + 2) + 3)} s (hard limit ${limitS} s)`);
  if (options.cpuProf) log(`bench:sessions: profiling servers into ${PROFILE_DIR} (numbers are slowed by profiling; docs not written)`);

  const warnings: string[] = [];
  const skipped: string[] = [];
  const best = new Map<string, SessionRow>();
  const failed = new Set<string>();
  const profiles: Array<{ name: string; path: string }> = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const name of options.only) {
      if (failed.has(name)) continue;
      log(`\n== ${name}${options.rounds > 1 ? ` (round ${round}/${options.rounds})` : ''}`);
      try {
        const result = await runContestant(name, wrk.version, settings, pinning, options, warnings, round);
        if (result.profile !== undefined) profiles.push({ name, path: result.profile });
        for (const row of result.rows) {
          const key = `${name}\t${row.route}`;
          const previous = best.get(key);
          if (!previous || row.rps > previous.rps) best.set(key, row);
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        log(`   SKIPPED: ${name}: ${reason}`);
        skipped.push(`${name}: ${reason.split('\n')[0] ?? ''}`);
        failed.add(name);
      }
    }
  }

  const rows = options.only.flatMap((name) => options.routes.flatMap((route) => best.get(`${name}\t${route}`) ?? []));
  for (const row of rows) {
    if (row.foreignCpu !== undefined && row.foreignCpu > NOISE_WARN_PERCENT) {
      warnings.push(`${row.contestant} ${row.route}: other processes used ${row.foreignCpu.toFixed(0)}% of a CPU during the reported measurement; treat it as a lower bound`);
    }
  }
  log('');
  log(sessionTextTable(rows, BASELINE));
  log('');
  for (const line of headline(rows, { subject: SUBJECT, baseline: BASELINE, target: TARGET_RATIO })) log(line);
  for (const s of skipped) log(`skipped ${s}`);
  for (const w of warnings) log(`warning: ${w}`);

  for (const { name, path } of profiles) {
    log(`\nCPU profile of ${name}: ${path}`);
    try {
      log(formatProfileSummary(summarizeCpuProfile(path)));
    } catch (error) {
      log(`  (could not read it: ${error instanceof Error ? error.message : String(error)})`);
    }
  }

  if (options.write) {
    const section = sessionSection(rows, {
      date: new Date(),
      node: process.version,
      cpu: await cpuModel(),
      loadGenerator: `wrk ${wrk.version}`,
      loadCommands: describeCommands(wrk.version, settings, options.routes),
      pinning: pinning.note,
      durationS: options.durationS,
      warmupS: options.warmupS,
      rounds: options.rounds,
      connections: options.connections,
      baseline: BASELINE,
      subject: SUBJECT,
      target: TARGET_RATIO,
      skipped,
      warnings,
    });
    await upsertSection(DOCS_PATH, section);
    log(`\nupdated the "Sessions and CSRF" section of ${DOCS_PATH}`);
  }
  clearTimeout(deadline);
}

await main();
