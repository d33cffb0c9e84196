/**
 * Checks a contestant's responses before it is measured, records the security headers it sends,
 * and compares whole response heads (`node-http-secure` must send exactly Phial's).
 */
import { Agent, get } from 'node:http';
import { HOST, type BenchRoute } from './contract.ts';

/**
 * Response headers counted as security headers (helmet's and secureHeaders' set plus CSP variants
 * and Permissions-Policy). Lower-case.
 */
export const SECURITY_HEADERS: readonly string[] = [
  'content-security-policy',
  'content-security-policy-report-only',
  'cross-origin-embedder-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'permissions-policy',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
];

/** What one route returned when checked. */
export interface RouteCheck {
  readonly route: BenchRoute;
  /** Security headers present, lower-case, in {@link SECURITY_HEADERS} order. */
  readonly securityHeaders: readonly string[];
  /** True if the response carried `x-powered-by` (a fingerprinting leak). */
  readonly poweredBy: boolean;
}

/**
 * Requests every route once and checks status 200, the exact body and the media type.
 *
 * @throws {Error} describing the first mismatch.
 */
export async function verifyRoutes(port: number, routes: readonly BenchRoute[]): Promise<RouteCheck[]> {
  const checks: RouteCheck[] = [];
  for (const route of routes) {
    const url = `http://${HOST}:${port}${route.path}`;
    const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5000) });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${route.label}: status ${res.status}, expected 200 (body: ${body.slice(0, 200)})`);
    if (body !== route.body) throw new Error(`${route.label}: body ${JSON.stringify(body)}, expected ${JSON.stringify(route.body)}`);
    const type = res.headers.get('content-type') ?? '';
    if (!type.toLowerCase().startsWith(route.mediaType)) {
      throw new Error(`${route.label}: content-type ${JSON.stringify(type)}, expected ${route.mediaType}`);
    }
    checks.push({
      route,
      securityHeaders: SECURITY_HEADERS.filter((name) => res.headers.has(name)),
      poweredBy: res.headers.has('x-powered-by'),
    });
  }
  return checks;
}

/**
 * The status line and header lines of one keep-alive `GET`, in the order sent, each `name: value`
 * with the name as sent; the `Date` value is replaced by `<date>` (it changes every second).
 *
 * @throws {Error} if the request fails or takes over 5 s.
 */
export function responseHead(port: number, path: string): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return new Promise<string[]>((resolve, reject) => {
    const req = get({ host: HOST, port, path, agent, timeout: 5000 }, (res) => {
      const lines = [`HTTP/${res.httpVersion} ${res.statusCode ?? 0} ${res.statusMessage ?? ''}`];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
        const name = res.rawHeaders[i]!;
        lines.push(`${name}: ${name.toLowerCase() === 'date' ? '<date>' : res.rawHeaders[i + 1]!}`);
      }
      res.resume();
      res.once('end', () => resolve(lines));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    req.once('error', reject);
  }).finally(() => agent.destroy());
}

/**
 * How `actual` differs from `expected` (two {@link responseHead}s): the first differing line, or
 * `undefined` when they are equal line for line.
 */
export function headDifference(expected: readonly string[], actual: readonly string[]): string | undefined {
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    if (expected[i] !== actual[i]) {
      return `line ${i + 1}: expected ${JSON.stringify(expected[i] ?? '(none)')}, got ${JSON.stringify(actual[i] ?? '(none)')}`;
    }
  }
  return undefined;
}
