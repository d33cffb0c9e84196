// bench/servers/node-http-secure.ts is the benchmark's ceiling for Phial only while it sends
// exactly what Phial sends by default; these checks fail as soon as Phial's default head (names,
// values, order) or its keep-alive limit changes without the contestant following.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, get } from 'node:http';
import { HOST, ROUTES } from '../../bench/lib/contract.ts';
import { startServer, type RunningServer } from '../../bench/lib/server.ts';
import { stop } from '../../bench/lib/procs.ts';
import { headDifference, responseHead } from '../../bench/lib/verify.ts';
import { DEFAULT_SERVER_LIMITS } from '../../src/config/config.ts';

const UNPINNED = { enabled: false, note: 'tests do not pin' };
const FROM_SOURCES = { nodeArgs: ['--conditions=phial-source'] };

async function withServers(run: (phial: RunningServer, secure: RunningServer) => Promise<void>): Promise<void> {
  const [phial, secure] = await Promise.all([
    startServer('phial', UNPINNED, FROM_SOURCES),
    startServer('node-http-secure', UNPINNED, FROM_SOURCES),
  ]);
  try {
    await run(phial, secure);
  } finally {
    await Promise.all([stop(phial.child), stop(secure.child)]);
  }
}

/** The `Connection` header of each of `count` requests sent one after another on one connection. */
async function connectionHeaders(port: number, path: string, count: number): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const seen: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      seen.push(await new Promise<string>((resolve, reject) => {
        get({ host: HOST, port, path, agent }, (res) => {
          res.resume();
          res.once('end', () => resolve(String(res.headers.connection)));
        }).once('error', reject);
      }));
    }
  } finally {
    agent.destroy();
  }
  return seen;
}

test('node-http-secure sends exactly the response head Phial sends on every bench route', async () => {
  await withServers(async (phial, secure) => {
    for (const route of ROUTES) {
      const expected = await responseHead(phial.port, route.path);
      assert.ok(expected.some((line) => line.startsWith('content-security-policy: ')), `${route.label}: Phial sent no CSP`);
      assert.equal(headDifference(expected, await responseHead(secure.port, route.path)), undefined, route.label);
    }
  });
});

test('node-http-secure closes a connection after as many responses as Phial', async () => {
  const limit = DEFAULT_SERVER_LIMITS.maxRequestsPerSocket;
  await withServers(async (phial, secure) => {
    for (const server of [phial, secure]) {
      const seen = await connectionHeaders(server.port, '/json', limit);
      assert.deepEqual([seen[limit - 2], seen[limit - 1]], ['keep-alive', 'close']);
    }
  });
});
