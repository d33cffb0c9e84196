/**
 * Default error responses. HTML for browsers (a small page like Werkzeug's), JSON when the client
 * prefers it (`Accept: application/json` without `text/html`). The text is the exception's
 * short description, HTML-escaped, for 4xx; a 5xx shows only the standard sentence for its status
 * (the description and any underlying error go to the log). In debug
 * mode, and only to a loopback client, a 500 page adds the stack trace.
 *
 * @module
 */
import { HTTPException, ValidationError, defaultDescription, statusName } from '../errors/http.ts';
import { Response } from './response.ts';
import { escapeHtml } from '../security/escape.ts';

export { escapeHtml };

/** Whether the Accept header prefers JSON over HTML. */
export function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** Options for {@link errorResponse}. */
export interface ErrorPageOptions {
  accept: string | undefined;
  /** Stack trace to show (debug mode, loopback client only). */
  debugDetail?: string | undefined;
  /** Request id, shown on 5xx pages so a user can quote it. */
  requestId?: string | undefined;
}

/** Builds the default response for an HTTP exception. */
export function errorResponse(err: HTTPException, opts: ErrorPageOptions): Response {
  const name = statusName(err.code);
  // A 5xx page shows only the standard sentence: whatever text the app or a library put in a
  // server error (`abort(500, detail)`) goes to the log, never to the client.
  const description = err.code >= 500 ? defaultDescription(err.code) : err.description;
  let res: Response;
  if (wantsJson(opts.accept)) {
    const body: Record<string, unknown> = { error: { status: err.code, name, message: description } };
    if (opts.requestId && err.code >= 500) (body.error as Record<string, unknown>).requestId = opts.requestId;
    if (err instanceof ValidationError) (body.error as Record<string, unknown>).issues = err.issues;
    if (opts.debugDetail) (body.error as Record<string, unknown>).debug = opts.debugDetail;
    res = new Response(JSON.stringify(body), { status: err.code, headers: { 'content-type': 'application/json' } });
  } else {
    let html = `<!doctype html>\n<html lang="en">\n<title>${err.code} ${escapeHtml(name)}</title>\n<h1>${escapeHtml(name)}</h1>\n<p>${escapeHtml(description)}</p>\n`;
    if (err instanceof ValidationError && err.issues.length > 0) {
      html += `<ul>\n${err.issues.map((i) => `<li>${escapeHtml(i.location)}${i.path ? ' ' + escapeHtml(i.path) : ''}: ${escapeHtml(i.message)}</li>\n`).join('')}</ul>\n`;
    }
    if (opts.requestId && err.code >= 500) html += `<p>Request id: <code>${escapeHtml(opts.requestId)}</code></p>\n`;
    if (opts.debugDetail) html += `<pre>${escapeHtml(opts.debugDetail)}</pre>\n`;
    res = new Response(html, { status: err.code, headers: { 'content-type': 'text/html; charset=utf-8' } });
  }
  for (const k of Object.keys(err.headers)) res.headers.set(k, err.headers[k]!);
  return res;
}
