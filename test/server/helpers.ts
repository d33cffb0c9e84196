// Shared helpers for the server tests: raw sockets, listening, child processes.
import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Listens on an ephemeral loopback port; returns the port. */
export async function listenLocal(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

export interface RawReply {
  /** Everything received, latin1. */
  text: string;
  /** First line, e.g. `HTTP/1.1 400 Bad Request`. */
  statusLine: string;
  /** The server ended the connection (FIN or RST) before `timeoutMs`. */
  closedByServer: boolean;
  /** Milliseconds from connect to close. */
  elapsedMs: number;
}

/**
 * Sends `chunks` on a fresh connection (`gapMs` apart) and reads until the server closes it or
 * `timeoutMs` passes. A reset after the reply still counts as closed.
 */
export function rawExchange(
  port: number,
  chunks: Array<string | Buffer>,
  opts: { gapMs?: number; timeoutMs?: number } = {},
): Promise<RawReply> {
  const { gapMs = 0, timeoutMs = 5000 } = opts;
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(received).toString('latin1');
      resolve({ text, statusLine: text.split('\r\n')[0] ?? '', closedByServer, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      let i = 0;
      const next = (): void => {
        if (done || socket.destroyed) return;
        const chunk = chunks[i++];
        if (chunk === undefined) return;
        socket.write(chunk, () => undefined);
        if (i < chunks.length) setTimeout(next, gapMs);
      };
      next();
    });
  });
}

/** A child process with line-oriented access to its stdout. */
export interface Child {
  proc: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first line of `stream` (default stdout) matching `re` (waits up to `timeoutMs`). */
  waitFor(re: RegExp, timeoutMs?: number, stream?: 'stdout' | 'stderr'): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal name) and the ms since `since`. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node --conditions=phial-source --import tsx <script> ...args` from the repo root. */
export function spawnTs(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Child {
  return spawnNode(['--conditions=phial-source', '--import', 'tsx', script, ...args], env);
}

/** Spawns `node <argv>` from the repo root, capturing stdout/stderr lines. */
export function spawnNode(argv: string[], env: NodeJS.ProcessEnv = {}): Child {
  const proc = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<{ re: RegExp; stream: 'stdout' | 'stderr'; resolve: (m: RegExpMatchArray) => void }> = [];
  const lineReader = (sink: string[], stream: 'stdout' | 'stderr') => {
    let buf = '';
    return (d: Buffer): void => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        sink.push(line);
        for (const w of [...waiters]) {
          if (w.stream !== stream) continue;
          const m = line.match(w.re);
          if (m) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(m);
          }
        }
      }
    };
  };
  proc.stdout?.on('data', lineReader(stdout, 'stdout'));
  proc.stderr?.on('data', lineReader(stderr, 'stderr'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const waitFor = (re: RegExp, timeoutMs = 15_000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RegExpMatchArray> => {
    for (const line of stream === 'stdout' ? stdout : stderr) {
      const m = line.match(re);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timed out waiting for ${re} on ${stream}; stdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`));
      }, timeoutMs);
      waiters.push({ re, stream, resolve: (m) => { clearTimeout(timer); resolve(m); } });
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`exited (${code ?? signal}) while waiting for ${re}; stdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`));
      });
    });
  };
  return { proc, stdout, stderr, waitFor, exited };
}

/** Rejects if `p` does not settle within `ms`. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
