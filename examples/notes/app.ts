/**
 * The notes app: a small multi-page Phial app with a JSON API. Start it with `npm start` from the
 * repository root; it listens on http://127.0.0.1:5000 (override with PORT and HOST).
 */
import { Blueprint, Phial, NotFound, abort, type PhialAppOptions } from 'phial';
import { openDatabase } from './db.ts';

/**
 * Builds the app (Flask's application-factory pattern): `phial run` calls it; tests call it with a
 * temporary instance folder.
 */
export async function createApp(options: PhialAppOptions = {}): Promise<Phial> {
  const app = new Phial({ name: 'notes', rootPath: import.meta.dirname, ...options });

  const db = await openDatabase(app.config.instancePath);
  app.onShutdown(() => db.destroy());

  /** HTML pages. */
  const pages = new Blueprint('pages');

  pages.get('/', async function index() {
    const latest = await db.selectFrom('notes').selectAll().orderBy('id', 'desc').limit(3).execute();
    return app.render('index.html', { latest });
  });

  pages.get('/notes', async function notes() {
    const all = await db.selectFrom('notes').selectAll().orderBy('id').execute();
    return app.render('notes/list.html', { notes: all });
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

  api.get('/notes', async function notes() {
    return db.selectFrom('notes').selectAll().orderBy('id').execute();
  });

  api.get('/notes/<int:id>', async function note(req) {
    const found = await db.selectFrom('notes').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!found) throw new NotFound('There is no note with that number.');
    return found;
  });

  api.errorHandler(404, (err: NotFound) => [{ error: { status: 404, message: err.description } }, 404]);

  app.registerBlueprint(pages);
  app.registerBlueprint(api);

  app.get('/healthz', function healthz() {
    return { status: 'ok' };
  });

  // Routing 404s belong to the app (as in Flask), so the API's JSON 404 for unknown URLs is here.
  app.errorHandler(404, (err: NotFound, req) => req.path.startsWith('/api/')
    ? [{ error: { status: 404, message: err.description } }, 404]
    : [app.render('error.html', { code: 404, title: 'Not found', message: err.description }), 404]);

  return app;
}
