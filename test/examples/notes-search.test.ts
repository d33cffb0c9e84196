// The notes app's search (`GET /notes?q=`, `GET /api/notes?q=`) on SQLite and on PostgreSQL (the
// same code, DATABASE_URL only), fed SQL-injection payloads: answers must equal a plain JS filter
// of the notes, never leak another table, and leave the schema intact.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Phial } from 'phial';
import type { TestClient } from 'phial/testing';
import { createDatabase, type Database } from 'phial/db';
import { createApp } from '../../examples/notes/app.ts';
import { searchQuery, type DB, type Note } from '../../examples/notes/db.ts';
import { tempDir } from '../helpers.ts';
import { DIALECTS, type TestDatabase } from '../db/helpers.ts';

const SECRET = 'TOPSECRET-7f3a9c';

const EXTRA = [
  { title: '100% sure', body: 'Percent signs are literal here.' },
  { title: 'snake_case names', body: 'Underscores too: a_b_c.' },
  { title: "O'Reilly's book", body: 'Quotes \' and " inside.' },
  { title: 'Windows path', body: 'C:\\Users\\phial\\notes.txt has backslashes \\ and \\%.' },
  { title: 'Comments', body: 'SQL comments look like /* this */ or -- this.' },
  { title: 'Stacked', body: "Robert'); DROP TABLE notes; -- is a classic." },
  { title: 'Unions', body: 'A UNION SELECT is how data leaks.' },
  { title: 'MiXeD CaSe', body: 'PHIAL phial Phial' },
];

const PAYLOADS = [
  "'", '"', '`', "''", "' OR 1=1 --", "' OR '1'='1", "%' OR 1=1 --", '" OR ""="', "admin'--", "') OR ('1'='1",
  '1; DROP TABLE notes', "'; DROP TABLE notes; --", "Robert'); DROP TABLE notes; --",
  `' UNION SELECT value, value, value, value FROM secrets --`, "') UNION SELECT 1,2,3,4 --", 'UNION SELECT',
  "'||(SELECT value FROM secrets)||'", "' AND 1=(SELECT COUNT(*) FROM secrets) --", "1' ORDER BY 10--",
  "'; SELECT pg_sleep(3); --", "' AND SLEEP(3) --", '/*', '*/', '/* this */', '--', '#', ';',
  '%', '_', '%%', '__', '\\', '\\%', '\\_', '%_%', '100%', 'a_b', '[a-z]', '^', '*', '?', '.*',
  'phial', 'PHIAL', 'pHiAl', 'C:\\Users', '$1', '?1', ':name', '\u00a0', 'é', '%'.repeat(150), "'".repeat(200),
];

/** What the search must return: a case-insensitive substring match on title or body (ASCII). */
function expected(notes: readonly Note[], raw: string): number[] {
  const q = raw.trim().toLowerCase();
  if (q === '') return notes.map((n) => n.id);
  return notes.filter((n) => n.title.toLowerCase().includes(q) || n.body.toLowerCase().includes(q)).map((n) => n.id);
}

function listedIds(html: string): number[] {
  return [...html.matchAll(/<li><a href="\/notes\/(\d+)">/g)].map((m) => Number(m[1]));
}

for (const dialect of DIALECTS) {
  describe(`notes search on ${dialect.name}`, { skip: dialect.skip }, () => {
    let target: TestDatabase;
    let app: Phial;
    let client: TestClient;
    let side: Database<DB & { secrets: { value: string } }>;
    let notes: Note[];

    before(async () => {
      target = await dialect.create();
      // The app migrates its own schema on start (development); no code differs between dialects.
      app = await createApp({ instancePath: join(tempDir(), 'instance'), logLevel: 'silent' }, { DATABASE_URL: target.url });
      client = app.testClient();
      side = await createDatabase<DB & { secrets: { value: string } }>({ url: target.url }).open();
      await side.kysely.insertInto('notes').values(EXTRA).execute();
      await side.kysely.schema.createTable('secrets').addColumn('value', 'text').execute();
      await side.kysely.insertInto('secrets').values({ value: SECRET }).execute();
      notes = await side.kysely.selectFrom('notes').selectAll().orderBy('id').execute();
      assert.equal(notes.length, 3 + EXTRA.length);
    });
    after(async () => {
      await client?.close();
      await app?.runShutdownHooks();
      await side?.close();
      await target?.drop();
    });

    test('the app runs unchanged on this database: pages and API', async () => {
      for (const path of ['/', '/notes', '/notes/1', '/about']) assert.equal((await client.get(path)).status, 200, path);
      assert.equal((await client.get('/api/notes/1')).json<Note>().title, 'Welcome to Phial');
      assert.deepEqual((await client.get('/api/notes')).json<Note[]>().map((n) => n.id), notes.map((n) => n.id));
    });

    test('plain searches: case-insensitive, title or body', async () => {
      const found = (await client.get('/api/notes?q=PHIAL')).json<Note[]>().map((n) => n.title);
      assert.deepEqual(found, ['Welcome to Phial', 'The JSON API', 'Windows path', 'MiXeD CaSe']);
      assert.deepEqual((await client.get('/api/notes?q=backslashes')).json<Note[]>().map((n) => n.title), ['Windows path']);
      assert.deepEqual((await client.get('/api/notes?q=nothing-matches-this')).json(), []);
    });

    test('% and _ match themselves, not any text', async () => {
      assert.deepEqual((await client.get('/api/notes?q=%25')).json<Note[]>().map((n) => n.title), ['100% sure', 'Windows path']);
      assert.deepEqual((await client.get('/api/notes?q=_')).json<Note[]>().map((n) => n.title), ['snake_case names']);
      assert.deepEqual((await client.get('/api/notes?q=%5C')).json<Note[]>().map((n) => n.title), ['Windows path']);
    });

    test('injection payloads: exact results, nothing leaked, schema intact (API and page)', async () => {
      for (const payload of PAYLOADS) {
        const want = expected(notes, payload);
        const q = encodeURIComponent(payload);
        const api = await client.get(`/api/notes?q=${q}`);
        assert.equal(api.status, 200, payload);
        assert.deepEqual(api.json<Note[]>().map((n) => n.id), want, `API q=${payload}`);
        assert.ok(!api.text.includes(SECRET), payload);
        const page = await client.get(`/notes?q=${q}`);
        assert.equal(page.status, 200, payload);
        assert.deepEqual(listedIds(page.text), want, `page q=${payload}`);
        assert.ok(!page.text.includes(SECRET), payload);
      }
      const count = await side.kysely.selectFrom('notes').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(count.n), notes.length, 'no row added or removed');
      assert.deepEqual(await side.kysely.selectFrom('secrets').select('value').execute(), [{ value: SECRET }]);
    });

    test('any query over a hostile alphabet equals the JS filter (property)', async () => {
      const alphabet = [...'aeiouPHIALsnake %_\\\'";-/*()=|#:?$0123456789'];
      await fc.assert(fc.asyncProperty(fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 12 }), async (q) => {
        const r = await client.get(`/api/notes?q=${encodeURIComponent(q)}`);
        assert.equal(r.status, 200);
        assert.deepEqual(r.json<Note[]>().map((n) => n.id), expected(notes, q));
      }), { numRuns: 150 });
    });

    test('the query is shown escaped on the page; too long or NUL is a 400 with a short message', async () => {
      const page = await client.get(`/notes?q=${encodeURIComponent('<script>alert(1)</script>')}`);
      assert.equal(page.status, 200);
      assert.doesNotMatch(page.text, /<script>alert/);
      assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
      const long = await client.get(`/api/notes?q=${'a'.repeat(201)}`);
      assert.equal(long.status, 400);
      assert.deepEqual(long.json(), { error: { status: 400, message: 'The search query is too long (at most 200 characters).' } });
      assert.equal((await client.get(`/api/notes?q=${'a'.repeat(200)}`)).status, 200);
      const nul = await client.get('/api/notes?q=a%00b');
      assert.equal(nul.status, 400);
      assert.match(nul.text, /not allowed/);
      const longPage = await client.get(`/notes?q=${'b'.repeat(300)}`);
      assert.equal(longPage.status, 400);
      assert.match(longPage.text, /Bad request/);
    });
  });
}

describe('notes search: the SQL sent', () => {
  test('the search string is never part of the SQL text: it is a parameter, wildcards escaped', async () => {
    const db = await createDatabase<DB>({ url: 'sqlite://:memory:' }).open();
    try {
      const payload = "x%_\\' OR 1=1; DROP TABLE notes --";
      const compiled = searchQuery(db.kysely, payload).compile();
      assert.equal(compiled.sql,
        `select * from "notes" where (lower(title) like lower(?) escape '\\' or lower(body) like lower(?) escape '\\') order by "id"`);
      const pattern = "%x\\%\\_\\\\' OR 1=1; DROP TABLE notes --%";
      assert.deepEqual(compiled.parameters, [pattern, pattern]);
    } finally {
      await db.close();
    }
  });
});
