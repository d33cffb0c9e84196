/**
 * CPU profiles of benchmark servers: a server started with {@link CPU_PROFILE_ENV} set records a
 * V8 CPU profile (the format of `node --cpu-prof`, readable by Chrome DevTools) and writes it
 * when it exits; the harness then summarises where the time went. `node --cpu-prof` itself cannot
 * be used because the servers are started by `bench/lib/server.ts` with fixed node arguments and
 * Node 20 refuses `--cpu-prof` in `NODE_OPTIONS`.
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/**
 * Environment variable naming the `.cpuprofile` file a server writes at exit. Not `PHIAL_*`:
 * Phial refuses environment variables in its prefix that no setting reads.
 */
export const CPU_PROFILE_ENV = 'BENCH_CPU_PROFILE';

/** Sampling interval, microseconds (V8's default is 1000; finer shows short crypto calls). */
const SAMPLING_INTERVAL_US = 250;

/**
 * In a server: starts profiling if {@link CPU_PROFILE_ENV} is set, and writes the profile to that
 * path on process exit (an in-thread inspector session answers synchronously, so this works
 * inside the `exit` handler, after the server's own SIGTERM handling). No-op otherwise.
 */
export function startCpuProfileFromEnv(): void {
  const path = process.env[CPU_PROFILE_ENV];
  if (path === undefined || path === '') return;
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
  session.post('Profiler.start');
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error === null && result !== undefined) writeFileSync(path, JSON.stringify(result.profile));
    });
  });
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Time per label, in % of the busy (non-idle) samples. */
export interface ProfileSummary {
  /** Busy time covered, ms. */
  readonly busyMs: number;
  /** Self time per area (a package, a Phial module, a Node subsystem, GC). */
  readonly areas: ReadonlyArray<{ readonly label: string; readonly percent: number }>;
  /** Self time per function. */
  readonly selfTop: ReadonlyArray<{ readonly label: string; readonly percent: number }>;
  /** Inclusive time per Phial (or server-file) function: itself and everything it called. */
  readonly inclusiveTop: ReadonlyArray<{ readonly label: string; readonly percent: number }>;
}

/** The area a frame belongs to: `phial src/sessions/encrypted`, `liquidjs`, `node:crypto`, `(gc)`. */
export function areaOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(program)') return '(program: V8/native outside JS)';
    return functionName === '' ? '(native)' : `(native) ${functionName}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  const phial = /\/(?:dist|src)\/(.+?)\.(?:js|ts)$/.exec(url)?.[1];
  if (phial !== undefined) return `phial ${phial.split('/').slice(0, 2).join('/')}`;
  const internal = /^node:(?:internal\/)?([^/]+(?:\/[^/]+)?)/.exec(url)?.[1];
  if (internal !== undefined) return `node:${internal}`;
  const bench = /\/bench\/(.+?)\.(?:js|ts)$/.exec(url)?.[1];
  if (bench !== undefined) return `bench ${bench}`;
  return url;
}

function frameLabel(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|dist|src|bench)\//, '$1/').replace(/^file:\/\//, '')}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where}`;
}

/**
 * Summarises a `.cpuprofile`: self time by area and by function, and inclusive time of the
 * functions in Phial's own code, each in % of non-idle time, the `top` largest of each.
 *
 * @throws {Error} if the file is missing or not a V8 CPU profile.
 */
export function summarizeCpuProfile(path: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  if (!Array.isArray(profile.nodes) || !Array.isArray(profile.samples)) throw new Error(`${path} is not a V8 CPU profile`);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  let busy = 0;
  const areas = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined || node.callFrame.functionName === '(idle)') continue;
    busy += us;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const label = frameLabel(node);
    self.set(label, (self.get(label) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (frame === undefined) break;
      const a = areaOf(frame.callFrame.url, frame.callFrame.functionName);
      if (!a.startsWith('phial ') && !a.startsWith('bench ')) continue;
      const l = frameLabel(frame);
      if (seen.has(l)) continue; // recursion: count a sample once per function
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
  const ranked = (m: Map<string, number>): Array<{ label: string; percent: number }> =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([label, us]) => ({ label, percent: busy > 0 ? (us / busy) * 100 : 0 }));
  return { busyMs: busy / 1000, areas: ranked(areas), selfTop: ranked(self), inclusiveTop: ranked(inclusive) };
}

/** The summary as indented text for the terminal. */
export function formatProfileSummary(summary: ProfileSummary): string {
  const block = (title: string, rows: ProfileSummary['areas']): string[] => [
    `  ${title}`,
    ...rows.map((r) => `    ${r.percent.toFixed(1).padStart(5)}%  ${r.label}`),
  ];
  return [
    `  busy CPU time profiled: ${(summary.busyMs / 1000).toFixed(1)} s (percentages are of that)`,
    ...block('self time by area:', summary.areas),
    ...block('self time by function:', summary.selfTop),
    ...block('inclusive time of Phial/bench functions:', summary.inclusiveTop),
  ].join('\n');
}
