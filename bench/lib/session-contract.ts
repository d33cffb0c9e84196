/**
 * The contract of the sessions-and-CSRF benchmark (`bench/sessions.ts`), shared by its harness and
 * its two servers (`bench/servers/session-phial.ts`, `bench/servers/session-fastify.ts`).
 *
 * Every server serves the same three routes on loopback, on the port given in `PORT`, and prints
 * the ready line of `bench/lib/contract.ts`:
 *
 * - `POST /login`, form `user=<name>`: starts a fresh session holding `user`, answers
 *   `303 See Other` to `/form` with the session cookie (the login-like request the harness makes
 *   once, like a browser).
 * - `GET /form`: reads `user` from the session (401 without one) and renders {@link FORM_TEMPLATE}
 *   with a CSRF token bound to the session, as `text/html; charset=utf-8`.
 * - `POST /form`, form `csrf_token=<token>&note=<text>`: 403 unless the token is valid for this
 *   session, else `200` with {@link savedBody} as `text/plain; charset=utf-8`.
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The user the harness logs in as. `&` and `<` check that both contestants HTML-escape output. */
export const SESSION_USER = 'Ada <Lovelace> & Co';

/** {@link SESSION_USER} as it must appear in the rendered page (HTML-escaped). */
export const SESSION_USER_HTML = 'Ada &lt;Lovelace&gt; &amp; Co';

/** The note posted by the measured `POST /form` (URL-safe as is). */
export const NOTE = 'hello-from-wrk';

/** Name of the page template inside the template folder. */
export const FORM_TEMPLATE_NAME = 'form.html';

/** The form field (Phial's and Flask-WTF's name) both contestants read the CSRF token from. */
export const CSRF_FIELD = 'csrf_token';

/**
 * The page, in LiquidJS syntax, rendered by both contestants with the same LiquidJS version.
 * Context: `user` (from the session) and `csrf_token` (Phial provides it itself; the Fastify
 * server passes `reply.generateCsrf()`). Both escape every `{{ … }}` as HTML.
 */
export const FORM_TEMPLATE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Your notes</title></head>
<body>
<h1>Hello, {{ user }}</h1>
<form method="post" action="/form">
<input type="hidden" name="${CSRF_FIELD}" value="{{ csrf_token }}">
<label>Note <input name="note" maxlength="200" required></label>
<button type="submit">Save</button>
</form>
</body>
</html>
`;

/** The body of a successful `POST /form`: the note and the session's user, as plain text. */
export function savedBody(note: string, user: string): string {
  return `saved ${note} for ${user}`;
}

/**
 * Writes {@link FORM_TEMPLATE} to `<fresh temp dir>/templates/form.html` and removes the folder
 * when the process exits (including on SIGTERM/SIGINT, after the server's own handlers ran).
 *
 * @returns the temp folder (the app root); the templates are in its `templates` subfolder.
 */
export function writeTemplateRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'phial-bench-sessions-'));
  mkdirSync(join(root, 'templates'));
  writeFileSync(join(root, 'templates', FORM_TEMPLATE_NAME), FORM_TEMPLATE);
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  return root;
}
