/**
 * Child processes for the benchmark: each one runs in its own process group, is tracked until it
 * exits, and is killed with its whole group when the run ends, fails or is interrupted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';

const live = new Set<ChildProcess>();

/** Kills the process group of `child` with `signal`; ignores groups that are already gone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Synchronously SIGKILLs every tracked process group (safe inside an `exit` handler). */
export function killAll(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
  live.clear();
}

/**
 * Stops a child's process group: SIGTERM, then SIGKILL after `graceMs` milliseconds.
 * Resolves once the child has exited.
 */
export async function stop(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  killGroup(child, 'SIGKILL'); // leftovers in the group (e.g. an esbuild service process)
  live.delete(child);
}

/** Installs handlers so no child outlives the run: on exit, SIGINT, SIGTERM and SIGHUP. */
export function installCleanup(): void {
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal} received, stopping servers and load generator\n`);
      killAll();
      process.exit(130);
    });
  }
}

/** How processes get pinned to CPUs: via `taskset`, or not at all (with the reason). */
export interface Pinning {
  readonly enabled: boolean;
  readonly note: string;
}

/** Pins servers to CPU 0 and the load generator to CPU 1 when `taskset` exists and there are ≥ 2 CPUs. */
export function detectPinning(): Pinning {
  const cpus = availableParallelism();
  const taskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' });
  if (taskset.error) return { enabled: false, note: 'taskset not found (util-linux); processes are not pinned' };
  if (cpus < 2) return { enabled: false, note: `only ${cpus} CPU available; processes are not pinned` };
  return { enabled: true, note: 'server on CPU 0, load generator on CPU 1 (taskset)' };
}

/**
 * Spawns `command args` in a new process group, pinned to `cpu` when pinning is enabled, and
 * tracks it for cleanup. `taskset` execs the command, so the returned pid is the command's own.
 */
export function spawnTracked(
  command: string,
  args: readonly string[],
  options: { cpu: number; pinning: Pinning; env?: NodeJS.ProcessEnv },
): ChildProcess {
  const [cmd, argv] = options.pinning.enabled
    ? ['taskset', ['-c', String(options.cpu), command, ...args]]
    : [command, [...args]];
  const child = spawn(cmd, argv, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/**
 * Peak resident set size of `pid` in bytes, from `VmHWM` in `/proc/<pid>/status`;
 * `undefined` where `/proc` is not available.
 */
export async function peakRss(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** The CPU model from `/proc/cpuinfo`, with the logical CPU count. */
export async function cpuModel(): Promise<string> {
  const count = availableParallelism();
  try {
    const info = await readFile('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown CPU';
    return `${model} (${count} logical CPUs)`;
  } catch {
    return `unknown CPU (${count} logical CPUs)`;
  }
}

/** CPU time counters at one instant, in clock ticks. */
export interface CpuSample {
  /** Busy ticks over all CPUs (user, nice, system, steal). */
  readonly busy: number;
  /** utime + stime of each watched pid (0 once a pid is gone). */
  readonly perPid: ReadonlyMap<number, number>;
  /** When the sample was taken, ms since the epoch. */
  readonly at: number;
}

/** Samples machine-wide busy CPU and the CPU time of `pids`; `undefined` without `/proc`. */
export async function cpuSample(pids: readonly number[]): Promise<CpuSample | undefined> {
  try {
    const stat = await readFile('/proc/stat', 'utf8');
    const fields = /^cpu\s+(.+)$/m.exec(stat)?.[1]?.trim().split(/\s+/).map(Number);
    if (!fields || fields.length < 8) return undefined;
    // irq/softirq are left out: on loopback they are mostly our own server's and wrk's traffic.
    const [user = 0, nice = 0, system = 0, , , , , steal = 0] = fields;
    const perPid = new Map<number, number>();
    for (const pid of pids) {
      try {
        const text = await readFile(`/proc/${pid}/stat`, 'utf8');
        const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
        perPid.set(pid, Number(rest[11]) + Number(rest[12])); // fields 14 (utime) and 15 (stime)
      } catch {
        perPid.set(pid, 0);
      }
    }
    return { busy: user + nice + system + steal, perPid, at: Date.now() };
  } catch {
    return undefined;
  }
}

/**
 * CPU used by everything except `pids` between two samples, as a percentage of one CPU: a
 * measure of how noisy the machine was (other processes, hypervisor steal).
 */
export function foreignCpuPercent(before: CpuSample, after: CpuSample): number {
  const ticksPerSecond = 100; // USER_HZ, fixed at 100 on Linux for /proc
  const seconds = (after.at - before.at) / 1000;
  if (seconds <= 0) return 0;
  let ours = 0;
  for (const [pid, end] of after.perPid) ours += Math.max(0, end - (before.perPid.get(pid) ?? end));
  const foreign = after.busy - before.busy - ours;
  return Math.max(0, (foreign / ticksPerSecond / seconds) * 100);
}
