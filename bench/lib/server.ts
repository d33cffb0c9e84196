/**
 * Starting one benchmark server: a free loopback port, the child process pinned to CPU 0 with
 * `NODE_ENV=production`, and the wait for its ready line.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HOST, READY_PREFIX } from './contract.ts';
import { spawnTracked, stop, type Pinning } from './procs.ts';

/** Time a server gets to print its ready line (the tsx loader compiles on first start), in ms. */
export const START_TIMEOUT_MS = 30_000;
// Every contestant runs its server file under tsx; `phial` resolves to the built package in dist/
// (what an app deploys), not to the TypeScript sources, so Phial pays no transpiling at run time.
const SERVER_NODE_ARGS = ['--import', 'tsx'];

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

/** A server that printed its ready line. */
export interface RunningServer {
  readonly child: ChildProcess;
  readonly port: number;
  /** Last lines of the server's stdout/stderr, for error messages. */
  readonly output: () => string;
}

/** How to start a server beyond its name. */
export interface StartOptions {
  /** Variables added to the server's environment (e.g. which Phial build, a CPU profile path). */
  readonly env?: Readonly<Record<string, string>>;
  /** Node options before the loader, e.g. `--conditions=phial-source` to run Phial's sources. */
  readonly nodeArgs?: readonly string[];
}

/**
 * Starts `bench/servers/<name>.ts` on CPU 0 and waits for its ready line.
 *
 * @throws {Error} if the server exits, fails to spawn, or is not ready within {@link START_TIMEOUT_MS};
 *   the message carries the server's first error line and the child is already stopped.
 */
export async function startServer(name: string, pinning: Pinning, options: StartOptions = {}): Promise<RunningServer> {
  const port = await freePort();
  const file = fileURLToPath(new URL(`../servers/${name}.ts`, import.meta.url));
  const child = spawnTracked(process.execPath, [...(options.nodeArgs ?? []), ...SERVER_NODE_ARGS, file], {
    cpu: 0,
    pinning,
    env: { ...process.env, ...options.env, NODE_ENV: 'production', PORT: String(port) },
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
export function indent(text: string): string {
  const lines = text.split('\n');
  const shown = lines.length <= 20 ? lines : [...lines.slice(0, 8), '...', ...lines.slice(-8)];
  return shown.map((line) => `    ${line}`).join('\n');
}
