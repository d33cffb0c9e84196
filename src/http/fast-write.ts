/**
 * The response heads of the synchronous fast path: for each route, the security header block plus
 * `content-type` (and the static CSP for JSON) are joined once into a flat array at freeze time;
 * a response only appends its length (and, for HTML, the nonce CSP). Same headers as
 * {@link writeResponse}, built without per-response objects.
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { CompiledSecurityHeaders } from '../security/headers.ts';
import type { Request } from './request.ts';

/** Precomputed heads of one route. */
export interface ResponseHeads {
  /** `[...security, content-type, application/json, csp…, 'content-length']`, length value missing. */
  readonly json: readonly string[];
  /** `[...security, content-type, text/html…, 'content-length']`, length value missing. */
  readonly html: readonly string[];
  readonly compiled: CompiledSecurityHeaders;
}

/** Builds the heads for a compiled security header block. */
export function compileHeads(compiled: CompiledSecurityHeaders): ResponseHeads {
  const json = [...compiled.common, 'content-type', 'application/json'];
  if (compiled.staticCsp !== null) json.push(compiled.cspHeaderName, compiled.staticCsp);
  json.push('content-length');
  const html = [...compiled.common, 'content-type', 'text/html; charset=utf-8', 'content-length'];
  return { json, html, compiled };
}

function finish(out: string[], heads: ResponseHeads, req: Request<unknown>): string[] {
  const secure = heads.compiled.secureOnly;
  if (secure.length > 0 && req.isSecure) for (let i = 0; i < secure.length; i++) out.push(secure[i]!);
  return out;
}

/** Writes a 200 JSON response whose body is already serialised. */
export function writeJsonFast(res: ServerResponse, heads: ResponseHeads, req: Request<unknown>, body: string): void {
  const out = heads.json.slice();
  out.push(String(Buffer.byteLength(body)));
  res.writeHead(200, finish(out, heads, req));
  res.end(body);
}

/** Writes a 200 HTML response with the request's CSP nonce. */
export function writeHtmlFast(res: ServerResponse, heads: ResponseHeads, req: Request<unknown>, body: string): void {
  const out = heads.html.slice();
  out.push(String(Buffer.byteLength(body)));
  const csp = heads.compiled.htmlCsp(req.drawnNonce ?? req.cspNonce);
  if (csp !== null) out.push(heads.compiled.cspHeaderName, csp);
  res.writeHead(200, finish(out, heads, req));
  res.end(body);
}
