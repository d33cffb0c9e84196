import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertProductionReady, checkSecretKey, ConfigError, isLoopbackHost, loadConfig, type PhialOptions,
} from '../../src/config/config.ts';

const KEY = randomBytes(32).toString('hex');
const root = (): string => mkdtempSync(join(tmpdir(), 'phial-prod-'));
const PROD = { PHIAL_ENV: 'production' } as const;
const isRoot = process.getuid?.() === 0;

function throwsConfig(fn: () => unknown, code: string, setting?: string, check?: (message: string) => void): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (setting !== undefined) assert.equal(e.setting, setting);
    check?.(e.message);
    return true;
  });
}

test('production without a secret key is refused', () => {
  throwsConfig(() => loadConfig({ rootPath: root() }, PROD), 'PHIAL_E_SECRET_MISSING', 'PHIAL_SECRET_KEY');
  throwsConfig(() => loadConfig({ rootPath: root(), env: 'production', secretKey: '' }, {}), 'PHIAL_E_SECRET_MISSING');
});

test('production refuses short, placeholder and dev-only keys without echoing them', () => {
  const weak = [
    'dev', 'secret', 'changeme', 'change-me', 'your-secret-key', 'replace-me', 'development', 'test',
    'x'.repeat(64), 'ab'.repeat(32), 'changeme'.repeat(5), 'your-secret-key-your-secret-key-your-secret-key',
    'please-change-this-secret-key-in-production', 'CHANGE_ME_TO_A_LONG_RANDOM_SECRET_STRING',
    'super-secret-key-for-development-only!!', 'change-me-to-a-random-string-of-32-chars', 'MySecretKey2024-MySecretKey2024!',
    'phial-insecure-notes-example-development-key-0001', 'django-insecure-0123456789abcdefghijklmnopqrstuvwxyz',
    '192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf', // the Flask tutorial's key
    '0101010101010101010101010101010110101010',
    'your-secret-key-here-change-this-now', 'dev-secret-key-0123456789abcdef0123456789', 'abcdefghijklmnopqrstuvwxyz012345',
  ];
  for (const key of weak) {
    assert.notEqual(checkSecretKey(key), null, key);
    for (const [options, env, setting] of [
      [{ secretKey: key }, PROD, 'secretKey'],
      [{}, { ...PROD, PHIAL_SECRET_KEY: key }, 'PHIAL_SECRET_KEY'],
    ] as Array<[PhialOptions, Record<string, string>, string]>) {
      throwsConfig(() => loadConfig({ rootPath: root(), ...options }, env), 'PHIAL_E_SECRET_WEAK', setting,
        (m) => assert.ok(!m.includes(`"${key}"`) && (key.length < 12 || !m.includes(key)), `message echoes the key: ${m}`));
    }
  }
});

test('random keys pass the strength check', () => {
  for (let i = 0; i < 2000; i++) {
    const b = randomBytes(32);
    for (const k of [b.toString('hex'), b.toString('base64'), b.toString('base64url')]) assert.equal(checkSecretKey(k), null, k);
  }
  assert.equal(checkSecretKey('correct horse battery staple, but longer than 32'), null);
  const c = loadConfig({ rootPath: root() }, { ...PROD, PHIAL_SECRET_KEY: KEY });
  assert.equal(c.env, 'production');
  assert.equal(c.secretKey, KEY);
});

test('a weak fallback key is refused too: it still verifies signatures', () => {
  throwsConfig(() => loadConfig({ rootPath: root(), secretKey: KEY, secretKeyFallbacks: [randomBytes(32).toString('hex'), 'old'] }, PROD),
    'PHIAL_E_SECRET_WEAK', 'secretKeyFallbacks[1]', (m) => assert.ok(!m.includes("'old'") && !m.includes('"old"')));
  throwsConfig(() => loadConfig({ rootPath: root(), secretKey: KEY }, { ...PROD, PHIAL_SECRET_KEY_FALLBACKS: 'changeme' }),
    'PHIAL_E_SECRET_WEAK', 'PHIAL_SECRET_KEY_FALLBACKS[0]');
});

test('debug is refused in production, from options or the environment', () => {
  throwsConfig(() => loadConfig({ rootPath: root(), secretKey: KEY, debug: true }, PROD), 'PHIAL_E_DEBUG_IN_PRODUCTION', 'debug');
  throwsConfig(() => loadConfig({ rootPath: root(), secretKey: KEY }, { ...PROD, PHIAL_DEBUG: '1' }), 'PHIAL_E_DEBUG_IN_PRODUCTION', 'PHIAL_DEBUG');
  assert.equal(loadConfig({ rootPath: root(), secretKey: KEY, debug: true }, { ...PROD, PHIAL_DEBUG: 'false' }).debug, false);
});

test('PHIAL_SECRET_KEY_FILE: trailing newlines trimmed, nothing else', () => {
  const dir = root();
  for (const [content, expected] of [[`${KEY}\n`, KEY], [`${KEY}\r\n`, KEY], [`${KEY}\n\n`, KEY], [` ${KEY} `, ` ${KEY} `]]) {
    const file = join(dir, 'secret_key');
    writeFileSync(file, content!);
    const c = loadConfig({ rootPath: dir, secretKey: 'ignored-because-the-file-wins-0123456789' }, { ...PROD, PHIAL_SECRET_KEY_FILE: file });
    assert.equal(c.secretKey, expected);
    assert.equal(c.secretKeySource, 'file');
  }
  const fallbacks = join(dir, 'fallbacks');
  const old = [randomBytes(32).toString('hex'), `${randomBytes(24).toString('base64')},x`];
  writeFileSync(fallbacks, `${old[0]}\n${old[1]}\n`);
  const c = loadConfig({ rootPath: dir, secretKey: KEY }, { ...PROD, PHIAL_SECRET_KEY_FALLBACKS_FILE: fallbacks });
  assert.deepEqual(c.secretKeyFallbacks, old);
});

test('an unusable PHIAL_SECRET_KEY_FILE names the variable and the path, never the content', () => {
  const dir = root();
  const missing = join(dir, 'nope');
  throwsConfig(() => loadConfig({ rootPath: dir }, { ...PROD, PHIAL_SECRET_KEY_FILE: missing }), 'PHIAL_E_SECRET_FILE', 'PHIAL_SECRET_KEY_FILE',
    (m) => assert.ok(m.includes(missing) && /no such file/.test(m)));
  throwsConfig(() => loadConfig({ rootPath: dir }, { PHIAL_SECRET_KEY_FILE: dir }), 'PHIAL_E_SECRET_FILE', 'PHIAL_SECRET_KEY_FILE', (m) => assert.match(m, /not a regular file/));
  const empty = join(dir, 'empty');
  writeFileSync(empty, '\n');
  throwsConfig(() => loadConfig({ rootPath: dir }, { PHIAL_SECRET_KEY_FILE: empty }), 'PHIAL_E_SECRET_FILE', 'PHIAL_SECRET_KEY_FILE', (m) => assert.match(m, /empty/));
  const binary = join(dir, 'binary');
  writeFileSync(binary, Buffer.from([0xff, 0xfe, 0x80, 0x81, ...randomBytes(28)]));
  throwsConfig(() => loadConfig({ rootPath: dir }, { PHIAL_SECRET_KEY_FILE: binary }), 'PHIAL_E_SECRET_FILE', 'PHIAL_SECRET_KEY_FILE', (m) => assert.match(m, /UTF-8/));
  if (!isRoot) {
    const locked = join(dir, 'locked');
    writeFileSync(locked, 'TOP-SECRET-CONTENT-THAT-MUST-NOT-LEAK');
    chmodSync(locked, 0o000);
    throwsConfig(() => loadConfig({ rootPath: dir }, { PHIAL_SECRET_KEY_FILE: locked }), 'PHIAL_E_SECRET_FILE', 'PHIAL_SECRET_KEY_FILE',
      (m) => assert.ok(/permission denied/.test(m) && m.includes(locked)));
  }
  const leaky = join(dir, 'leaky');
  writeFileSync(leaky, 'TOP-SECRET-CONTENT');
  throwsConfig(() => loadConfig({ rootPath: dir }, { ...PROD, PHIAL_SECRET_KEY_FILE: leaky }), 'PHIAL_E_SECRET_WEAK', 'PHIAL_SECRET_KEY_FILE',
    (m) => assert.ok(!m.includes('TOP-SECRET')));
});

test('PHIAL_SECRET_KEY and PHIAL_SECRET_KEY_FILE together are a conflict, not a silent pick', () => {
  const dir = root();
  const file = join(dir, 'k');
  writeFileSync(file, KEY);
  throwsConfig(() => loadConfig({ rootPath: dir }, { PHIAL_SECRET_KEY: KEY, PHIAL_SECRET_KEY_FILE: file }), 'PHIAL_E_CONFLICT', 'PHIAL_SECRET_KEY_FILE',
    (m) => assert.ok(!m.includes(KEY)));
  throwsConfig(() => loadConfig({ rootPath: dir, secretKey: KEY }, { PHIAL_SECRET_KEY_FALLBACKS: 'a', PHIAL_SECRET_KEY_FALLBACKS_FILE: file }), 'PHIAL_E_CONFLICT');
});

test('development: a generated key is persisted 0600 in a 0700 instance folder and reused', () => {
  const dir = root();
  const a = loadConfig({ rootPath: dir }, {});
  assert.equal(a.secretKeySource, 'instance');
  assert.match(a.secretKey, /^[0-9a-f]{64}$/); // 32 random bytes
  const file = join(dir, 'instance', 'secret_key');
  assert.equal(readFileSync(file, 'utf8'), a.secretKey);
  assert.equal(readFileSync(join(dir, 'instance', '.gitignore'), 'utf8'), '*\n');
  if (process.platform !== 'win32') {
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'instance')).mode & 0o777, 0o700);
  }
  const b = loadConfig({ rootPath: dir }, {});
  assert.equal(b.secretKey, a.secretKey);
  assert.notEqual(loadConfig({ rootPath: root() }, {}).secretKey, a.secretKey);
});

test('development: an existing instance folder is not given a .gitignore; a readable old key is tightened to 0600', () => {
  const dir = root();
  const inst = join(dir, 'inst');
  mkdirSync(inst);
  const file = join(inst, 'secret_key');
  writeFileSync(file, `${KEY}\n`, { mode: 0o644 });
  chmodSync(file, 0o644);
  const c = loadConfig({ rootPath: dir, instancePath: 'inst' }, {});
  assert.equal(c.secretKey, KEY);
  assert.throws(() => readFileSync(join(inst, '.gitignore')), /ENOENT/);
  if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('development: an instance folder that cannot be created is a PHIAL_E_SECRET_FILE', () => {
  const dir = root();
  writeFileSync(join(dir, 'blocker'), 'a file where a folder should be');
  throwsConfig(() => loadConfig({ rootPath: dir, instancePath: 'blocker/instance' }, {}), 'PHIAL_E_SECRET_FILE', 'instancePath');
});

test('production never writes a development key', () => {
  const dir = root();
  assert.throws(() => loadConfig({ rootPath: dir }, PROD));
  assert.throws(() => statSync(join(dir, 'instance')), /ENOENT/);
});

test('assertProductionReady: non-loopback binds need trustedHosts; loopback binds are fine', () => {
  const prod = loadConfig({ rootPath: root(), secretKey: KEY }, PROD);
  for (const host of ['0.0.0.0', '::', '', '192.168.1.10', '10.0.0.1', 'example.com', '::ffff:10.0.0.1']) {
    throwsConfig(() => assertProductionReady(prod, { host }), 'PHIAL_E_UNTRUSTED_BIND', 'PHIAL_TRUSTED_HOSTS');
  }
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST.', '::ffff:127.0.0.1']) {
    assert.doesNotThrow(() => assertProductionReady(prod, { host }), host);
  }
  const trusted = loadConfig({ rootPath: root(), secretKey: KEY, trustedHosts: ['app.example'] }, PROD);
  assert.doesNotThrow(() => assertProductionReady(trusted, { host: '0.0.0.0' }));
  const dev = loadConfig({ rootPath: root(), secretKey: KEY }, {});
  assert.doesNotThrow(() => assertProductionReady(dev, { host: '0.0.0.0' }));
});

test('assertProductionReady re-checks a hand-built config', () => {
  const good = loadConfig({ rootPath: root(), secretKey: KEY, trustedHosts: ['app.example'] }, PROD);
  const withKey = (secretKey: string, extra: object = {}) =>
    Object.defineProperties({ ...good, ...extra }, { secretKey: { value: secretKey }, secretKeyFallbacks: { value: [] } }) as typeof good;
  throwsConfig(() => assertProductionReady(withKey(KEY, { debug: true }), { host: '127.0.0.1' }), 'PHIAL_E_DEBUG_IN_PRODUCTION');
  throwsConfig(() => assertProductionReady(withKey(''), { host: '127.0.0.1' }), 'PHIAL_E_SECRET_MISSING');
  throwsConfig(() => assertProductionReady(withKey('changeme'), { host: '127.0.0.1' }), 'PHIAL_E_SECRET_WEAK');
});

test('isLoopbackHost', () => {
  assert.equal(isLoopbackHost('127.0.0.1'), true);
  assert.equal(isLoopbackHost('0:0:0:0:0:0:0:1'), true);
  assert.equal(isLoopbackHost('128.0.0.1'), false);
  assert.equal(isLoopbackHost('localhost.example'), false);
  assert.equal(isLoopbackHost('0.0.0.0'), false);
});

test('a long random decimal key is not mistaken for placeholder digits', () => {
  const digits = Array.from(randomBytes(40), (b) => String(b % 10)).join('');
  assert.equal(checkSecretKey(digits), null);
});
