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
import { MAX_QUERY_LENGTH, notesDatabase, searchNotes, type Note } from './db.ts';
import { MAX_ATTACHMENT_BYTES, removeAttachment, storeAttachment, uploadsDir, type StoredAttachment } from './attachments.ts';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Text a note may hold: no control characters but tab and newlines, no lone surrogates (PostgreSQL refuses NUL). */
function noteText(field: string, max: number) {
  return z.string({ error: `${field} is required.` }).trim()
    .min(1, `${field} is required.`)
    .max(max, `At most ${max.toLocaleString('en')} characters.`)
    // eslint-disable-next-line no-control-regex -- the point is to find control characters
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'Contains a control character.')
    .refine((s) => !LONE_SURROGATE.test(s), 'Contains an invalid character.');
}

/** What a new note needs, shared by the HTML form and the JSON API. */
const NoteInput = z.object({
  title: noteText('A title', 200),
  body: noteText('Text', 10_000),
});

/** The columns the JSON API shows (the stored attachment file name stays internal). */
const PUBLIC_COLUMNS = ['id', 'title', 'body', 'created_at', 'attachment_name', 'attachment_type', 'attachment_size'] as const;

/** A note as the JSON API shows it. */
function publicNote(n: Pick<Note, (typeof PUBLIC_COLUMNS)[number]>): Record<string, unknown> {
  return Object.fromEntries(PUBLIC_COLUMNS.map((k) => [k, n[k]]));
}

/** The JSON error body of the API, for every HTTP error under /api/ (routing ones included). */
function apiError(err: HTTPException): [Record<string, unknown>, number, Record<string, string>] {
  const message = err.code >= 500 && err.code !== 505 ? 'Internal Server Error' : err.description;
  // The error's own headers (Allow on 405, Accept-Encoding on 415) go with it.
  return [{ error: { status: err.code, message, ...(err instanceof ValidationError ? { issues: err.issues } : {}) } }, err.code, err.headers];
}

/** Notes per page of `GET /api/notes`. */
const PAGE_SIZE = 100;

/** The list endpoint's query: an optional search and a page number, validated by the route. */
const ListQuery = z.object({
  q: z.string().optional(),
  page: z.coerce.number({ error: 'page must be a number.' }).int('page must be a whole number.').min(1, 'page starts at 1.').max(100_000, 'page is too large.').default(1),
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

  // Paged: ?page=N (100 notes a page, by id); `q` searches title and text.
  api.get('/notes', { schema: { query: ListQuery } }, async function notes(req) {
    const q = searchQuery(req);
    const offset = (req.valid.query.page - 1) * PAGE_SIZE;
    const rows = q === undefined
      ? await db.selectFrom('notes').select(PUBLIC_COLUMNS).orderBy('id').limit(PAGE_SIZE).offset(offset).execute()
      : (await searchNotes(db, q)).slice(offset, offset + PAGE_SIZE);
    return rows.map(publicNote);
  });

  // JSON clients post `{ title, body }`; the schema types req.valid.body and answers 400 with every issue.
  api.post('/notes', { schema: { body: NoteInput } }, async function create(req) {
    const { id } = await db.insertInto('notes').values({
      title: req.valid.body.title, body: req.valid.body.body,
      attachment_name: null, attachment_file: null, attachment_type: null, attachment_size: null,
    }).returning('id').executeTakeFirstOrThrow();
    const note = await db.selectFrom('notes').select(PUBLIC_COLUMNS).where('id', '=', id).executeTakeFirstOrThrow();
    return Response.json(publicNote(note), { status: 201, headers: { location: app.urlFor('api.note', { id }) } });
  });

  api.get('/notes/<int:id>', async function note(req) {
    const found = await db.selectFrom('notes').select(PUBLIC_COLUMNS).where('id', '=', req.params.id).executeTakeFirst();
    if (!found) throw new NotFound('There is no note with that number.');
    return publicNote(found);
  });

  // Every HTTP error of the API is JSON, with the validation issues when there are some.
  api.errorHandler(HTTPException, (err: HTTPException) => apiError(err));

  app.registerBlueprint(pages);
  app.registerBlueprint(api);

  app.get('/healthz', function healthz() {
    return { status: 'ok' };
  });

  // Routing errors (404, 405) and errors before routing belong to the app (as in Flask), so the
  // API's JSON for unknown URLs is decided here by path; pages get the app's error page.
  const titles: Record<number, string> = { 400: 'Bad request', 403: 'Forbidden', 404: 'Not found', 405: 'Method not allowed', 413: 'Too large', 415: 'Unsupported type', 505: 'HTTP version not supported' };
  app.errorHandler(HTTPException, (err: HTTPException, req) => {
    if (req.path === '/api' || req.path.startsWith('/api/')) return apiError(err);
    // 5xx pages keep Phial's generic text (505 is the client's HTTP version); a 413 about a file
    // adds what the form accepts.
    const message = err.code >= 500 && err.code !== 505 ? 'Something went wrong on our side.'
      : err.code === 413 && /file|body is larger/.test(err.description) ? `${err.description} Attachments may be at most ${MAX_ATTACHMENT_BYTES / 1048576} MiB.` : err.description;
    const page = app.render('error.html', { code: err.code, title: titles[err.code] ?? 'Error', message });
    return [page, err.code, err.headers];
  });

  return app;
}
