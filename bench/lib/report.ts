/**
 * Results table for the terminal and `docs/benchmarks.md`.
 */

/** One measured (contestant, route) pair. */
export interface ResultRow {
  readonly contestant: string;
  readonly route: string;
  readonly rps: number;
  readonly p99Ms: number;
  /** Peak RSS of the server process in bytes, if known. */
  readonly peakRss: number | undefined;
  /** Number of security headers on this route's response. */
  readonly securityHeaders: number;
  /** CPU used by other processes during the measurement, % of one CPU (noise), if known. */
  readonly foreignCpu: number | undefined;
}

/** A contestant that was not measured, and why. */
export interface Skipped {
  readonly contestant: string;
  readonly reason: string;
}

/** Everything the report needs besides the rows. */
export interface RunInfo {
  readonly date: Date;
  readonly node: string;
  readonly cpu: string;
  readonly loadGenerator: string;
  readonly loadCommand: string;
  readonly pinning: string;
  readonly durationS: number;
  readonly warmupS: number;
  readonly rounds: number;
  readonly contestants: readonly string[];
  readonly baseline: string;
  /** Security headers per contestant (from its `/plaintext` response). */
  readonly headers: ReadonlyMap<string, { names: readonly string[]; poweredBy: boolean }>;
  readonly skipped: readonly Skipped[];
  readonly warnings: readonly string[];
}

const HEADINGS = ['contestant', 'route', 'req/s', 'p99 ms', 'peak RSS MiB', '× node-http', 'sec. headers', 'other CPU %'] as const;

/** Table cells for each row; the ratio is against the baseline's req/s on the same route. */
export function tableCells(rows: readonly ResultRow[], baseline: string): string[][] {
  const base = new Map(rows.filter((r) => r.contestant === baseline).map((r) => [r.route, r.rps]));
  return rows.map((r) => {
    const b = base.get(r.route);
    return [
      r.contestant,
      r.route,
      Math.round(r.rps).toLocaleString('en-US'),
      r.p99Ms.toFixed(2),
      r.peakRss === undefined ? 'n/a' : (r.peakRss / 1024 / 1024).toFixed(1),
      b === undefined || b === 0 ? 'n/a' : `${(r.rps / b).toFixed(2)}×`,
      String(r.securityHeaders),
      r.foreignCpu === undefined ? 'n/a' : r.foreignCpu.toFixed(0),
    ];
  });
}

/** Plain-text table, columns aligned, numbers right-aligned. */
export function textTable(rows: readonly ResultRow[], baseline: string): string {
  const cells = [[...HEADINGS], ...tableCells(rows, baseline)];
  const widths = HEADINGS.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(cells[0] ?? []), rule, ...cells.slice(1).map(line)].join('\n');
}

/** Markdown table with the same cells as {@link textTable}. */
export function markdownTable(rows: readonly ResultRow[], baseline: string): string {
  const head = `| ${HEADINGS.join(' | ')} |`;
  const align = `|${HEADINGS.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`;
  return [head, align, ...tableCells(rows, baseline).map((c) => `| ${c.join(' | ')} |`)].join('\n');
}

/** The whole `docs/benchmarks.md`. */
export function markdownReport(rows: readonly ResultRow[], info: RunInfo): string {
  const headerRows = info.contestants
    .filter((c) => info.headers.has(c))
    .map((c) => {
      const h = info.headers.get(c);
      const names = h && h.names.length > 0 ? h.names.map((n) => `\`${n}\``).join(', ') : '—';
      return `| ${c} | ${h?.names.length ?? 0} | ${names} | ${h?.poweredBy ? 'yes' : 'no'} |`;
    });
  const out = [
    '# Benchmarks',
    '',
    'How to run: `npm run bench` (needs `wrk`: `sudo apt-get install -y wrk`). Quick run:',
    '`npm run bench -- --duration 3 --only phial,node-http`. Other flags: `--warmup <s>`,',
    '`--connections <n>`, `--rounds <n>` (best of n interleaved rounds), `--settle <s>` (wait up to s',
    'seconds for a quiet machine before each measurement; default 15), `--tool wrk|autocannon`,',
    '`--no-write` (do not rewrite this file).',
    '',
    'This file is written by `bench/run.ts` at the end of every run; edit the script, not the file.',
    'The numbers are from one run on one machine: compare the ratios within a run, not absolute',
    'req/s across machines. No test asserts on timings.',
    '',
    '## Last run',
    '',
    `- Date: ${info.date.toISOString()}`,
    `- Node: ${info.node}`,
    `- CPU: ${info.cpu}`,
    `- Load generator: ${info.loadGenerator}, \`${info.loadCommand}\` (${info.durationS} s measured per route after ${info.warmupS} s warm-up; ${info.rounds === 1 ? '1 round' : `best of ${info.rounds} interleaved rounds`})`,
    `- Pinning: ${info.pinning}`,
    `- Servers: \`node --import tsx bench/servers/<name>.ts\`, \`NODE_ENV=production\`, 127.0.0.1 only; \`phial\` resolves to the package built by \`npm run build\` (dist/)`,
    `- Contestants: ${info.contestants.join(', ')}`,
    '',
    markdownTable(rows, info.baseline),
    '',
    `\`× node-http\` is req/s relative to raw \`node:http\` on the same route. Peak RSS is \`VmHWM\` of`,
    'the server process at the end of its run (it includes the tsx loader, the same for every contestant).',
    '`sec. headers` counts the security headers on that response (list below). `other CPU %` is the CPU',
    'that processes other than the server and load generator used during the measurement (other',
    'jobs, hypervisor steal), in % of one CPU: above 10 the row is disturbed and its req/s a lower bound.',
    '',
    '## Security headers each contestant sends',
    '',
    '| contestant | count | headers (on `GET /plaintext`) | `x-powered-by` |',
    '| --- | ---: | --- | --- |',
    ...headerRows,
  ];
  if (info.skipped.length > 0) {
    out.push('', '## Skipped', '', ...info.skipped.map((s) => `- ${s.contestant}: ${s.reason}`));
  }
  if (info.warnings.length > 0) {
    out.push('', '## Warnings', '', ...info.warnings.map((w) => `- ${w}`));
  }
  out.push(
    '',
    '## Method',
    '',
    '- Each contestant runs as its own process serving exactly three routes with identical bodies:',
    '  `GET /plaintext` → `Hello, World!` (text/plain), `GET /json` → `{"message":"Hello, World!"}`,',
    '  `GET /users/:id` → `{"id":<id as number>}` (measured as `/users/42`), using each framework\'s own',
    '  param routing (`<int:id>` in Phial, a JSON-schema integer in Fastify, `:id{[0-9]+}` in Hono).',
    '- Before measuring, every route is checked once: status 200, exact body, media type.',
    '- Contestants run one after another in the same run; each route is warmed up, then measured.',
    '  With `--rounds n`, all contestants run n times in turn (fresh process each time) and each',
    '  route reports its highest req/s; peak RSS is the one from that same round.',
    '- Sources: `bench/servers/<name>.ts`; shared contract in `bench/lib/contract.ts`.',
    '',
  );
  return out.join('\n');
}
