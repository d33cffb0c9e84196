/**
 * The notes app: a small multi-page Phial app with a JSON API. Start it with `npm start` from the
 * repository root; it listens on http://127.0.0.1:5000 (override with PORT and HOST).
 */
import * as z from 'zod';
import {
  BadRequest, Blueprint, HTTPException, Phial, NotFound, Response, ValidationError, abort, defineForm, redirect, sendFromDirectory,
  type PhialAppOptions, type Request,
} from 'phial';
import { SqliteSessionStore } from 'phial/sessions/sqlite';
import { MAX_QUERY_LENGTH, notesDatabase, searchNotes } from './db.ts';
import { MAX_ATTACHMENT_BYTES, removeAttachment, storeAttachment, uploadsDir, type StoredAttachment } from './attachments.ts';

/** What a new note needs, shared by the HTML form and the JSON API. */
const NoteInput = z.object({
  title: z.string().trim().min(1, 'Give the note a title.').max(200, 'At most 200 characters.'),
  body: z.string().trim().min(1, 'Write something.').max(10_000, 'At most 10 000 characters.'),
});

/** The create-note form (WTForms' job): validation, kept values, per-field errors, escaped rendering. */
const NoteForm = defineForm(NoteInput, {
  fields: {
    title: { label: 'Title', maxlength: 200, required: true, autocomplete: 'off' },
    body: { label: 'Text', type: 'textarea', rows: 8, maxlength: 10_000, required: true },
  },
});

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
  const app = new Phial({
    name: 'notes', rootPath: import.meta.dirname,
    // Server-side sessions: the cookie holds only a random id; logout and regenerate() revoke it.
    session: { type: 'server', store: (config) => new SqliteSessionStore({ instancePath: config.instancePath }) },
    ...options,
  });

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

  pages.get('/notes/new', function newNote() {
    return app.render('notes/new.html', { form: NoteForm.blank(), maxBytes: MAX_ATTACHMENT_BYTES });
  });

  // A multipart form with an optional attachment: the body is read under these limits before the
  // view runs (413 otherwise), CSRF-checked, then validated by the form.
  pages.route('/notes', {
    methods: ['POST'], accepts: ['multipart/form-data', 'application/x-www-form-urlencoded'],
    bodyLimits: { maxContentLength: MAX_ATTACHMENT_BYTES + 64 * 1024, maxFileSize: MAX_ATTACHMENT_BYTES, maxFiles: 1 },
  }, async function create(req) {
    const form = await NoteForm.parse(await req.form());
    if (!form.ok) return [app.render('notes/new.html', { form, maxBytes: MAX_ATTACHMENT_BYTES }), 400];
    const upload = (await req.files())['attachment']?.[0];
    let stored: StoredAttachment | undefined;
    if (upload && upload.size > 0) stored = await storeAttachment(app.config.instancePath, upload);
    try {
      const { id } = await db.insertInto('notes').values({
        title: form.values.title, body: form.values.body,
        attachment_name: stored?.attachment_name ?? null, attachment_file: stored?.attachment_file ?? null,
        attachment_type: stored?.attachment_type ?? null, attachment_size: stored?.attachment_size ?? null,
      }).returning('id').executeTakeFirstOrThrow();
      req.session.flash(`Note “${form.values.title}” saved.`, 'success');
      return redirect(app.urlFor('pages.note', { id }), 303);
    } catch (err) {
      if (stored) await removeAttachment(app.config.instancePath, stored.attachment_file);
      throw err;
    }
  });

  pages.get('/notes/<int:id>', async function note(req) {
    const found = await db.selectFrom('notes').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!found) abort(404, 'There is no note with that number.');
    return app.render('notes/show.html', { note: found });
  });

  // Always a download under the sanitised name, with an allow-listed type: an uploaded page never
  // renders as one of ours.
  pages.get('/notes/<int:id>/attachment', async function attachment(req) {
    const found = await db.selectFrom('notes').select(['attachment_name', 'attachment_file', 'attachment_type'])
      .where('id', '=', req.params.id).executeTakeFirst();
    if (!found?.attachment_file) abort(404, 'This note has no attachment.');
    return sendFromDirectory(uploadsDir(app.config.instancePath), found.attachment_file, req, {
      asAttachment: true, downloadName: found.attachment_name ?? 'attachment', mimetype: found.attachment_type ?? 'application/octet-stream',
    });
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

  // JSON clients post `{ title, body }`; the schema types req.valid.body and answers 400 with every issue.
  api.post('/notes', { schema: { body: NoteInput } }, async function create(req) {
    const { id } = await db.insertInto('notes').values({
      title: req.valid.body.title, body: req.valid.body.body,
      attachment_name: null, attachment_file: null, attachment_type: null, attachment_size: null,
    }).returning('id').executeTakeFirstOrThrow();
    const note = await db.selectFrom('notes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return Response.json(note, { status: 201, headers: { location: app.urlFor('api.note', { id }) } });
  });

  api.get('/notes/<int:id>', async function note(req) {
    const found = await db.selectFrom('notes').selectAll().where('id', '=', req.params.id).executeTakeFirst();
    if (!found) throw new NotFound('There is no note with that number.');
    return found;
  });

  api.errorHandler(404, (err: NotFound) => [{ error: { status: 404, message: err.description } }, 404]);
  api.errorHandler(400, (err: HTTPException) =>
    [{ error: { status: 400, message: err.description, ...(err instanceof ValidationError ? { issues: err.issues } : {}) } }, 400]);

  app.registerBlueprint(pages);
  app.registerBlueprint(api);

  app.get('/healthz', function healthz() {
    return { status: 'ok' };
  });

  // Routing 404s belong to the app (as in Flask), so the API's JSON 404 for unknown URLs is here.
  app.errorHandler(404, (err: NotFound, req) => req.path.startsWith('/api/')
    ? [{ error: { status: 404, message: err.description } }, 404]
    : [app.render('error.html', { code: 404, title: 'Not found', message: err.description }), 404]);
  app.errorHandler(400, (err: HTTPException, req) => req.path.startsWith('/api/')
    ? [{ error: { status: 400, message: err.description } }, 400]
    : [app.render('error.html', { code: 400, title: 'Bad request', message: err.description }), 400]);
  app.errorHandler(403, (err: HTTPException, req) => req.path.startsWith('/api/')
    ? [{ error: { status: 403, message: err.description } }, 403]
    : [app.render('error.html', { code: 403, title: 'Forbidden', message: err.description }), 403]);
  app.errorHandler(413, (_err: HTTPException, req) => req.path.startsWith('/api/')
    ? [{ error: { status: 413, message: 'The request is too large.' } }, 413]
    : [app.render('error.html', { code: 413, title: 'Too large', message: `The upload is too large: attachments may be at most ${MAX_ATTACHMENT_BYTES / 1048576} MiB.` }), 413]);

  return app;
}
