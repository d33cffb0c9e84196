/**
 * Matching a request: the request-line and Host checks that run before routing (every request,
 * routed or not), then the URL map. The outcome is a discriminated union the dispatcher switches
 * on, never a value re-split with `instanceof`.
 *
 * @module
 */
import { BadRequest, HTTPException, InternalServerError, MethodNotAllowed, NotFound, NotImplemented } from '../errors/http.ts';
import type { Request } from '../http/request.ts';
import { Response } from '../http/response.ts';
import { isTrustedHost } from '../http/hosts.ts';
import { repeatedSingletonHeader } from '../http/singleton-headers.ts';
import type { UrlMap } from '../routing/map.ts';
import { checkRedirectTarget } from '../security/redirect.ts';
import type { RouteEntry } from './routes.ts';

/** What routing made of a request. */
export type Routed =
  /** A rule matched: run its steps, hooks and view. */
  | { readonly kind: 'route'; readonly entry: RouteEntry }
  /**
   * The 308 to the URL's canonical spelling (strict slashes, merged slashes, dot segments). No
   * hook sees it: hooks (guards) only ever see canonical paths, and meet the request again when
   * the client follows the redirect.
   */
  | { readonly kind: 'redirect'; readonly response: Response }
  /** An automatic `OPTIONS` answer with `Allow`; app hooks run first, as in Flask. */
  | { readonly kind: 'options'; readonly response: Response }
  /** A refusal before or by routing (505, 400, 404, 405): app hooks, then the error handlers. */
  | { readonly kind: 'error'; readonly error: HTTPException };

/**
 * Runs the checks that come before routing, then matches `req` against `map` (and fills
 * `req.params`, `endpoint`, `rule`, `blueprint` on a match). Never throws: a failure of any
 * check, including a redirect target that cannot be sent (400) or a custom converter that
 * throws (500), is an `error` outcome.
 *
 * - Only HTTP/1.x is served (llhttp also parses `HTTP/2.0` and version-less request lines): 505.
 * - RFC 9112 §3.2: an HTTP/1.1 request without exactly one `Host` header is a 400; so is a
 *   repeat of a header Node keeps only one copy of (`Content-Type`, `Authorization`, …).
 * - A `Host` outside `trustedHosts` is a 400 (Werkzeug's `trusted_hosts`), before any rule is tried.
 */
export function matchRequest(req: Request, map: UrlMap<RouteEntry>, trustedHost: HostCheck | undefined): Routed {
  try {
    if (req.raw.httpVersionMajor !== 1) return refuse(new HTTPException(505, 'Only HTTP/1.0 and HTTP/1.1 are served here.'));
    const host = req.raw.headers.host;
    const repeated = repeatedSingletonHeader(req.raw.rawHeaders);
    if ((host === undefined && req.raw.httpVersion === '1.1') || repeated === 'Host') {
      return refuse(new BadRequest('The request must carry exactly one Host header.'));
    }
    // Node keeps the first copy of these; something in front of the app may keep the last.
    if (repeated !== undefined) return refuse(new BadRequest(`The request must carry at most one ${repeated} header.`));
    // RFC 9112 §6.1: a transfer coding the server does not understand is a 501. Only chunked is
    // decoded; `gzip, chunked` read as plain bytes would differ from what a proxy in front read.
    const te = req.raw.headers['transfer-encoding'];
    if (te !== undefined && te.trim().toLowerCase() !== 'chunked') return refuse(new NotImplemented('Only the chunked transfer coding is supported.'));
    if (trustedHost !== undefined && !trustedHost(req.host)) return refuse(new BadRequest('The request host is not trusted.'));
    const m = map.match(req.path, req.method);
    switch (m.kind) {
      case 'match': {
        const entry = m.data;
        req.params = m.params;
        req.endpoint = entry.endpoint;
        req.rule = entry.rule;
        req.blueprint = entry.blueprint;
        req.useLimits(entry.inputs.limits);
        return entry.routed;
      }
      case 'redirect': {
        // The query is the client's own, carried over unchanged but for `\`, which some browsers
        // read as `/` (so it is sent percent-encoded, the same bytes to any server).
        const query = req.queryString ? '?' + req.queryString.replaceAll('\\', '%5C') : '';
        const location = checkRedirectTarget(m.location + query);
        return { kind: 'redirect', response: new Response(null, { status: 308, headers: { location } }) };
      }
      case 'options':
        return { kind: 'options', response: new Response(null, { status: 200, headers: { allow: m.allowed.join(', ') } }) };
      case 'method_not_allowed':
        return refuse(new MethodNotAllowed(m.allowed));
      case 'invalid':
        return refuse(new BadRequest('The request path is not valid.'));
      default:
        return refuse(new NotFound());
    }
  } catch (err) {
    // Client input (a path or query no redirect may carry) is a 400, never an unexpected failure.
    // A custom converter that throws is the app's bug: a 500 through the error handlers.
    return refuse(err instanceof HTTPException ? err : new InternalServerError(err));
  }
}

/** Whether a `Host` value is trusted; see {@link hostCheck}. */
export type HostCheck = (host: string | undefined) => boolean;

const HOST_CACHE_SIZE = 256;

/**
 * The trusted-host test of one app, remembering the verdict for the first
 * {@link HOST_CACHE_SIZE} distinct `Host` values it meets (a server sees few; a client sending
 * endless new ones only stops filling the cache, it never evicts the real ones).
 * @returns undefined when `trusted` is empty (no check)
 */
export function hostCheck(trusted: readonly string[]): HostCheck | undefined {
  if (trusted.length === 0) return undefined;
  const frozen = Object.freeze([...trusted]);
  const verdicts = new Map<string, boolean>();
  return (host) => {
    if (host === undefined) return false;
    let ok = verdicts.get(host);
    if (ok === undefined) {
      ok = isTrustedHost(host, frozen);
      if (verdicts.size < HOST_CACHE_SIZE) verdicts.set(host, ok);
    }
    return ok;
  };
}

function refuse(error: HTTPException): Routed {
  return { kind: 'error', error };
}
