// The error registry is complete in both directions and docs/errors.md is its rendering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, isPhialErrorCode } from '../../src/errors/registry.ts';
import { renderErrorsDoc } from '../../scripts/docs/errors.ts';
import { PhialError } from '../../src/errors/phial-error.ts';
import { ConfigError } from '../../src/errors/config-error.ts';
import { SetupError } from '../../src/errors/setup-error.ts';
import { ConfigError as ConfigErrorFromConfig } from '../../src/config/config.ts';
import { DatabaseError } from '../../src/db/errors.ts';
import { DecryptionError } from '../../src/db/encryption.ts';
import { TemplateError, SandboxError } from '../../src/templates/errors.ts';
import { SessionError } from '../../src/sessions/options.ts';
import { CookieError } from '../../src/http/set-cookie.ts';
import { HeaderValueError } from '../../src/http/headers.ts';
import { CidrError } from '../../src/net/ip.ts';
import { UsageError } from '../../src/cli/args.ts';
import { ServerOptionError } from '../../src/server/errors.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const REGISTRY = join(ROOT, 'src/errors/registry.ts');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every `PHIAL_E_*` code written in a file; a match ending in `_` is a prefix (`PHIAL_E_DB_*`), not a code. */
function codesIn(text: string): string[] {
  return [...text.matchAll(/PHIAL_E_[A-Z0-9_]+/g)].map((m) => m[0]).filter((c) => !c.endsWith('_'));
}

test('docs/errors.md is generated from the registry (run: node --import tsx scripts/gen-docs.ts)', () => {
  assert.equal(readFileSync(join(ROOT, 'docs/errors.md'), 'utf8'), renderErrorsDoc());
});

test('every PHIAL_E_* code written anywhere in src/ is in the registry', () => {
  const missing: string[] = [];
  for (const file of sources(join(ROOT, 'src'))) {
    for (const code of codesIn(readFileSync(file, 'utf8'))) {
      if (!isPhialErrorCode(code)) missing.push(`${code} (${file.slice(ROOT.length)})`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every registry code is used somewhere in src/ besides the registry', () => {
  const used = new Set<string>();
  for (const file of sources(join(ROOT, 'src'))) {
    if (file === REGISTRY) continue;
    for (const code of codesIn(readFileSync(file, 'utf8'))) used.add(code);
  }
  assert.deepEqual(Object.keys(ERROR_CODES).filter((c) => !used.has(c)), []);
});

test('every row names an owner folder that exists and a class declared there', () => {
  for (const [code, info] of Object.entries(ERROR_CODES)) {
    const dir = join(ROOT, info.owner);
    assert.ok(statSync(dir).isDirectory(), `${code}: ${info.owner}`);
    const declared = sources(join(ROOT, 'src')).some((f) => new RegExp(`class ${info.errorClass} extends `).test(readFileSync(f, 'utf8')));
    assert.ok(declared, `${code}: class ${info.errorClass}`);
    assert.ok(info.meaning.length > 0 && info.fix.length > 0, code);
  }
});

test('every coded error class extends PhialError, with its name and a registered code', () => {
  const errors: Error[] = [
    new ConfigError('PHIAL_E_BAD_VALUE', 'port', 'x'), new SetupError('PHIAL_E_BAD_NAME', 'x'),
    new DatabaseError('PHIAL_E_DB_URL', 'DATABASE_URL', 'x'), new DecryptionError(), new TemplateError('PHIAL_E_TEMPLATE_NAME', 't', 'x'),
    new SandboxError('PHIAL_E_SANDBOX_SOURCE', 'x'), new SessionError('PHIAL_E_SESSION_TOO_LARGE', 'x'), new CookieError('x'),
    new HeaderValueError('x'), new CidrError('x'), new UsageError('x'), new ServerOptionError('PHIAL_E_WORKERS', 'x'),
  ];
  for (const e of errors) {
    assert.ok(e instanceof PhialError, e.name);
    assert.equal(e.name, e.constructor.name);
    assert.ok(isPhialErrorCode((e as PhialError).code), e.name);
    assert.equal(ERROR_CODES[(e as PhialError).code].errorClass, e.name);
  }
  // Moved, and still importable from where they were.
  assert.equal(ConfigErrorFromConfig, ConfigError);
  const c = new ConfigError('PHIAL_E_BAD_VALUE', 'PHIAL_PORT', 'expected an integer');
  assert.equal(c.message, 'PHIAL_PORT: expected an integer [PHIAL_E_BAD_VALUE]');
  assert.equal(c.detail, 'expected an integer');
});
