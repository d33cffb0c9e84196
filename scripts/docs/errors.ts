/**
 * Renders `docs/errors.md` from the error registry (`src/errors/registry.ts`). The output is
 * deterministic (registry order), so a test can compare it with the committed file.
 *
 * @module
 */
import { ERROR_CODES, type ErrorCodeInfo } from '../../src/errors/registry.ts';

/** Escapes the characters that would break a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The full text of `docs/errors.md`. */
export function renderErrorsDoc(): string {
  const byOwner = new Map<string, Array<[string, ErrorCodeInfo]>>();
  for (const [code, info] of Object.entries(ERROR_CODES) as Array<[string, ErrorCodeInfo]>) {
    const rows = byOwner.get(info.owner) ?? [];
    rows.push([code, info]);
    byOwner.set(info.owner, rows);
  }
  const out: string[] = [
    '# Error codes',
    '',
    '<!-- Generated from src/errors/registry.ts by `node --import tsx scripts/gen-docs.ts`; do not edit. -->',
    '',
    'Every error Phial throws on purpose carries a stable `code` and extends `PhialError`. Match on',
    'the code or the class, never on the message: messages name the setting and value at fault and',
    'may be reworded. HTTP errors (`HTTPException` and its Werkzeug-named subclasses) are answers to',
    'a request, not Phial errors, and carry a `status` instead.',
    '',
    '```ts',
    "import { PhialError } from 'phial';",
    "try { await app.listen(); } catch (e) { if (e instanceof PhialError && e.code === 'PHIAL_E_SECRET_WEAK') … }",
    '```',
    '',
    'The command line prints a `PHIAL_E_*` error as one line and exits with status 2.',
    '',
  ];
  for (const [owner, rows] of byOwner) {
    out.push(`## \`${owner}\``, '', '| code | class | meaning | fix |', '|---|---|---|---|');
    for (const [code, info] of rows) {
      out.push(`| \`${code}\` | \`${info.errorClass}\` | ${cell(info.meaning)} | ${cell(info.fix)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
