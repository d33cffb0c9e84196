/**
 * `phial routes` output: a table like `flask routes`, or JSON.
 *
 * @module
 */
import type { RouteSortKey } from './args.ts';
import type { RouteInfo } from './discover.ts';

// Like Flask: every rule answers HEAD and OPTIONS automatically, so listing them is noise.
const IMPLICIT_METHODS = new Set(['HEAD', 'OPTIONS']);

/** Options of `formatRoutes()`. */
export interface FormatRoutesOptions {
  /** Keep HEAD and OPTIONS (hidden by default, as `flask routes` does). */
  allMethods: boolean;
  /** Emit JSON (`[{ rule, methods, endpoint, options, steps }]`, same filtering and order) instead of a table. */
  json: boolean;
  sort: RouteSortKey;
}

function prepare(routes: readonly RouteInfo[], opts: FormatRoutesOptions): RouteInfo[] {
  const rows = routes.map((r) => ({
    rule: r.rule,
    methods: [...r.methods].filter((m) => opts.allMethods || !IMPLICIT_METHODS.has(m)).sort(),
    endpoint: r.endpoint,
    options: { ...r.options },
    ...(r.steps ? { steps: [...r.steps] } : {}),
  }));
  const key = (r: RouteInfo): string =>
    opts.sort === 'rule' ? r.rule : opts.sort === 'methods' ? r.methods.join(',') : r.endpoint;
  // Array.prototype.sort is stable, so ties (and `match`) keep registration order.
  if (opts.sort !== 'match') rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return rows;
}

function optionsCell(options: Record<string, string>): string {
  return Object.keys(options).sort().map((k) => `${k}=${options[k] ?? ''}`).join(', ');
}

/**
 * Renders routes (from `app.describeRoutes()`) with columns Rule, Methods, Endpoint, Steps, Options; methods
 * sorted and comma-separated, options as sorted `name=value` pairs. Ends with a newline.
 */
export function formatRoutes(routes: readonly RouteInfo[], opts: FormatRoutesOptions): string {
  const rows = prepare(routes, opts);
  if (opts.json) return `${JSON.stringify(rows, null, 2)}\n`;
  if (rows.length === 0) return 'No routes were registered.\n';
  // An app object that does not describe steps (not a Phial app) gets no Steps column.
  const withSteps = rows.some((r) => r.steps !== undefined && r.steps.length > 0);
  const header = ['Rule', 'Methods', 'Endpoint', ...(withSteps ? ['Steps'] : []), 'Options'];
  const cells = rows.map((r) => [r.rule, r.methods.join(', '), r.endpoint, ...(withSteps ? [(r.steps ?? []).join(' ')] : []), optionsCell(r.options)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]): string => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}
