/**
 * The "Sessions and CSRF" section of `docs/benchmarks.md`, written by `bench/sessions.ts`
 * between two HTML-comment markers so the rest of the file is left as it is.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

/** Opening marker of the section (an HTML comment: invisible when the Markdown is rendered). */
export const SECTION_START = '<!-- bench/sessions.ts: start (generated; edit the script, not this section) -->';
/** Closing marker of the section. */
export const SECTION_END = '<!-- bench/sessions.ts: end -->';

/** One measured (contestant, route) pair. */
export interface SessionRow {
  readonly contestant: string;
  readonly route: string;
  readonly rps: number;
  readonly p99Ms: number;
  /** Peak RSS of the server process in bytes, if known. */
  readonly peakRss: number | undefined;
  readonly securityHeaders: number;
  /** Response size as checked: status line and headers, in bytes. */
  readonly headerBytes: number;
  /** Response body, in bytes. */
  readonly bodyBytes: number;
  /** CPU used by other processes during the measurement, % of one CPU, if known. */
  readonly foreignCpu: number | undefined;
}

/** Everything the section needs besides the rows. */
export interface SessionRunInfo {
  readonly date: Date;
  readonly node: string;
  readonly cpu: string;
  readonly loadGenerator: string;
  readonly loadCommands: readonly string[];
  readonly pinning: string;
  readonly durationS: number;
  readonly warmupS: number;
  readonly rounds: number;
  readonly connections: number;
  /** The contestant the ratio column divides by. */
  readonly baseline: string;
  /** The contestant whose ratio is the headline. */
  readonly subject: string;
  /** Minimum ratio asked for (issue 4: 1.5). */
  readonly target: number;
  readonly skipped: readonly string[];
  readonly warnings: readonly string[];
}

const HEADINGS = ['contestant', 'route', 'req/s', 'p99 ms', 'peak RSS MiB', 'ratio', 'sec. headers', 'resp. bytes (hdr + body)', 'other CPU %'] as const;

/** `subject` req/s divided by `baseline` req/s per route, for routes both were measured on. */
export function ratios(rows: readonly SessionRow[], subject: string, baseline: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) {
    if (row.contestant !== subject) continue;
    const base = rows.find((r) => r.contestant === baseline && r.route === row.route);
    if (base && base.rps > 0) out.set(row.route, row.rps / base.rps);
  }
  return out;
}

/** Table cells, the ratio against `baseline` on the same route. */
export function sessionCells(rows: readonly SessionRow[], baseline: string): string[][] {
  return rows.map((r) => {
    const base = rows.find((b) => b.contestant === baseline && b.route === r.route);
    return [
      r.contestant,
      r.route,
      Math.round(r.rps).toLocaleString('en-US'),
      r.p99Ms.toFixed(2),
      r.peakRss === undefined ? 'n/a' : (r.peakRss / 1024 / 1024).toFixed(1),
      base && base.rps > 0 ? `${(r.rps / base.rps).toFixed(2)}×` : 'n/a',
      String(r.securityHeaders),
      `${r.headerBytes} + ${r.bodyBytes}`,
      r.foreignCpu === undefined ? 'n/a' : r.foreignCpu.toFixed(0),
    ];
  });
}

/** Plain-text table for the terminal. */
export function sessionTextTable(rows: readonly SessionRow[], baseline: string): string {
  const cells = [[...HEADINGS.slice(0, 5), `× ${baseline}`, ...HEADINGS.slice(6)], ...sessionCells(rows, baseline)];
  const widths = HEADINGS.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [line(cells[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** One line per route: `GET /form: 1.23× (target ≥ 1.5×: not met)`. */
export function headline(rows: readonly SessionRow[], info: Pick<SessionRunInfo, 'subject' | 'baseline' | 'target'>): string[] {
  return [...ratios(rows, info.subject, info.baseline)].map(([route, ratio]) =>
    `${route}: ${info.subject} / ${info.baseline} = ${ratio.toFixed(2)}× (target ≥ ${info.target}×: ${ratio >= info.target ? 'met' : 'not met'})`);
}

/** The section, markers included. */
export function sessionSection(rows: readonly SessionRow[], info: SessionRunInfo): string {
  const heads = [...HEADINGS.slice(0, 5), `× ${info.baseline}`, ...HEADINGS.slice(6)];
  const out = [
    SECTION_START,
    '## Sessions and CSRF',
    '',
    'How to run: `npm run bench:sessions` (needs `wrk`; builds Phial first). Quick run:',
    '`npm run bench:sessions -- --duration 3 --rounds 1`. Other flags: `--warmup <s>`,',
    '`--connections <n>`, `--settle <s>`, `--only <names>`, `--no-post`, `--cpu-prof` (profile each',
    'server and print where its time goes; does not write this file), `--no-write`. This section is',
    'rewritten by `bench/sessions.ts`; `npm run bench` (`bench/run.ts`) rewrites the whole file and',
    'drops it, so run this one after that one.',
    '',
    '### Last run',
    '',
    `- Date: ${info.date.toISOString()}`,
    `- Node: ${info.node}; CPU: ${info.cpu}`,
    `- Load generator: ${info.loadGenerator}, ${info.connections} connections, ${info.durationS} s measured per route after ${info.warmupS} s warm-up; ${info.rounds === 1 ? '1 round' : `best of ${info.rounds} interleaved rounds`}`,
    ...info.loadCommands.map((c) => `  - \`${c}\``),
    `- Pinning: ${info.pinning}`,
    '',
    `| ${heads.join(' | ')} |`,
    `|${heads.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...sessionCells(rows, info.baseline).map((c) => `| ${c.join(' | ')} |`),
    '',
    ...headline(rows, info).map((line) => `**${line}**  `),
    '',
  ];
  if (info.skipped.length > 0) out.push('Skipped:', '', ...info.skipped.map((s) => `- ${s}`), '');
  if (info.warnings.length > 0) out.push('Warnings:', '', ...info.warnings.map((w) => `- ${w}`), '');
  out.push(
    '### Scenario',
    '',
    '- The page a logged-in user opens to post a note: `GET /form` reads `user` from the session and',
    '  renders an HTML page whose form carries a CSRF token bound to the session. `POST /form` submits',
    '  that form (`csrf_token=…&note=…`, urlencoded); the token is verified, the note is echoed as text.',
    '- Phial (`bench/servers/session-phial.ts`): defaults, production env — encrypted cookie session',
    '  (AES-256-GCM under a per-cookie key derived by HMAC), CSRF check on unsafe methods, its security',
    '  headers and CSP with a per-response nonce, `Vary: Cookie` and `Cache-Control: private, no-store`',
    '  on responses that read the session; page via `app.render()` with `{{ csrf_token }}`.',
    '- Fastify (`bench/servers/session-fastify.ts`): `@fastify/helmet` defaults, `@fastify/secure-session`',
    '  (libsodium secretbox), `@fastify/csrf-protection` with `sessionPlugin: \'@fastify/secure-session\'`',
    '  (`reply.generateCsrf()`, `preHandler: app.csrfProtection`, token read from `csrf_token`),',
    '  `@fastify/formbody`; the same template (`bench/lib/session-contract.ts`) rendered by the same',
    '  LiquidJS 10 with `renderFile` (parsed once and cached, every output HTML-escaped), as Phial does.',
    '- The harness logs in once per measured route like a browser (`POST /login` with a same-origin',
    '  `Origin`, then one `GET /form` that stores the CSRF secret in the session and rewrites the cookie)',
    '  and replays the resulting cookie. The measured POST carries no `Origin`/`Sec-Fetch-Site`, so Phial',
    '  must verify the token (as Fastify always does).',
    '- Checked before measuring: `GET /form` → 200, HTML, the user\'s escaped name (the cookie was',
    '  accepted), a hidden `csrf_token` field, no `Set-Cookie`; `POST /form` with the token → 200 and the',
    '  exact text, without it → 403; `GET /form` without the cookie → 401. After measuring, the cookie is',
    '  checked again (still accepted, still not rewritten). wrk counts any non-2xx/3xx answer.',
    '- Each route is measured with a cookie less than a minute old: Phial rewrites an in-use session',
    '  cookie at most once a minute to keep its idle timeout (30 min) running, which wrk cannot follow;',
    '  the harness refuses settings where warm-up + settle + duration reach 60 s.',
    '- `resp. bytes` is one checked response (status line and headers + body): the header sets differ.',
    SECTION_END,
  );
  return out.join('\n');
}

/**
 * Writes `section` into the Markdown file at `path`: replaces the text between the markers if
 * they are there, else appends it (creating the file if needed). Everything else is kept.
 *
 * @throws {Error} if only one marker is present, or they are out of order (a hand-edited file).
 */
export async function upsertSection(path: string, section: string): Promise<void> {
  const current = existsSync(path) ? await readFile(path, 'utf8') : '';
  const start = current.indexOf(SECTION_START);
  const end = current.indexOf(SECTION_END);
  let next: string;
  if (start === -1 && end === -1) {
    next = `${current.replace(/\s*$/, '')}${current.trim() === '' ? '' : '\n\n'}${section}\n`;
  } else if (start !== -1 && end > start) {
    next = current.slice(0, start) + section + current.slice(end + SECTION_END.length);
  } else {
    throw new Error(`${path}: the sessions section markers are damaged (one is missing or they are out of order); fix them by hand`);
  }
  await writeFile(path, next);
}
