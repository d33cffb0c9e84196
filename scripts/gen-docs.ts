/**
 * Writes the generated documentation: `docs/errors.md` (from the error registry) and
 * `docs/configuration.md` (from the settings table). `--check` writes nothing and exits 1 when a
 * file differs from what would be generated (the tests check the same).
 *
 * Usage: node --import tsx scripts/gen-docs.ts [--check]
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { GENERATED_DOCS } from './docs/index.ts';

const check = process.argv.includes('--check');
let stale = 0;
for (const [path, render] of GENERATED_DOCS) {
  const file = new URL(`../${path}`, import.meta.url);
  const text = render();
  let current: string | undefined;
  try { current = readFileSync(file, 'utf8'); } catch { current = undefined; }
  if (current === text) continue;
  if (check) {
    console.error(`${path} is out of date; run: node --import tsx scripts/gen-docs.ts`);
    stale++;
  } else {
    writeFileSync(file, text);
    console.log(`wrote ${path}`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
