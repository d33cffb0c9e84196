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

/**
 * Precomputed heads of one route: one flat array per kind and scheme, with empty slots for the
 * values that change per response (the length, the HTML nonce CSP). `writeHead` serialises an
 * array before it returns, so filling the slots of one shared array is safe on one thread and
 * saves a copy per response.
 */
export interface ResponseHeads {
  readonly json: FastHead;
  readonly jsonSecure: FastHead;
  readonly html: FastHead;
  readonly htmlSecure: FastHead;
  readonly compiled: CompiledSecurityHeaders;
}

/** A response head with the indexes of its per-response slots (-1: none). */
export interface FastHead {
  readonly pairs: string[];
  readonly lengthAt: number;
  readonly cspAt: number;
}

function head(prefix: readonly string[], cspName: string | undefined, secure: readonly string[]): FastHead {
  const pairs = [...prefix, 'content-length', ''];
  const lengthAt = pairs.length - 1;
  let cspAt = -1;
  if (cspName !== undefined) { pairs.push(cspName, ''); cspAt = pairs.length - 1; }
  pairs.push(...secure);
  return { pairs, lengthAt, cspAt };
}

/** Builds the heads for a compiled security header block. */
export function compileHeads(compiled: CompiledSecurityHeaders): ResponseHeads {
  const jsonPrefix = [...compiled.common, 'content-type', 'application/json'];
  if (compiled.staticCsp !== null) jsonPrefix.push(compiled.cspHeaderName, compiled.staticCsp);
  const htmlPrefix = [...compiled.common, 'content-type', 'text/html; charset=utf-8'];
  // HTML carries the nonce CSP, filled per response; with CSP off there is no slot.
  const cspName = compiled.staticCsp !== null ? compiled.cspHeaderName : undefined;
  return {
    json: head(jsonPrefix, undefined, []),
    jsonSecure: head(jsonPrefix, undefined, compiled.secureOnly),
    html: head(htmlPrefix, cspName, []),
    htmlSecure: head(htmlPrefix, cspName, compiled.secureOnly),
    compiled,
  };
}

function pick(secure: FastHead, plain: FastHead, heads: ResponseHeads, req: Request<unknown>): FastHead {
  return heads.compiled.secureOnly.length > 0 && req.isSecure ? secure : plain;
}

/** Writes a 200 JSON response whose body is already serialised. */
export function writeJsonFast(res: ServerResponse, heads: ResponseHeads, req: Request<unknown>, body: string): void {
  const h = pick(heads.jsonSecure, heads.json, heads, req);
  h.pairs[h.lengthAt] = String(Buffer.byteLength(body));
  res.writeHead(200, h.pairs);
  res.end(body);
}

/** Writes a 200 HTML response with the request's CSP nonce. */
export function writeHtmlFast(res: ServerResponse, heads: ResponseHeads, req: Request<unknown>, body: string): void {
  const h = pick(heads.htmlSecure, heads.html, heads, req);
  h.pairs[h.lengthAt] = String(Buffer.byteLength(body));
  if (h.cspAt !== -1) h.pairs[h.cspAt] = heads.compiled.htmlCsp(req.drawnNonce ?? req.cspNonce)!;
  res.writeHead(200, h.pairs);
  res.end(body);
}
