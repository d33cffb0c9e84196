/**
 * Fastify with the database driver called directly (better-sqlite3 prepared statement; pg pool of
 * 10 with a named prepared statement), the way TechEmpower's Fastify entry does it.
 */
import BetterSqlite3 from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';
import { HOST, announceReady, benchPort } from '../lib/contract.ts';
import { WORLD_SQL_PG, WORLD_SQL_SQLITE, randomWorldId, worldUrl } from '../lib/world.ts';

const port = benchPort();
const url = worldUrl();
const app = Fastify({ logger: false });
if (url.startsWith('sqlite://')) {
  const db = new BetterSqlite3(url.slice('sqlite://'.length));
  db.pragma('journal_mode = WAL');
  const stmt = db.prepare(WORLD_SQL_SQLITE);
  app.get('/db', () => stmt.get(randomWorldId()));
} else {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  app.get('/db', async () => (await pool.query({ name: 'world', text: WORLD_SQL_PG, values: [randomWorldId()] })).rows[0]);
}
await app.listen({ host: HOST, port });
announceReady(port);
