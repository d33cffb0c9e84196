/**
 * Measuring one route: the load generator run, with machine CPU sampled alongside so that runs
 * disturbed by other processes are flagged, and a wait for a quiet machine before starting.
 */
import { cpuSample, foreignCpuPercent, type CpuSample } from './procs.ts';
import type { LoadGenerator, LoadResult, LoadSettings } from './loadgen.ts';
import type { RunningServer } from './server.ts';

/** A measured run plus how much CPU other processes took meanwhile (% of one CPU). */
export interface Measurement extends LoadResult {
  readonly foreignCpu: number | undefined;
  /**
   * CPU time (user + system) the server process used per completed request, µs, over the whole
   * run. Other processes make each request somewhat dearer (shared caches and cores) but cut req/s
   * far more, so this stays roughly comparable on a busy machine where req/s does not.
   */
  readonly serverUsPerRequest: number | undefined;
}

/**
 * Runs the load generator against `url` for `seconds` while sampling machine CPU, so that a run
 * disturbed by other processes (a shared or busy machine) is flagged instead of silently reported.
 */
export async function measure(
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
  const serverPid = server.child.pid;
  const serverBefore = serverPid === undefined ? undefined : await cpuSample([serverPid]);
  try {
    const result = await generator.run(url, seconds, settings, (pid) => (loadPid = pid));
    const serverAfter = serverPid === undefined ? undefined : await cpuSample([serverPid]);
    const [a, b] = await Promise.all([first, last]);
    return {
      ...result,
      foreignCpu: a && b ? foreignCpuPercent(a, b) : undefined,
      serverUsPerRequest: serverPid !== undefined && serverBefore && serverAfter && result.requests > 0
        ? (((serverAfter.perPid.get(serverPid) ?? 0) - (serverBefore.perPid.get(serverPid) ?? 0)) * TICK_US) / result.requests
        : undefined,
    };
  } finally {
    clearTimeout(t1);
    clearTimeout(t2);
  }
}

// /proc counts CPU time in USER_HZ ticks, 100 per second on Linux.
const TICK_US = 10_000;

/** Other processes above this share of one CPU during a measurement get a warning, in %. */
export const NOISE_WARN_PERCENT = 10;

/**
 * Waits, up to `limitS` seconds, until other processes use less than {@link NOISE_WARN_PERCENT}
 * of a CPU over a one-second probe, so a measurement does not start in the middle of someone
 * else's burst of work. Returns the last probe's figure (% of one CPU).
 */
export async function settle(
  server: RunningServer,
  limitS: number,
  log: (message: string) => void,
): Promise<number | undefined> {
  const until = Date.now() + limitS * 1000;
  let announced = false;
  for (;;) {
    const pids = [server.child.pid, process.pid].filter((pid): pid is number => pid !== undefined);
    const a = await cpuSample(pids);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const b = await cpuSample(pids);
    if (!a || !b) return undefined;
    const foreign = foreignCpuPercent(a, b);
    if (foreign < NOISE_WARN_PERCENT || Date.now() >= until) {
      if (announced) log(`   ...${foreign < NOISE_WARN_PERCENT ? 'quiet' : 'still busy'} (other CPU ${foreign.toFixed(0)}%)`);
      return foreign;
    }
    if (!announced) log(`   machine busy (other CPU ${foreign.toFixed(0)}%); waiting up to ${limitS} s for it to quiet down`);
    announced = true;
  }
}
