/** The three notes the example starts with (only into an empty table). */
import type { Migration } from 'phial/db';

const WELCOME = [
  { title: 'Welcome to Phial', body: 'This app is served by Phial: typed routes, auto-escaped templates and security headers on every response.' },
  { title: 'Try to break it', body: 'Visit /notes/abc, /notes/99999999999999999999 or //notes/1 and watch the framework answer safely. <script>alert("this is escaped")</script>' },
  { title: 'The JSON API', body: 'GET /api/notes and /api/notes/1 return JSON with the same headers; /api/notes?q=phial searches titles and bodies.' },
];

export const up: Migration['up'] = async (db) => {
  const any = await db.selectFrom('notes').select('id').limit(1).executeTakeFirst();
  if (any === undefined) await db.insertInto('notes').values(WELCOME).execute();
};

export const down: Migration['down'] = async (db) => {
  await db.deleteFrom('notes').where('title', 'in', WELCOME.map((n) => n.title)).execute();
};
