// The settings table is the one source: the loader reads each row, the docs are its rendering,
// and every PHIAL_* variable Phial reads anywhere is a known name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { KNOWN_VARIABLES, OTHER_VARIABLES, SETTINGS } from '../../src/config/settings.ts';
import { renderConfigurationDoc } from '../../scripts/docs/configuration.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const KEY = '9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4f6a8b0d2f4e6a8c0e';

function files(dir: string, exts: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'instance' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, exts));
    else if (exts.test(name)) out.push(p);
  }
  return out;
}

/** `PHIAL_*` variable names written in a text: not error codes, not prefixes (`PHIAL_SERVER_*`). */
function variablesIn(text: string): string[] {
  return [...text.matchAll(/PHIAL_[A-Z0-9_]+/g)].map((m) => m[0]).filter((v) => !v.startsWith('PHIAL_E_') && !v.endsWith('_'));
}

test('docs/configuration.md is generated from the table (run: node --import tsx scripts/gen-docs.ts)', () => {
  assert.equal(readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8'), renderConfigurationDoc());
});

test('every PHIAL_* variable written in src/ and examples/ is a known name', () => {
  const unknown: string[] = [];
  for (const file of [...files(join(ROOT, 'src'), /\.ts$/), ...files(join(ROOT, 'examples'), /\.ts$/)]) {
    for (const v of variablesIn(readFileSync(file, 'utf8'))) if (!KNOWN_VARIABLES.has(v)) unknown.push(`${v} (${file.slice(ROOT.length)})`);
  }
  assert.deepEqual(unknown, []);
});

test('every variable of OTHER_VARIABLES is read somewhere outside the table', () => {
  const self = join(ROOT, 'src/config/settings.ts');
  const text = [...files(join(ROOT, 'src'), /\.ts$/), ...files(join(ROOT, 'scripts'), /\.(ts|mjs)$/), ...files(join(ROOT, 'bench'), /\.ts$/)]
    .filter((f) => f !== self).map((f) => readFileSync(f, 'utf8')).join('\n');
  for (const [v] of OTHER_VARIABLES) assert.ok(text.includes(v), v);
});

test('the loader reads every variable of the table: a bad value names that variable', () => {
  for (const s of SETTINGS) {
    if (s.custom || s.option.startsWith('settings')) continue;
    for (const variable of s.env) {
      assert.throws(() => loadConfig({ rootPath: mkdtempSync(join(tmpdir(), 'phial-rows-')), secretKey: KEY }, { [variable]: '\u0001bad' }),
        (e: unknown) => e instanceof ConfigError && e.code === 'PHIAL_E_BAD_VALUE' && e.setting === variable, variable);
    }
  }
});

test('the loader reads every option of the table: a bad value names that option', () => {
  for (const s of SETTINGS) {
    if (s.custom) continue;
    const [head, key] = s.option.split('.') as [string, string | undefined];
    const bad = Symbol('bad');
    const options = key === undefined ? { [head]: bad } : { [head]: { [key]: bad } };
    assert.throws(() => loadConfig({ rootPath: mkdtempSync(join(tmpdir(), 'phial-rows-')), secretKey: KEY, ...options }, {}),
      (e: unknown) => e instanceof ConfigError && e.code === 'PHIAL_E_BAD_VALUE' && e.setting === s.option, s.option);
  }
});

test('rows are complete: documented, sectioned, and a default that passes the row\'s own check', () => {
  const options = new Set<string>();
  for (const s of SETTINGS) {
    assert.ok(!options.has(s.option), `duplicate ${s.option}`);
    options.add(s.option);
    assert.ok(s.doc.length > 0 && s.defaultDoc.length > 0 && s.accepts.length > 0, s.option);
    if (s.env.length > 0) assert.ok(s.parse !== undefined || s.custom === true, `${s.option}: variables need a parser`);
    const primitive = s.default === null || ['string', 'number', 'boolean'].includes(typeof s.default);
    if (!s.custom && primitive && s.default !== null) assert.deepEqual(s.check(s.option, s.default), s.default, s.option);
  }
});
