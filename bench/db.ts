/**
 * The database benchmark: TechEmpower's "single query" test (one `world` row by random id, as
 * JSON) on SQLite and on PostgreSQL, Phial with `phial/db` against Fastify with the same drivers.
 *
 * Contestants (`bench/servers/<name>.ts`):
 * - `db-phial`: Phial, production env, all security headers, `phial/db` (Kysely, Phial's SQLite driver);
 * - `db-fastify-kysely`: Fastify, no security headers, Kysely's stock dialects — the same query
 *   builder, so the gap to `db-phial` is the framework's;
 * - `db-fastify`: Fastify calling the driver directly (prepared statement), TechEmpower style.
 *
 * Each server is pinned to CPU 0 and the load generator to CPU 1, as in `bench/run.ts`; the
 * PostgreSQL server is not pinned and shares the machine, so PostgreSQL numbers are noisier.
 *
 * @example
 * node --import tsx bench/db.ts --duration 10 --rounds 3   # builds phial first
 * node --import tsx bench/db.ts --only sqlite --duration 5
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { HOST } from './lib/contract.ts';
import { findAutocannon, findWrk, type LoadGenerator, type LoadSettings } from './lib/loadgen.ts';
import { measure, settle } from './lib/measure.ts';
import { detectPinning, installCleanup, stop } from './lib/procs.ts';
import { startServer } from './lib/server.ts';
import { WORLD_ROWS, worldRows } from './lib/world.ts';

const CONTESTANTS = ['db-fastify', 'db-fastify-kysely', 'db-phial'] as const;
const BASELINE = 'db-fastify';
const PG_ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
const TMP = fileURLToPath(new URL('../.bench-tmp/', import.meta.url));

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    tool: { type: 'string', default: 'wrk' },
    rounds: { type: 'string', default: '3' },
    settle: { type: 'string', default: '15' },
  },
});

function int(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${raw}`);
  return n;
}

const durationS = int('duration', values.duration, 1, 600);
const warmupS = int('warmup', values.warmup, 0, 60);
const connections = int('connections', values.connections, 1, 10_000);
const rounds = int('rounds', values.rounds, 1, 10);
const settleS = int('settle', values.settle, 0, 300);
const databases = (values.only ?? 'sqlite,postgres').split(',').map((s) => s.trim());
for (const d of databases) if (d !== 'sqlite' && d !== 'postgres') throw new Error(`--only takes sqlite and/or postgres, got ${d}`);

function generator(): LoadGenerator {
  const g = (values.tool === 'wrk' ? findWrk() : undefined) ?? findAutocannon();
  if (!g) throw new Error('neither wrk nor autocannon is available');
  return g;
}

async function sqliteWorld(): Promise<{ url: string; drop: () => Promise<void> }> {
  mkdirSync(TMP, { recursive: true });
  const path = `${TMP}world-${process.pid}.sqlite`;
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE world (id INTEGER PRIMARY KEY, randomnumber INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO world (id, randomnumber) VALUES (?, ?)');
  db.transaction(() => { for (const r of worldRows()) insert.run(r.id, r.randomnumber); })();
  db.close();
  return { url: `sqlite://${path}`, drop: async () => { for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true }); } };
}

async function pgWorld(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `phial_bench_${process.pid}`;
  const admin = async (sql: string, database = 'test'): Promise<void> => {
    const c = new pg.Client({ ...PG_ADMIN, database });
    await c.connect();
    try { await c.query(sql); } finally { await c.end(); }
  };
  await admin(`CREATE DATABASE ${name}`);
  const rows = worldRows();
  await admin(`CREATE TABLE world (id integer PRIMARY KEY, randomnumber integer NOT NULL);
    INSERT INTO world (id, randomnumber) VALUES ${rows.map((r) => `(${r.id}, ${r.randomnumber})`).join(',')}; ANALYZE world;`, name);
  return { url: `postgres://postgres@127.0.0.1:5432/${name}`, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** One request: the body must be `{"id":n,"randomNumber":m}` with n in 1..WORLD_ROWS. */
function check(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: HOST, port, path: '/db', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
        const row = JSON.parse(body) as { id?: unknown; randomNumber?: unknown };
        const keys = Object.keys(row).sort().join(',');
        if (res.statusCode !== 200 || keys !== 'id,randomNumber' || typeof row.id !== 'number' || row.id < 1 || row.id > WORLD_ROWS) {
          reject(new Error(`bad response ${res.statusCode}: ${body}`));
        } else resolve(body);
      });
    }).on('error', reject).end();
  });
}

async function main(): Promise<void> {
  const built = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed (the servers import the built phial package)');
  installCleanup();
  const pinning = detectPinning();
  const gen = generator();
  const settings: LoadSettings = { connections, pinning };
  process.stdout.write(`bench/db: ${gen.name} ${gen.version}: ${gen.describe(settings)}; ${pinning.note}\n`);
  // Best of `rounds` interleaved rounds per contestant: a shared machine only ever slows a run down.
  const results: Array<{ database: string; name: string; rps: number; p99: number; errors: number; foreign: number | undefined }> = [];
  for (const database of databases) {
    const world = database === 'sqlite' ? await sqliteWorld() : await pgWorld();
    process.env.DATABASE_URL = world.url;
    try {
      for (let round = 1; round <= rounds; round++) {
        for (const name of CONTESTANTS) {
          const server = await startServer(name, pinning);
          try {
            await check(server.port);
            const url = `http://${HOST}:${server.port}/db`;
            if (warmupS > 0) await gen.run(url, warmupS, settings);
            if (settleS > 0) await settle(server, settleS, (m) => process.stdout.write(`${m}\n`));
            const r = await measure(gen, server, url, durationS, settings);
            // Only successful responses count: an error answer is cheaper than a query.
            const ok = r.requests > 0 ? r.rps * (r.requests - r.non2xx - r.errors) / r.requests : 0;
            process.stdout.write(`${database.padEnd(9)} ${name.padEnd(18)} round ${round}: ${Math.round(ok).toLocaleString('en-US').padStart(8)} req/s  p99 ${r.p99Ms.toFixed(2)} ms` +
              `${r.foreignCpu === undefined ? '' : `  other CPU ${r.foreignCpu.toFixed(0)}%`}${r.non2xx + r.errors > 0 ? `  (${r.non2xx} non-2xx, ${r.errors} errors)` : ''}\n`);
            const previous = results.find((b) => b.database === database && b.name === name);
            const row = { database, name, rps: ok, p99: r.p99Ms, errors: r.non2xx + r.errors, foreign: r.foreignCpu };
            if (previous === undefined) results.push(row);
            else if (ok > previous.rps) Object.assign(previous, row);
          } finally {
            await stop(server.child);
          }
        }
      }
    } finally {
      await world.drop();
    }
  }
  process.stdout.write(`\n| database | contestant | 2xx req/s (best of ${rounds}) | p99 ms | × ${BASELINE} | other CPU % |\n|---|---|---:|---:|---:|---:|\n`);
  for (const r of results) {
    const base = results.find((b) => b.database === r.database && b.name === BASELINE);
    process.stdout.write(`| ${r.database} | ${r.name} | ${Math.round(r.rps).toLocaleString('en-US')} | ${r.p99.toFixed(2)} | ${base ? (r.rps / base.rps).toFixed(2) : 'n/a'} | ${r.foreign?.toFixed(0) ?? 'n/a'} |\n`);
  }
}

await main();
