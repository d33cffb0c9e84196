/**
 * Writes a {@link Response} to Node's `ServerResponse` in one `writeHead` call: the app's
 * precomputed security header block, then the response's own headers (which win over a security
 * header of the same name), then the body. Passing one flat array to `writeHead` is what keeps the
 * security defaults nearly free (see docs/architecture.md).
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from './response.ts';
import type { CompiledSecurityHeaders } from '../security/headers.ts';

/** The per-request facts the writer needs. */
export interface WriteContext {
  method: string;
  isSecure: boolean;
  /** A nonce already drawn for this request (templates used it), else undefined. */
  drawnNonce: string | undefined;
  /** Draws a nonce when the response is HTML and none was drawn yet. */
  nonce(): string;
  /**
   * True only for plain-HTTP development on loopback: cookies set with `response.setCookie`
   * without an explicit `secure` are sent without `Secure`, so browsers that refuse Secure
   * cookies over `http://127.0.0.1` still keep them. Default false (cookies keep `Secure`).
   */
  insecureCookies?: boolean;
  /**
   * Told when a streamed body fails after the head was sent (the connection is then cut): the
   * stream's error, or the premature-close error when the client went away.
   */
  onStreamError?: (err: unknown, ctx: WriteContext) => void;
  /** The request, for {@link onStreamError}'s log line. */
  request?: { readonly id: string; readonly method: string; readonly path: string };
}

// `compiled.common` is frozen, and V8 copies frozen arrays on a slow path (~40× slower than a
// plain array); keep one unfrozen copy per compiled block for the per-response `slice()`.
const plainCommon = new WeakMap<CompiledSecurityHeaders, string[]>();
function commonOf(compiled: CompiledSecurityHeaders): string[] {
  let c = plainCommon.get(compiled);
  if (c === undefined) { c = [...compiled.common]; plainCommon.set(compiled, c); }
  return c;
}

/** Names of the security headers, to detect a response overriding one. */
export function headerNames(compiled: CompiledSecurityHeaders): Set<string> {
  const names = new Set<string>(['content-security-policy', 'content-security-policy-report-only']);
  for (let i = 0; i < compiled.common.length; i += 2) names.add(compiled.common[i]!);
  for (let i = 0; i < compiled.secureOnly.length; i += 2) names.add(compiled.secureOnly[i]!);
  return names;
}

/**
 * Writes the response. A body in memory is written synchronously (returns undefined); a stream
 * returns a promise that settles when it has been piped (stream errors cut the connection).
 * @throws the error of `writeHead` (an invalid header) before anything was sent, so the caller
 *   can still answer 500
 */
export function writeResponse(
  ctx: WriteContext,
  res: ServerResponse,
  response: Response,
  compiled: CompiledSecurityHeaders,
  securityNames: Set<string>,
): Promise<void> | undefined {
  const rh = response.headers;
  const overrides = rh.size > 0 && rh.hasAnyOf(securityNames);
  const out: string[] = overrides ? filterPairs(compiled.common, rh) : commonOf(compiled).slice();
  if (ctx.isSecure && compiled.secureOnly.length > 0) {
    if (overrides) out.push(...filterPairs(compiled.secureOnly, rh)); else out.push(...compiled.secureOnly);
  }
  const body = response.body;
  let ct = rh.get('content-type');
  if (ct === undefined && body !== null) {
    ct = typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/octet-stream';
    out.push('content-type', ct);
  }
  if (!rh.has(compiled.cspHeaderName)) {
    const csp = ct !== undefined && ct.startsWith('text/html')
      ? compiled.htmlCsp(ctx.drawnNonce ?? ctx.nonce())
      : compiled.staticCsp;
    if (csp !== null) out.push(compiled.cspHeaderName, csp);
  }
  let chunk: string | Uint8Array | undefined;
  if (typeof body === 'string') {
    chunk = body;
    if (!rh.has('content-length')) out.push('content-length', String(Buffer.byteLength(body)));
  } else if (body instanceof Uint8Array) {
    chunk = body;
    if (!rh.has('content-length')) out.push('content-length', String(body.byteLength));
  } else if (body === null && !rh.has('content-length') && response.status !== 204 && response.status !== 304 && response.status >= 200) {
    out.push('content-length', '0');
  }
  const own = out.length;
  rh.flattenInto(out);
  if (ctx.insecureCookies === true) response.dropDefaultSecure(out, own);
  res.writeHead(response.status, out);
  if (body === null || typeof body === 'string' || body instanceof Uint8Array) {
    res.end(chunk);
    return undefined;
  }
  const stream = body instanceof Readable ? body : Readable.from(body);
  if (ctx.method === 'HEAD') {
    stream.destroy();
    res.end();
    return undefined;
  }
  return pipeline(stream, res).catch((err: unknown) => {
    // The client went away or the stream failed mid-body: the head is sent, so the only honest
    // signal left to the client is to cut the connection; the app's log gets the reason.
    res.destroy();
    ctx.onStreamError?.(err, ctx);
  });
}

function filterPairs(pairs: readonly string[], rh: Response['headers']): string[] {
  const out: string[] = [];
  for (let i = 0; i < pairs.length; i += 2) {
    if (!rh.has(pairs[i]!)) out.push(pairs[i]!, pairs[i + 1]!);
  }
  return out;
}
