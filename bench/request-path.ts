/**
 * What Phial's request path costs in JavaScript, without sockets: the listener Phial's server runs
 * (request counting, framing guard, dispatch, fast write) called in a loop on real `IncomingMessage`
 * objects with a response whose `writeHead`/`end` only record, against `node-http-secure`'s handler
 * in the same loop. Node's parsing and writing, identical for both, are left out, and so is the
 * machine's noise: the result is the extra work per request that only Phial's code can remove,
 * in ns. With `--cpu-prof`, Phial's loop is profiled and its time listed by function.
 *
 * @example
 * npm run build && node --import tsx bench/request-path.ts
 * node --import tsx bench/request-path.ts --cpu-prof --routes json
 */
import { IncomingMessage, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HOST, ROUTES, type BenchRoute } from './lib/contract.ts';
import { formatProfileSummary, summarizeCpuProfile } from './lib/cpu-profile.ts';
import { intOption, usageFailure } from './lib/cli.ts';
import { benchApp } from './lib/phial-app.ts';
import { loadPhial } from './lib/phial-package.ts';
import { secureContestant } from './lib/secure-heads.ts';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const USAGE = `usage: node --import tsx bench/request-path.ts [options]
  --iterations <n>   requests per timed round (default 200000)
  --rounds <n>       timed rounds per route and contestant; the fastest counts (default 7)
  --routes <a,b,...> plaintext, json, users (default all)
  --cpu-prof         profile Phial's loop per route and print its time by function`;
const fail = usageFailure('request-path', USAGE);
const PROFILE_DIR = fileURLToPath(new URL('../.bench-tmp/profiles/', import.meta.url));
const ROUTE_NAMES: Readonly<Record<string, string>> = { plaintext: '/plaintext', json: '/json', users: '/users/42' };
// Phial counts requests per socket and closes at 1000, as wrk's connections see it.
const REQUESTS_PER_SOCKET = 999;

/** Records what a listener wrote; the only two methods the fast path calls. */
class RecordingResponse {
  shouldKeepAlive = true;
  headersSent = false;
  status = 0;
  head: readonly string[] = [];
  body: unknown = undefined;
  writeHead(status: number, head: readonly string[]): this {
    this.status = status;
    this.head = head;
    this.headersSent = true;
    return this;
  }
  end(body?: unknown): this {
    this.body = body;
    return this;
  }
}

/** A request as node:http hands it to the listener (headers materialised, as its server does). */
function request(socket: object, path: string): IncomingMessage {
  const req = new IncomingMessage(socket as never);
  req.method = 'GET';
  req.url = path;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  // What node's HTTP parser calls with the raw header lines (it also sets the count `headers` reads).
  (req as IncomingMessage & { _addHeaderLines(raw: string[], n: number): void })._addHeaderLines(RAW_HEADERS.slice(), RAW_HEADERS.length);
  req.complete = true;
  void req.headers;
  return req;
}

// What wrk sends: the Host header and nothing else.
const RAW_HEADERS = ['Host', `${HOST}:8080`];
const newSocket = (): object => ({ readableHighWaterMark: 16_384, remoteAddress: HOST });

/** ns per request of `listener` on `path`, the fastest of `rounds` rounds of `iterations`. */
function time(listener: Listener, path: string, iterations: number, rounds: number): number {
  let best = Infinity;
  for (let round = 0; round < rounds; round++) {
    let socket = newSocket();
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      if (i % REQUESTS_PER_SOCKET === 0) socket = newSocket();
      listener(request(socket, path), new RecordingResponse() as unknown as ServerResponse);
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / iterations);
  }
  return best;
}

/** @throws {Error} unless both listeners answer `route` synchronously with the same status, head and body. */
function check(route: BenchRoute, phial: Listener, secure: Listener): void {
  const a = new RecordingResponse();
  const b = new RecordingResponse();
  phial(request(newSocket(), route.path), a as unknown as ServerResponse);
  secure(request(newSocket(), route.path), b as unknown as ServerResponse);
  if (a.status !== 200 || a.body !== route.body) throw new Error(`${route.label}: Phial answered ${a.status} ${String(a.body)} synchronously`);
  if (JSON.stringify([b.status, b.head, b.body]) !== JSON.stringify([a.status, a.head, a.body])) {
    throw new Error(`${route.label}: node-http-secure wrote ${JSON.stringify(b.head)}, Phial ${JSON.stringify(a.head)}`);
  }
}

function profile(label: string, run: () => void): void {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 100 });
  session.post('Profiler.start');
  run();
  session.post('Profiler.stop', (error, result) => {
    if (error !== null) throw error;
    mkdirSync(PROFILE_DIR, { recursive: true });
    const path = `${PROFILE_DIR}request-path-${label.replace(/\W+/g, '_')}-${process.pid}.cpuprofile`;
    writeFileSync(path, JSON.stringify(result.profile));
    process.stdout.write(`\nPhial's loop on ${label} (${path}):\n${formatProfileSummary(summarizeCpuProfile(path, 20))}\n`);
  });
  session.disconnect();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { iterations: { type: 'string' }, rounds: { type: 'string' }, routes: { type: 'string' }, 'cpu-prof': { type: 'boolean' } },
  });
  const iterations = intOption(fail, 'iterations', values.iterations, 200_000, 1000, 10_000_000);
  const rounds = intOption(fail, 'rounds', values.rounds, 7, 1, 100);
  const names = values.routes === undefined ? Object.keys(ROUTE_NAMES) : values.routes.split(',').map((s) => s.trim());
  const paths = names.map((n) => ROUTE_NAMES[n] ?? fail(`unknown route ${JSON.stringify(n)}`));
  const app = benchApp(await loadPhial());
  // The listener Phial's server really runs; the server itself is never sent a request.
  const running = await app.listen({ host: HOST, port: 0 });
  const phial = running?.server.listeners('request')[0] as Listener | undefined;
  if (phial === undefined) throw new Error('the Phial server has no request listener');
  const secure = secureContestant().handler;
  const empty: Listener = () => undefined;

  process.stdout.write(`${iterations} requests per round, fastest of ${rounds} rounds; ns per request, the loop's own cost subtracted\n\n`);
  process.stdout.write('route            phial  node-http-secure   extra in Phial\n');
  for (const route of ROUTES.filter((r) => paths.includes(r.path))) {
    check(route, phial, secure);
    const loop = time(empty, route.path, iterations, rounds);
    const p = time(phial, route.path, iterations, rounds) - loop;
    const s = time(secure, route.path, iterations, rounds) - loop;
    process.stdout.write(`${route.label.padEnd(15)} ${p.toFixed(0).padStart(6)}  ${s.toFixed(0).padStart(16)}  ${(p - s).toFixed(0).padStart(15)}\n`);
    if (values['cpu-prof'] === true) profile(route.label, () => time(phial, route.path, iterations, rounds));
  }
  await running?.close();
}

await main();
