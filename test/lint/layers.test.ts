// The rules of eslint/phial-layers.js: each kind of violation in test/lint/fixtures is reported,
// with both folders and layers or the cycle's path, and src/ itself has none.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const repo = join(import.meta.dirname, '..', '..');
const fixtures = join(repo, 'test', 'lint', 'fixtures');
const { default: phial } = (await import(pathToFileURL(join(repo, 'eslint', 'phial-layers.js')).href)) as { default: ESLint.Plugin };

/** The options eslint.config.js gives phial/layers for src/: the real layer table. */
async function realLayerOptions(): Promise<{ layers: string[][]; pendingExceptions: { from: string; to: string }[] }> {
  const config = await new ESLint({ cwd: repo }).calculateConfigForFile(join(repo, 'src', 'index.ts')) as Linter.Config;
  const entry = config.rules?.['phial/layers'];
  assert.ok(Array.isArray(entry), 'eslint.config.js turns phial/layers on for src/');
  return entry[1] as { layers: string[][]; pendingExceptions: { from: string; to: string }[] };
}

interface Report { file: string; rule: string | null; message: string }

async function lint(cwd: string, files: string[], config?: Linter.Config[]): Promise<Report[]> {
  const eslint = config === undefined ? new ESLint({ cwd }) : new ESLint({ cwd, overrideConfigFile: true, overrideConfig: config });
  const results = await eslint.lintFiles(files);
  return results.flatMap((r) => r.messages.map((m) => ({ file: relative(cwd, r.filePath).split(sep).join('/'), rule: m.ruleId, message: m.message })));
}

function fixtureConfig(rules: Linter.RulesRecord): Linter.Config[] {
  return [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { phial }, rules }];
}

describe('phial/layers', async () => {
  const { layers } = await realLayerOptions();
  const reports = await lint(join(fixtures, 'upward'), ['src'], fixtureConfig({
    'phial/layers': ['error', {
      root: 'src', layers,
      pendingExceptions: [
        { from: 'src/db/database.ts', to: 'src/config/config.ts' },
        { from: 'src/db/database.ts', to: 'src/config/env.ts' },
      ],
    }],
  }));
  const of = (file: string): string[] => reports.filter((r) => r.file === file).map((r) => r.message);

  it('reports an upward import, type-only included, naming both folders and layers', () => {
    assert.deepEqual(of('src/sessions/options.ts'), [
      "src/sessions/options.ts imports src/config/config.ts: 'sessions/' is layer 3 and 'config/' is layer 6, a higher one. " +
      'A folder imports only from lower layers; move the shared code down.',
    ]);
  });

  it('reports an import into another folder of the same layer', () => {
    assert.deepEqual(of('src/forms/form.ts'), [
      "src/forms/form.ts imports src/sessions/options.ts: 'forms/' and 'sessions/' are both layer 3. " +
      'Folders of one layer do not import each other; move the shared code down.',
    ]);
  });

  it('follows export-from, import() types and dynamic import()', () => {
    const messages = of('src/http/view.ts');
    assert.equal(messages.length, 3, messages.join('\n'));
    assert.match(messages[0]!, /imports src\/dispatch\/handler\.ts: 'http\/' is layer 4 and 'dispatch\/' is layer 8/);
    assert.match(messages[1]!, /imports src\/app\/app\.ts: 'http\/' is layer 4 and 'app\/' is layer 9/);
    assert.match(messages[2]!, /imports src\/cli\/main\.ts: 'http\/' is layer 4 and 'cli\/' is layer 10/);
  });

  it('treats files directly in src/ as the top layer, beside cli/ and testing/', () => {
    assert.deepEqual(of('src/index.ts'), [
      "src/index.ts imports src/cli/main.ts: 'index.ts' and 'cli/' are both layer 10. " +
      'Folders of one layer do not import each other; move the shared code down.',
    ]);
  });

  it('lets downward imports and same-folder imports through', () => {
    for (const file of ['src/templates/helpers.ts', 'src/util/text.ts', 'src/config/config.ts']) assert.deepEqual(of(file), [], file);
  });

  it('skips a pending exception, and reports one whose import is gone', () => {
    assert.deepEqual(of('src/db/database.ts'), [
      'The pending exception src/db/database.ts → src/config/env.ts is no longer needed: delete it from pendingExceptions.',
    ]);
  });

  it('reports a folder missing from the layer table', () => {
    assert.deepEqual(of('src/mystery/thing.ts'), [
      "'mystery' (src/mystery/thing.ts) is in no layer: add it to the layer table in eslint.config.js and docs/architecture.md.",
    ]);
  });
});

describe('phial/no-cycles', async () => {
  const reports = await lint(join(fixtures, 'cycle'), ['src'], fixtureConfig({ 'phial/no-cycles': ['error', { root: 'src' }] }));

  it('reports every file of a cycle with the path from that file, type-only and dynamic imports included', () => {
    const cycles = reports.map((r) => `${r.file}: ${r.message}`).sort();
    const tail = '. Move what both sides need into a module they can both import.';
    assert.deepEqual(cycles, [
      `src/app/a.ts: Import cycle: app/a.ts → app/b.ts → app/c.ts → app/a.ts${tail}`,
      `src/app/b.ts: Import cycle: app/b.ts → app/c.ts → app/a.ts → app/b.ts${tail}`,
      `src/app/c.ts: Import cycle: app/c.ts → app/a.ts → app/b.ts → app/c.ts${tail}`,
      `src/http/x.ts: Import cycle: http/x.ts → http/y.ts → http/x.ts${tail}`,
      `src/http/y.ts: Import cycle: http/y.ts → http/x.ts → http/y.ts${tail}`,
    ]);
  });
});

describe('phial/explicit-exports', async () => {
  const reports = await lint(join(fixtures, 'exports'), ['src'], fixtureConfig({ 'phial/explicit-exports': 'error' }));

  it('reports `export *` and lets a named re-export through', () => {
    assert.deepEqual(reports.map((r) => `${r.file}: ${r.message}`), [
      "src/util/index.ts: List the names instead of `export * from './helpers.ts'`: every export of that module, and any added later, would become part of this one.",
    ]);
  });
});

describe('src/', () => {
  it('has no layer violation, import cycle or `export *` under eslint.config.js', async () => {
    const reports = await lint(repo, ['src']);
    assert.deepEqual(reports.filter((r) => r.rule?.startsWith('phial/')), []);
  });

  it('has no pending exceptions: every layer rule holds without one', async () => {
    const { pendingExceptions } = await realLayerOptions();
    assert.deepEqual(pendingExceptions ?? [], []);
  });
});
