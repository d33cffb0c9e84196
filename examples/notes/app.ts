/**
 * The notes app: a small multi-page Phial app with a JSON API. Start it with `npm start` from the
 * repository root; it listens on http://127.0.0.1:5000 (override with PORT and HOST).
 */
import { BadRequest, Blueprint, HTTPException, Phial, NotFound, abort, type PhialAppOptions, type Request } from 'phial';
import { MAX_QUERY_LENGTH, notesDatabase, searchNotes } from './db.ts';

/**
 * The `q` search parameter: undefined when absent or blank.
 * @throws BadRequest (400) for a query longer than {@link MAX_QUERY_LENGTH} or holding a NUL
 *   (which PostgreSQL text cannot store, so it could match nothing anyway)
 */
function searchQuery(req: Request): string | undefined {
  const q = req.query.get('q')?.trim();
  if (q === undefined || q === '') return undefined;
  if (q.length > MAX_QUERY_LENGTH) throw new BadRequest(`The search query is too long (at most ${MAX_QUERY_LENGTH} characters).`);
  if (q.includes('\0')) throw new BadRequest('The search query contains a character that is not allowed.');
  return q;
}

/**
 * Builds the app (Flask's application-factory pattern): `phial run` calls it; tests call it with a
 * temporary instance folder, and an environment holding `DATABASE_URL` to run on PostgreSQL.
 */
export async function createApp(options: PhialAppOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<Phial> {
  const app = new Phial({ name: 'notes', rootPath: import.meta.dirname, ...options });

  // Opens now (a bad DATABASE_URL stops the start), migrates in development, closes on shutdown.
  const database = await notesDatabase(env).initApp(app);
  const db = database.kysely;

  /** HTML pages. */
  const pages = new Blueprint('pages');

  pages.get('/', async function index() {
    const latest = await db.selectFrom('notes').selectAll().orderBy('id', 'desc').limit(3).execute();
    return app.render('index.html', { latest });
  });

  pages.get('/notes', async function notes(req) {
    const q = searchQuery(req);
    const found = q === undefined ? await db.selectFrom('notes').selectAll().orderBy('id').execute() : await searchNotes(db, q);
    return app.render('notes/list.html', { notes: found, q: q ?? null });
  });

  pages.get('/notes/<int:id>', async function note(req) {
    const found = await db.selectFrom('notes').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!found) abort(404, 'There is no note with that number.');
    return app.render('notes/show.html', { note: found });
  });

  pages.get('/about', function about() {
    const headers = Object.entries(app.describeSecurityHeaders()).filter(([, value]) => value !== 'off');
    return app.render('about.html', { headers });
  });

  /** JSON API. */
  const api = new Blueprint('api', { urlPrefix: '/api' });

  api.get('/notes', async function notes(req) {
    const q = searchQuery(req);
    return q === undefined ? db.selectFrom('notes').selectAll().orderBy('id').execute() : searchNotes(db, q);
  });

  api.get('/notes/<int:id>', async function note(req) {
    const found = await db.selectFrom('notes').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!found) throw new NotFound('There is no note with that number.');
    return found;
  });

  api.errorHandler(404, (err: NotFound) => [{ error: { status: 404, message: err.description } }, 404]);
  api.errorHandler(400, (err: HTTPException) => [{ error: { status: 400, message: err.description } }, 400]);

  app.registerBlueprint(pages);
  app.registerBlueprint(api);

  app.get('/healthz', function healthz() {
    return { status: 'ok' };
  });

  // Routing 404s belong to the app (as in Flask), so the API's JSON 404 for unknown URLs is here.
  app.errorHandler(404, (err: NotFound, req) => req.path.startsWith('/api/')
    ? [{ error: { status: 404, message: err.description } }, 404]
    : [app.render('error.html', { code: 404, title: 'Not found', message: err.description }), 404]);
  app.errorHandler(400, (err: HTTPException) =>
    [app.render('error.html', { code: 400, title: 'Bad request', message: err.description }), 400]);

  return app;
}
