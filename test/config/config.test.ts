import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_SERVER_LIMITS, loadConfig, type PhialOptions } from '../../src/config/config.ts';

const KEY = '9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4f6a8b0d2f4e6a8c0e';
const root = (): string => mkdtempSync(join(tmpdir(), 'phial-config-'));
/** Options that never touch the disk (a key is given) in a fresh temp root. */
const base = (o: PhialOptions = {}): PhialOptions => ({ rootPath: root(), secretKey: KEY, ...o });

function throwsConfig(fn: () => unknown, code: string, setting: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.setting, setting);
    assert.ok(e.message.startsWith(`${setting}: `), e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test('defaults', () => {
  const r = root();
  const c = loadConfig({ rootPath: r, secretKey: KEY }, {});
  assert.equal(c.env, 'development');
  assert.equal(c.debug, false);
  assert.equal(c.name, 'app');
  assert.equal(c.rootPath, r);
  assert.equal(c.instancePath, join(r, 'instance'));
  assert.equal(c.templateFolder, 'templates');
  assert.equal(c.staticFolder, 'static');
  assert.equal(c.staticUrlPath, '/static');
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 5000);
  assert.equal(c.origin, null);
  assert.deepEqual(c.trustedHosts, []);
  assert.equal(c.maxContentLength, 1_048_576);
  assert.equal(c.logLevel, 'info');
  assert.deepEqual(c.server, DEFAULT_SERVER_LIMITS);
  assert.deepEqual({ ...c.server }, {
    headersTimeout: 20_000, requestTimeout: 60_000, keepAliveTimeout: 5_000, maxHeaderSize: 16_384,
    maxRequestsPerSocket: 1_000, maxConnections: 10_000, shutdownTimeout: 10_000,
  });
  assert.equal(c.secretKey, KEY);
  assert.equal(c.secretKeySource, 'options');
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.server) && Object.isFrozen(c.trustedHosts));
});

test('secrets are non-enumerable: serialising or spreading the config never carries them', () => {
  const c = loadConfig(base({ secretKeyFallbacks: [KEY.replace('9f', '8e')] }), {});
  assert.ok(!JSON.stringify(c).includes(KEY.slice(4)));
  assert.equal(Object.keys(c).includes('secretKey'), false);
  assert.equal(({ ...c } as Record<string, unknown>).secretKey, undefined);
  assert.equal(c.secretKeyFallbacks.length, 1);
});

test('precedence: defaults < options < HOST/PORT < PHIAL_* variables', () => {
  const o = base({ host: '10.0.0.5', port: 8000, debug: false, logLevel: 'warn', maxContentLength: 10, origin: 'https://code.example',
    trustedHosts: ['code.example'], server: { requestTimeout: 30_000 } });
  const fromCode = loadConfig(o, {});
  assert.deepEqual([fromCode.host, fromCode.port, fromCode.logLevel, fromCode.maxContentLength, fromCode.origin, fromCode.server.requestTimeout],
    ['10.0.0.5', 8000, 'warn', 10, 'https://code.example', 30_000]);
  const paas = loadConfig(o, { HOST: '0.0.0.0', PORT: '8080' });
  assert.deepEqual([paas.host, paas.port], ['0.0.0.0', 8080]);
  const all = loadConfig(o, {
    HOST: '0.0.0.0', PORT: '8080', PHIAL_HOST: '::', PHIAL_PORT: '9000', PHIAL_DEBUG: 'TRUE', PHIAL_LOG_LEVEL: 'error',
    PHIAL_MAX_CONTENT_LENGTH: '2048', PHIAL_ORIGIN: 'https://App.Example:8443', PHIAL_TRUSTED_HOSTS: 'App.Example, www.app.example,',
    PHIAL_SERVER_REQUEST_TIMEOUT: '45000', PHIAL_SERVER_MAX_CONNECTIONS: '50',
  });
  assert.equal(all.host, '::');
  assert.equal(all.port, 9000);
  assert.equal(all.debug, true);
  assert.equal(all.logLevel, 'error');
  assert.equal(all.maxContentLength, 2048);
  assert.equal(all.origin, 'https://app.example:8443');
  assert.deepEqual(all.trustedHosts, ['app.example', 'www.app.example']);
  assert.equal(all.server.requestTimeout, 45_000);
  assert.equal(all.server.maxConnections, 50);
  assert.equal(all.server.headersTimeout, 20_000);
  // PHIAL_ENV beats the env option both ways
  assert.equal(loadConfig(base({ env: 'production' }), { PHIAL_ENV: 'development' }).env, 'development');
  assert.equal(loadConfig(base({ env: 'development' }), { PHIAL_ENV: 'production' }).env, 'production');
  // PHIAL_SECRET_KEY beats the option
  const other = 'a'.repeat(8) + KEY.slice(8);
  const fromEnv = loadConfig(base(), { PHIAL_SECRET_KEY: other });
  assert.equal(fromEnv.secretKey, other);
  assert.equal(fromEnv.secretKeySource, 'env');
  assert.deepEqual(loadConfig(base(), { PHIAL_SECRET_KEY_FALLBACKS: 'old1, old2' }).secretKeyFallbacks, ['old1', 'old2']);
});

test('an empty variable counts as unset', () => {
  const c = loadConfig(base({ port: 7000 }), { PHIAL_PORT: '', PORT: '', PHIAL_DEBUG: '', PHIAL_ENV: '', PHIAL_SECRET_KEY: '' });
  assert.equal(c.port, 7000);
  assert.equal(c.debug, false);
  assert.equal(c.secretKey, KEY);
});

test('every bad variable is a PHIAL_E_BAD_VALUE naming the variable and the value', () => {
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ PHIAL_PORT: 'abc' }, 'PHIAL_PORT', /"abc"/],
    [{ PHIAL_PORT: '-1' }, 'PHIAL_PORT', /"-1"/],
    [{ PHIAL_PORT: '65536' }, 'PHIAL_PORT', /65536/],
    [{ PHIAL_PORT: ' 80' }, 'PHIAL_PORT', /" 80"/],
    [{ PHIAL_PORT: '8e3' }, 'PHIAL_PORT', /"8e3"/],
    [{ PHIAL_PORT: '0x50' }, 'PHIAL_PORT', /"0x50"/],
    [{ PORT: '80.5' }, 'PORT', /"80.5"/],
    [{ PHIAL_DEBUG: 'maybe' }, 'PHIAL_DEBUG', /"maybe"/],
    [{ PHIAL_DEBUG: 'yes' }, 'PHIAL_DEBUG', /"yes"/],
    [{ PHIAL_ENV: 'prod' }, 'PHIAL_ENV', /"prod"/],
    [{ PHIAL_ENV: 'Production' }, 'PHIAL_ENV', /"Production"/],
    [{ PHIAL_LOG_LEVEL: 'verbose' }, 'PHIAL_LOG_LEVEL', /"verbose"/],
    [{ PHIAL_MAX_CONTENT_LENGTH: '1MiB' }, 'PHIAL_MAX_CONTENT_LENGTH', /"1MiB"/],
    [{ PHIAL_MAX_CONTENT_LENGTH: '-5' }, 'PHIAL_MAX_CONTENT_LENGTH', /"-5"/],
    [{ PHIAL_HOST: 'a b' }, 'PHIAL_HOST', /"a b"/],
    [{ HOST: 'http://x' }, 'HOST', /"http:\/\/x"/],
    [{ PHIAL_ORIGIN: 'https://app.example/path' }, 'PHIAL_ORIGIN', /app\.example\/path/],
    [{ PHIAL_ORIGIN: 'app.example' }, 'PHIAL_ORIGIN', /"app\.example"/],
    [{ PHIAL_ORIGIN: 'https://user:pw@app.example' }, 'PHIAL_ORIGIN', /origin/],
    [{ PHIAL_ORIGIN: 'ftp://app.example' }, 'PHIAL_ORIGIN', /ftp/],
    [{ PHIAL_TRUSTED_HOSTS: 'app.example, a/b' }, 'PHIAL_TRUSTED_HOSTS', /"a\/b"/],
    [{ PHIAL_SERVER_HEADERS_TIMEOUT: 'abc' }, 'PHIAL_SERVER_HEADERS_TIMEOUT', /"abc"/],
    [{ PHIAL_SERVER_MAX_CONNECTIONS: '0' }, 'PHIAL_SERVER_MAX_CONNECTIONS', /1 to/],
    [{ PHIAL_SERVER_REQUEST_TIMEOUT: '9999999999' }, 'PHIAL_SERVER_REQUEST_TIMEOUT', /2147483647/],
    [{ PHIAL_SERVER_HEADERS_TIMEOUT: '70000' }, 'PHIAL_SERVER_HEADERS_TIMEOUT', /must not exceed requestTimeout/],
  ];
  for (const [env, variable, value] of cases) {
    throwsConfig(() => loadConfig(base(), env), 'PHIAL_E_BAD_VALUE', variable, value);
  }
});

test('bad option values name the option', () => {
  const cases: Array<[PhialOptions, string]> = [
    [{ port: '80' as unknown as number }, 'port'],
    [{ port: 1.5 }, 'port'],
    [{ debug: 'true' as unknown as boolean }, 'debug'],
    [{ env: 'staging' as 'production' }, 'env'],
    [{ secretKeyFallbacks: 'old' as unknown as string[] }, 'secretKeyFallbacks'], // Flask's iterate-the-string footgun
    [{ maxContentLength: Infinity }, 'maxContentLength'],
    [{ server: { headersTimeout: 0 } }, 'server.headersTimeout'],
    [{ server: { requestTimeout: 10, headersTimeout: 20 } }, 'server.headersTimeout'],
    [{ staticUrlPath: 'static' }, 'staticUrlPath'],
    [{ staticUrlPath: '/static/' }, 'staticUrlPath'],
    [{ staticUrlPath: '/a/../b' }, 'staticUrlPath'],
    [{ trustedHosts: ['ok.example', 'bad host'] }, 'trustedHosts'],
    [{ name: '' }, 'name'],
    [{ securityHeaders: { xFrameOptions: 'ALLOWALL' as 'DENY' } }, 'securityHeaders'],
  ];
  for (const [options, setting] of cases) throwsConfig(() => loadConfig(base(options), {}), 'PHIAL_E_BAD_VALUE', setting);
  // A bad option is reported even when a variable overrides it: it is a bug in code either way.
  throwsConfig(() => loadConfig(base({ port: -1 }), { PHIAL_PORT: '80' }), 'PHIAL_E_BAD_VALUE', 'port');
});

test('bracketed IPv6 hosts are unwrapped; option folders are kept as given', () => {
  const c = loadConfig(base({ templateFolder: 'views', staticFolder: false, instancePath: '/tmp/x-instance' }), { PHIAL_HOST: '[::1]' });
  assert.equal(c.host, '::1');
  assert.equal(c.templateFolder, 'views');
  assert.equal(c.staticFolder, false);
  assert.equal(c.instancePath, '/tmp/x-instance');
});

test('production is explicit: NODE_ENV=production alone is refused, not guessed', () => {
  throwsConfig(() => loadConfig(base(), { NODE_ENV: 'production' }), 'PHIAL_E_ENV_AMBIGUOUS', 'PHIAL_ENV', /PHIAL_ENV=production/);
  assert.equal(loadConfig(base(), { NODE_ENV: 'production', PHIAL_ENV: 'development' }).env, 'development');
  assert.equal(loadConfig(base({ env: 'development' }), { NODE_ENV: 'production' }).env, 'development');
  assert.equal(loadConfig(base(), { NODE_ENV: 'development' }).env, 'development');
});

test('headersTimeout > requestTimeout names whichever limit was set', () => {
  throwsConfig(() => loadConfig(base(), { PHIAL_SERVER_REQUEST_TIMEOUT: '10000' }), 'PHIAL_E_BAD_VALUE', 'PHIAL_SERVER_REQUEST_TIMEOUT', /20000 ms/);
  throwsConfig(() => loadConfig(base({ server: { requestTimeout: 10_000 } }), {}), 'PHIAL_E_BAD_VALUE', 'server.requestTimeout');
  assert.equal(loadConfig(base({ server: { requestTimeout: 10_000, headersTimeout: 10_000 } }), {}).server.headersTimeout, 10_000);
});

test('unknown option keys and PHIAL_* variables are refused, naming the closest known setting', () => {
  const cases: Array<[PhialOptions, Record<string, string>, string, RegExp]> = [
    [{}, { PHIAL_SECRET_KYE: 'x' }, 'PHIAL_SECRET_KYE', /did you mean PHIAL_SECRET_KEY\?/],
    [{}, { PHIAL_SERVER_HEADER_TIMEOUT: '5' }, 'PHIAL_SERVER_HEADER_TIMEOUT', /did you mean PHIAL_SERVER_HEADERS_TIMEOUT\?/],
    [{}, { PHIAL_TRUSTED_HOST: 'app.example' }, 'PHIAL_TRUSTED_HOST', /did you mean PHIAL_TRUSTED_HOSTS\?/],
    [{}, { PHIAL_PROT: '80' }, 'PHIAL_PROT', /did you mean PHIAL_PORT\?/],
    [{}, { PHIAL_SOMETHING_ELSE_ENTIRELY: '1' }, 'PHIAL_SOMETHING_ELSE_ENTIRELY', /see docs\/configuration\.md/],
    [{ secretkey: KEY } as never, {}, 'secretkey', /did you mean secretKey\?/],
    [{ SECRET_KEY: KEY } as never, {}, 'SECRET_KEY', /did you mean secretKey\?/], // Flask's spelling
    [{ trustedHost: ['a.example'] } as never, {}, 'trustedHost', /did you mean trustedHosts\?/],
    [{ server: { headerTimeout: 5 } as never }, {}, 'server.headerTimeout', /unknown server limit; did you mean server\.headersTimeout\?/],
    [{ bodyLimits: { maxFile: 1 } as never }, {}, 'bodyLimits.maxFile', /unknown body limit; did you mean bodyLimits\.maxFiles\?/],
    [{ quux: 1 } as never, {}, 'quux', /unknown option; known: env, debug, secretKey, .*, csrf \[/],
  ];
  for (const [options, env, setting, message] of cases) {
    throwsConfig(() => loadConfig(base(options), env), 'PHIAL_E_UNKNOWN_SETTING', setting, message);
  }
});

test('variables read elsewhere, empty unknown variables, undefined option keys and app options pass', () => {
  const env = {
    PHIAL_APP: 'app.ts', PHIAL_DB_ALLOW_UNENCRYPTED: '1', PHIAL_TEST_PG: '1', PHIAL_TEST_REDIS: '1',
    PHIAL_NOT_A_SETTING: '', DATABASE_URL: 'sqlite://:memory:', NOTES_ANYTHING: 'x',
  };
  const c = loadConfig(base({ port: undefined, logger: undefined, session: { type: 'signed' }, csrf: {} } as PhialOptions), env);
  assert.equal(c.port, 5000);
  throwsConfig(() => loadConfig(base({ bodyLimits: { maxContentLength: 5 } as never }), {}), 'PHIAL_E_BAD_VALUE', 'bodyLimits.maxContentLength', /top level/);
  throwsConfig(() => loadConfig(base({ server: 5 as never }), {}), 'PHIAL_E_BAD_VALUE', 'server');
});
