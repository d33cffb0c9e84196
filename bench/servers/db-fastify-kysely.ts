/**
 * Fastify with Kysely's own dialects (SqliteDialect over better-sqlite3, PostgresDialect over a pg
 * pool of 10): the same query builder as phial/db, so the gap to `db-phial` is the framework's.
 */
import BetterSqlite3 from 'better-sqlite3';
import Fastify from 'fastify';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { HOST, announceReady, benchPort } from '../lib/contract.ts';
import { randomWorldId, worldUrl } from '../lib/world.ts';

interface DB {
  world: { id: number; randomnumber: number };
}

const port = benchPort();
const url = worldUrl();
const db = new Kysely<DB>({
  dialect: url.startsWith('sqlite://')
    ? new SqliteDialect({ database: new BetterSqlite3(url.slice('sqlite://'.length)) })
    : new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 10 }) }),
});
const app = Fastify({ logger: false });
app.get('/db', () =>
  db.selectFrom('world').select(['id', 'randomnumber as randomNumber']).where('id', '=', randomWorldId()).executeTakeFirstOrThrow());
await app.listen({ host: HOST, port });
announceReady(port);
