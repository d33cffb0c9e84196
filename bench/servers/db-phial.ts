/** Phial + phial/db (Kysely), production env, every default on: `GET /db` returns one random `world` row. */
import { randomBytes } from 'node:crypto';
import { Phial } from 'phial';
import { createDatabase } from 'phial/db';
import { HOST, announceReady, benchPort } from '../lib/contract.ts';
import { randomWorldId } from '../lib/world.ts';

interface DB {
  world: { id: number; randomnumber: number };
}

const port = benchPort();
const app = new Phial({ name: 'bench', env: 'production', secretKey: randomBytes(32).toString('hex'), logLevel: 'silent' });
const db = await createDatabase<DB>({ migrations: false }).initApp(app);
const world = db.kysely;
app.get('/db', () =>
  world.selectFrom('world').select(['id', 'randomnumber as randomNumber']).where('id', '=', randomWorldId()).executeTakeFirstOrThrow());
await app.listen({ host: HOST, port });
announceReady(port);
