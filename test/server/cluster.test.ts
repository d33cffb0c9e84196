// runWorkers(): a real primary with real workers, supervised.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { pino } from 'pino';
import { runWorkers } from '../../src/server/cluster.ts';
import { spawnTs, within } from './helpers.ts';

const FIXTURE = 'test/fixtures/server/cluster-child.ts';

function getPid(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: '/pid', agent: false, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(Number(body)));
    });
    // A connection the primary handed to the worker being killed is lost with it: don't wait forever.
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runWorkers', () => {
  test('restarts a killed worker, then shuts down on SIGTERM with exit 0', async () => {
    const child = spawnTs(FIXTURE, [], { WORKERS: '2', MODE: 'serve' });
    try {
      await child.waitFor(/^PRIMARY READY \d+$/);
      const port = Number((await child.waitFor(/^LISTENING (\d+) \d+$/))[1]);
      // The workers ran the .ts fixture, so the primary's --import tsx / --conditions reached them.
      const initial = new Set<number>();
      for (let i = 0; i < 20 && initial.size < 2; i += 1) initial.add(await getPid(port));
      assert.equal(initial.size, 2, 'both workers answer');
      assert.ok(!initial.has(child.proc.pid ?? -1), 'the primary does not serve');

      const [victim] = initial;
      assert.ok(victim !== undefined);
      process.kill(victim, 'SIGKILL');
      let replacement: number | undefined;
      const deadline = Date.now() + 8000;
      while (replacement === undefined && Date.now() < deadline) {
        const pid = await getPid(port).catch(() => undefined);
        if (pid !== undefined && !initial.has(pid)) replacement = pid;
        else await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(replacement !== undefined, 'a new worker answers within 8 s');
      assert.ok(!alive(victim));

      child.proc.kill('SIGTERM');
      const exit = await within(child.exited, 8000, 'primary exit');
      assert.deepEqual(exit, { code: 0, signal: null });
      for (const pid of [...initial, replacement]) assert.ok(!alive(pid), `worker ${pid} is gone`);
    } finally {
      child.proc.kill('SIGKILL');
    }
  });

  test('gives up with exit 1 when workers crash-loop', async () => {
    const child = spawnTs(FIXTURE, [], { WORKERS: '1', MODE: 'crash' });
    try {
      const exit = await within(child.exited, 20_000, 'primary exit');
      assert.deepEqual(exit, { code: 1, signal: null });
      const log = child.stderr.join('\n');
      assert.match(log, /crash-looping; giving up/);
      assert.equal((log.match(/worker died; restarting/g) ?? []).length, 3);
    } finally {
      child.proc.kill('SIGKILL');
    }
  });

  test('a worker configuration error (exit 2 before ready) stops everything with exit 2', async () => {
    const child = spawnTs(FIXTURE, [], { WORKERS: '2', MODE: 'config-error' });
    try {
      const exit = await within(child.exited, 10_000, 'primary exit');
      assert.deepEqual(exit, { code: 2, signal: null });
      assert.doesNotMatch(child.stderr.join('\n'), /worker died; restarting/);
    } finally {
      child.proc.kill('SIGKILL');
    }
  });

  test('rejects a worker count outside 1..64', async () => {
    const opts = { logger: pino({ level: 'silent' }), start: async () => undefined };
    for (const n of [0, -1, 65, 1.5, Number.NaN]) {
      await assert.rejects(runWorkers(n, opts), { name: 'ServerOptionError', code: 'PHIAL_E_WORKERS', message: `workers must be an integer from 1 to 64, got ${n}` });
    }
  });
});
