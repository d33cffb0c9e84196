/**
 * Load generators: wrk (preferred) or autocannon (fallback, bundled as a devDependency).
 * Each run is a child process pinned to CPU 1, bounded in time, and parsed into a {@link LoadResult}.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { spawnTracked, stop, type Pinning } from './procs.ts';

/** Numbers from one load-generator run. */
export interface LoadResult {
  /** Mean requests per second over the run. */
  readonly rps: number;
  /** 99th percentile latency, in milliseconds. */
  readonly p99Ms: number;
  /** Total requests completed. */
  readonly requests: number;
  /** Responses outside 2xx/3xx. */
  readonly non2xx: number;
  /** Connect/read/write/timeout errors. */
  readonly errors: number;
}

/** Settings shared by every run in one benchmark. */
export interface LoadSettings {
  readonly connections: number;
  readonly pinning: Pinning;
}

/** A load generator that can hit one URL for a number of seconds. */
export interface LoadGenerator {
  /** `wrk` or `autocannon`. */
  readonly name: 'wrk' | 'autocannon';
  /** Version string, for the report. */
  readonly version: string;
  /** The command line as shown in the report, with `<s>` for the duration and `<url>` for the URL. */
  describe(settings: LoadSettings): string;
  /**
   * Runs against `url` for `seconds`.
   *
   * @throws {Error} if the generator fails, exceeds its time bound, or prints nothing parseable.
   */
  run(url: string, seconds: number, settings: LoadSettings, onStart?: (pid: number) => void): Promise<LoadResult>;
}

/** Advice printed when wrk is not installed. */
export const WRK_MISSING =
  'wrk was not found on PATH. Install it for comparable numbers:\n' +
  '  Debian/Ubuntu: sudo apt-get install -y wrk\n' +
  '  macOS:         brew install wrk\n' +
  'Falling back to autocannon (single-threaded JavaScript; it saturates sooner than wrk, so its\n' +
  'numbers are lower and not comparable with wrk runs). Pass --tool autocannon to choose it explicitly.';

/** Runs a command to completion, killing it after `limitMs`; resolves with its stdout. */
export async function capture(
  command: string,
  args: readonly string[],
  settings: LoadSettings,
  limitMs: number,
  onStart: ((pid: number) => void) | undefined,
): Promise<string> {
  const child = spawnTracked(command, args, { cpu: 1, pinning: settings.pinning });
  if (child.pid !== undefined) onStart?.(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stop(child, 500);
  }, limitMs);
  try {
    const code = await exited;
    if (timedOut) throw new Error(`${command} did not finish within ${Math.round(limitMs / 1000)} s`);
    if (code !== 0) throw new Error(`${command} exited with ${code}: ${stderr.trim() || stdout.trim()}`);
    return stdout;
  } finally {
    clearTimeout(timer);
  }
}

const UNIT_TO_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/**
 * Parses `wrk --latency` output.
 *
 * @throws {Error} if the req/s or p99 lines are missing.
 */
export function parseWrk(output: string): LoadResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output)?.[1];
  const p99 = /^\s*99(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\b/m.exec(output);
  const requests = /^\s*(\d+) requests in /m.exec(output)?.[1];
  if (rps === undefined || p99?.[1] === undefined || p99[2] === undefined) {
    throw new Error(`could not parse wrk output:\n${output}`);
  }
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1];
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const errors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    rps: Number(rps),
    p99Ms: Number(p99[1]) * (UNIT_TO_MS[p99[2]] ?? Number.NaN),
    requests: Number(requests ?? 0),
    non2xx: Number(non2xx ?? 0),
    errors,
  };
}

/** wrk, if it is on PATH. */
export function findWrk(): LoadGenerator | undefined {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error) return undefined;
  const version = /^wrk\s+(\S+)/m.exec(`${probe.stdout}${probe.stderr}`)?.[1] ?? 'unknown';
  const args = (settings: LoadSettings, seconds: number | string, url: string): string[] => [
    '-t1', `-c${settings.connections}`, `-d${seconds}s`, '--timeout', '5s', '--latency', url,
  ];
  return {
    name: 'wrk',
    version,
    describe: (settings) =>
      `${settings.pinning.enabled ? 'taskset -c 1 ' : ''}wrk ${args(settings, '<s>', '<url>').join(' ')}`,
    run: async (url, seconds, settings, onStart) =>
      parseWrk(await capture('wrk', args(settings, seconds, url), settings, (seconds + 15) * 1000, onStart)),
  };
}

interface AutocannonJson {
  requests?: { average?: number; total?: number };
  latency?: { p99?: number };
  non2xx?: number;
  errors?: number;
  timeouts?: number;
}

/** autocannon from node_modules, run as its own (pinned) process. */
export function findAutocannon(): LoadGenerator | undefined {
  const require = createRequire(import.meta.url);
  let script: string;
  let version: string;
  try {
    script = require.resolve('autocannon/autocannon.js');
    version = (require('autocannon/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
  const args = (settings: LoadSettings, seconds: number | string, url: string): string[] => [
    '-c', String(settings.connections), '-d', String(seconds), '-t', '5', '--json', url,
  ];
  return {
    name: 'autocannon',
    version,
    describe: (settings) =>
      `${settings.pinning.enabled ? 'taskset -c 1 ' : ''}autocannon ${args(settings, '<s>', '<url>').join(' ')}`,
    run: async (url, seconds, settings, onStart) => {
      const output = await capture(process.execPath, [script, ...args(settings, seconds, url)], settings, (seconds + 15) * 1000, onStart);
      const line = output.trim().split('\n').pop() ?? '';
      const json = JSON.parse(line) as AutocannonJson;
      if (json.requests?.average === undefined || json.latency?.p99 === undefined) {
        throw new Error(`could not parse autocannon output:\n${output}`);
      }
      return {
        rps: json.requests.average,
        p99Ms: json.latency.p99,
        requests: json.requests.total ?? 0,
        non2xx: json.non2xx ?? 0,
        errors: (json.errors ?? 0) + (json.timeouts ?? 0),
      };
    },
  };
}
