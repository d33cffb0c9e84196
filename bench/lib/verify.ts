/**
 * Checks a contestant's responses before it is measured, and records the security headers it sends.
 */
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
