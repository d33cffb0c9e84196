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
  /** Server CPU time per request, µs (the lowest over the rounds), if known. */
  readonly serverUsPerRequest: number | undefined;
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
  /** Contestants every row is compared with, one ratio column each (`node-http`, `node-http-secure`). */
  readonly baselines: readonly string[];
  /** The goal stated under the table, e.g. phial ≥ 0.97× node-http-secure on every route. */
  readonly target: Target;
  /** What each contestant that is a build of Phial runs (`phial` → `dist/ of a1b2c3d`), for A/B runs. */
  readonly builds: ReadonlyMap<string, string>;
  /** The A/B pair, when the run had one: the current build and the other ref's. */
  readonly ab: { readonly current: string; readonly other: string } | undefined;
  /** Security headers per contestant (from its `/plaintext` response). */
  readonly headers: ReadonlyMap<string, { names: readonly string[]; poweredBy: boolean }>;
  readonly skipped: readonly Skipped[];
  readonly warnings: readonly string[];
}

/** A throughput goal: `subject` reaches `ratio`× of `reference` on each route. */
export interface Target {
  readonly subject: string;
  readonly reference: string;
  readonly ratio: number;
}

function headings(baselines: readonly string[]): string[] {
  const ceiling = baselines[baselines.length - 1] ?? '';
  return ['contestant', 'route', 'req/s', 'p99 ms', 'CPU µs/req', 'peak RSS MiB', ...baselines.map((b) => `× ${b}`), `CPU × ${ceiling}`, 'sec. headers', 'other CPU %'];
}

/** `subject`'s req/s over `reference`'s on `route`. */
function ratio(rows: readonly ResultRow[], subject: string, reference: string, route: string): number | undefined {
  const a = rows.find((r) => r.contestant === subject && r.route === route)?.rps;
  const b = rows.find((r) => r.contestant === reference && r.route === route)?.rps;
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

/** The same comparison by server CPU per request: `reference`'s µs/req over `subject`'s (higher is faster). */
function cpuRatio(rows: readonly ResultRow[], subject: string, reference: string, route: string): number | undefined {
  const a = rows.find((r) => r.contestant === subject && r.route === route)?.serverUsPerRequest;
  const b = rows.find((r) => r.contestant === reference && r.route === route)?.serverUsPerRequest;
  return a === undefined || b === undefined || a === 0 ? undefined : b / a;
}

const showRatio = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x.toFixed(2)}×`);

/**
 * Table cells for each row: one req/s ratio per baseline on the same route, then the CPU-per-request
 * ratio to the last baseline (`node-http-secure`).
 */
export function tableCells(rows: readonly ResultRow[], baselines: readonly string[]): string[][] {
  const ceiling = baselines[baselines.length - 1] ?? '';
  return rows.map((r) => [
    r.contestant,
    r.route,
    Math.round(r.rps).toLocaleString('en-US'),
    r.p99Ms.toFixed(2),
    r.serverUsPerRequest === undefined ? 'n/a' : r.serverUsPerRequest.toFixed(1),
    r.peakRss === undefined ? 'n/a' : (r.peakRss / 1024 / 1024).toFixed(1),
    ...baselines.map((b) => showRatio(ratio(rows, r.contestant, b, r.route))),
    showRatio(cpuRatio(rows, r.contestant, ceiling, r.route)),
    String(r.securityHeaders),
    r.foreignCpu === undefined ? 'n/a' : r.foreignCpu.toFixed(0),
  ]);
}

/** Plain-text table, columns aligned, numbers right-aligned. */
export function textTable(rows: readonly ResultRow[], baselines: readonly string[]): string {
  const head = headings(baselines);
  const cells = [head, ...tableCells(rows, baselines)];
  const widths = head.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(cells[0] ?? []), rule, ...cells.slice(1).map(line)].join('\n');
}

/** Markdown table with the same cells as {@link textTable}. */
export function markdownTable(rows: readonly ResultRow[], baselines: readonly string[]): string {
  const head = headings(baselines);
  const align = `|${head.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`;
  return [`| ${head.join(' | ')} |`, align, ...tableCells(rows, baselines).map((c) => `| ${c.join(' | ')} |`)].join('\n');
}

/**
 * One line per route on the target (`phial / node-http-secure = 0.91× (target ≥ 0.97×: not met)`)
 * and, in an A/B run, on the current build against the other ref's.
 */
export function headlines(rows: readonly ResultRow[], target: Target, ab: RunInfo['ab']): string[] {
  const routes = [...new Set(rows.map((r) => r.route))];
  const out: string[] = [];
  for (const route of routes) {
    const x = ratio(rows, target.subject, target.reference, route);
    if (x === undefined) continue;
    const cpu = cpuRatio(rows, target.subject, target.reference, route);
    out.push(`${route}: ${target.subject} / ${target.reference} = ${showRatio(x)} by req/s, ${showRatio(cpu)} by CPU per request ` +
      `(target ≥ ${target.ratio.toFixed(2)}×: ${x >= target.ratio ? 'met' : 'not met'})`);
  }
  if (ab) {
    for (const route of routes) {
      const x = ratio(rows, ab.current, ab.other, route);
      if (x !== undefined) out.push(`A/B ${route}: ${ab.current} / ${ab.other} = ${showRatio(x)} by req/s, ${showRatio(cpuRatio(rows, ab.current, ab.other, route))} by CPU per request`);
    }
  }
  return out;
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
  const { target } = info;
  const lines = headlines(rows, target, info.ab);
  const out = [
    '# Benchmarks',
    '',
    'How to run: `npm run bench` (needs `wrk`: `sudo apt-get install -y wrk`). Quick run:',
    '`npm run bench -- --duration 3 --only phial,node-http-secure`. Other flags: `--warmup <s>`,',
    '`--connections <n>`, `--rounds <n>` (best of n interleaved rounds), `--settle <s>` (wait up to s',
    'seconds for a quiet machine before each measurement; default 15), `--routes plaintext,json,users`,',
    '`--tool wrk|autocannon`, `--cpu-prof` (profile each server and print where its time goes; does',
    'not write this file), `--no-write` (do not rewrite this file).',
    '',
    'A/B: `npm run bench -- --ab <git-ref>` (e.g. `--ab main`, `--ab HEAD~1`) builds that ref of Phial',
    'into `.bench-tmp/ab/<commit>/` (`git archive` of its `src/` and build files, `node_modules`',
    'symlinked, `tsc -p tsconfig.build.json`; reused by later runs) and adds the contestant',
    '`phial@<git-ref>`: the same `bench/servers/phial.ts` on that build, measured in the same',
    'interleaved rounds as `phial` (the working tree, built into dist/). The run ends with the ratio',
    'of the two per route: use it to show that a change to the request path costs the fast path',
    'nothing. Typical: `npm run bench -- --ab main --only node-http-secure,phial --rounds 3 --no-write`.',
    '',
    'Without sockets: `npm run bench:path` (`bench/request-path.ts`; `-- --cpu-prof` for its profile) calls',
    'the listener Phial\'s server runs and `node-http-secure`\'s handler in a loop and prints the JavaScript',
    'each costs per request, in ns: the part of the gap only Phial\'s code can remove, steady on a busy machine.',
    '',
    'This file is written by `bench/run.ts` at the end of every run; edit the script, not the file.',
    'The numbers are from one run on one machine: compare the ratios within a run, not absolute',
    'req/s across machines. No test asserts on timings. Where Phial\'s time goes relative to',
    '`node-http-secure` is in `docs/perf-notes.md`.',
    '',
    '## Target',
    '',
    `${target.subject} with all defaults ≥ ${target.ratio.toFixed(2)}× of \`${target.reference}\` on \`GET /plaintext\`,`,
    '`GET /json` and `GET /users/:id`. `node-http-secure` is raw `node:http` sending, from one',
    'precomputed array per route, exactly the response head Phial sends by default (every header name,',
    'value and order, checked against a live Phial server before it is measured) on a server with',
    'Phial\'s default limits: the fastest any framework can be while sending those headers.',
    '',
    ...(lines.length > 0 ? [...lines.map((l) => `**${l}**  `), ''] : []),
    '## Last run',
    '',
    `- Date: ${info.date.toISOString()}`,
    `- Node: ${info.node}`,
    `- CPU: ${info.cpu}`,
    `- Load generator: ${info.loadGenerator}, \`${info.loadCommand}\` (${info.durationS} s measured per route after ${info.warmupS} s warm-up; ${info.rounds === 1 ? '1 round' : `best of ${info.rounds} interleaved rounds`})`,
    `- Pinning: ${info.pinning}`,
    `- Servers: \`node --import tsx bench/servers/<name>.ts\`, \`NODE_ENV=production\`, 127.0.0.1 only; \`phial\` resolves to the package built by \`npm run build\` (dist/)`,
    ...[...info.builds].map(([name, build]) => `- \`${name}\`: ${build}`),
    `- Contestants: ${info.contestants.join(', ')}`,
    '',
    markdownTable(rows, info.baselines),
    '',
    `${info.baselines.map((b) => `\`× ${b}\``).join(' and ')} are req/s relative to that contestant on the same route. \`CPU µs/req\` is`,
    'the CPU time (user + system) of the server process per completed request, the lowest over the rounds;',
    `\`CPU × ${info.baselines[info.baselines.length - 1] ?? ''}\` is that contestant's CPU per request over this row's (higher is faster). A busy`,
    'machine distorts both (shared caches and cores make each request dearer, by a quarter here), but req/s',
    'far more: when `other CPU %` is high, compare the CPU columns. Peak RSS is `VmHWM` of',
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
    '  `node-http-secure` is also checked against Phial: a Phial server (`bench/servers/phial.ts`, current',
    '  build) is started once per run and every route\'s status line and header lines, in order, must be',
    '  the same (except the `Date` value); `test/bench/node-http-secure.test.ts` checks the same in `npm test`.',
    '- `node-http-secure` takes the header values from Phial\'s own `compileSecurityHeaders()` of the',
    '  default configuration at startup, runs `node:http` with Phial\'s default server limits (timeouts,',
    '  header size, `Connection: close` after 1000 responses on a connection) and routes like `node-http`.',
    '- Contestants run one after another in the same run; each route is warmed up, then measured.',
    '  With `--rounds n`, all contestants run n times in turn (fresh process each time) and each',
    '  route reports its highest req/s; peak RSS is the one from that same round.',
    '- Sources: `bench/servers/<name>.ts`; shared contract in `bench/lib/contract.ts`.',
    '',
  );
  return out.join('\n');
}
