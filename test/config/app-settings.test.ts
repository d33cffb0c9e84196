// The app's own settings: typed by declaration merging, from code, then from a prefixed environment with a parser each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectTypeOf } from 'expect-type';
import { ConfigError, envParsers, type AppSettingsEnv } from 'phial';
import { loadConfig, type PhialOptions } from '../../src/config/config.ts';
import { makeApp } from '../helpers.ts';

declare module 'phial' {
  interface AppSettings {
    uploadFolder: string;
    pageSize: number;
    apiToken: string;
    mode: 'fast' | 'safe';
    tags: readonly string[];
    ratio: number;
  }
}

const KEY = '9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a0c2e4f6a8b0d2f4e6a8c0e';
const base = (o: PhialOptions = {}): PhialOptions => ({ rootPath: mkdtempSync(join(tmpdir(), 'phial-settings-')), secretKey: KEY, ...o });

const ENV: AppSettingsEnv = {
  prefix: 'NOTES_',
  parse: {
    pageSize: envParsers.integer(1, 500), apiToken: envParsers.string, mode: envParsers.oneOf('fast', 'safe'),
    tags: envParsers.list, ratio: envParsers.number(0, 1),
  },
};
const VALUES = { uploadFolder: 'uploads', pageSize: 20, apiToken: 'dev-token', mode: 'safe', tags: [], ratio: 0.5 } as const;

function throwsConfig(fn: () => unknown, code: string, setting: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ConfigError && e.code === code && e.setting === setting && message.test(e.message));
}

test('app.settings holds the values from code, typed by AppSettings and frozen', () => {
  const app = makeApp({ settings: { uploadFolder: 'uploads', pageSize: 20 } });
  assert.equal(app.settings.uploadFolder, 'uploads');
  assert.equal(app.settings.pageSize, 20);
  assert.ok(Object.isFrozen(app.settings));
  expectTypeOf(app.settings.pageSize).toEqualTypeOf<number>();
  expectTypeOf(app.settings.mode).toEqualTypeOf<'fast' | 'safe'>();
  // @ts-expect-error -- not declared in AppSettings
  void app.settings.nope;
  // @ts-expect-error -- a setting's value must have its declared type
  void makeApp({ settings: { pageSize: 'twenty' } });
});

test('settingsEnv: each declared setting from <prefix><SNAKE_NAME>, parsed; the rest from code', () => {
  const c = loadConfig(base({ settings: VALUES, settingsEnv: ENV }), {
    NOTES_PAGE_SIZE: '50', NOTES_API_TOKEN: 't0k3n', NOTES_MODE: 'fast', NOTES_TAGS: 'a, b,', NOTES_RATIO: '0.25', NOTES_EMPTY_IS_UNSET: '',
  });
  assert.deepEqual({ ...c.settings }, { uploadFolder: 'uploads', pageSize: 50, apiToken: 't0k3n', mode: 'fast', tags: ['a', 'b'], ratio: 0.25 });
  assert.deepEqual({ ...loadConfig(base({ settings: VALUES, settingsEnv: ENV }), {}).settings }, VALUES);
});

test('a bad value is a ConfigError naming the variable and the value (not for secret-looking names)', () => {
  const load = (env: Record<string, string>) => () => loadConfig(base({ settings: VALUES, settingsEnv: ENV }), env);
  throwsConfig(load({ NOTES_PAGE_SIZE: '0' }), 'PHIAL_E_BAD_VALUE', 'NOTES_PAGE_SIZE', /expected an integer from 1 to 500, got "0"/);
  throwsConfig(load({ NOTES_PAGE_SIZE: '1e2' }), 'PHIAL_E_BAD_VALUE', 'NOTES_PAGE_SIZE', /got "1e2"/);
  throwsConfig(load({ NOTES_MODE: 'FAST' }), 'PHIAL_E_BAD_VALUE', 'NOTES_MODE', /expected one of fast, safe, got "FAST"/);
  throwsConfig(load({ NOTES_RATIO: '2' }), 'PHIAL_E_BAD_VALUE', 'NOTES_RATIO', /expected a number from 0 to 1/);
  const secret = { prefix: 'NOTES_', parse: { apiToken: () => { throw new Error('too short'); } } } satisfies AppSettingsEnv;
  assert.throws(() => loadConfig(base({ settings: VALUES, settingsEnv: secret }), { NOTES_API_TOKEN: 'hunter2' }),
    (e: unknown) => e instanceof ConfigError && e.setting === 'NOTES_API_TOKEN' && /too short \(value not shown/.test(e.message) && !e.message.includes('hunter2'));
});

test('unknown prefixed variables, code-only settings set from the environment and missing values are errors', () => {
  const load = (env: Record<string, string>, o: PhialOptions = {}) => () => loadConfig(base({ settings: VALUES, settingsEnv: ENV, ...o }), env);
  throwsConfig(load({ NOTES_PAGE_SIZ: '5' }), 'PHIAL_E_UNKNOWN_SETTING', 'NOTES_PAGE_SIZ', /did you mean NOTES_PAGE_SIZE\?/);
  throwsConfig(load({ NOTES_UPLOAD_FOLDER: '/srv' }), 'PHIAL_E_UNKNOWN_SETTING', 'NOTES_UPLOAD_FOLDER', /uploadFolder is set in code only/);
  throwsConfig(load({}, { settings: { uploadFolder: 'x' } }), 'PHIAL_E_SETTING_MISSING', 'NOTES_PAGE_SIZE', /pageSize has no value/);
  // An optional setting is given as undefined in code.
  assert.equal(loadConfig(base({ settings: { ...VALUES, apiToken: undefined }, settingsEnv: ENV }), {}).settings.apiToken, undefined);
});

test('settingsEnv itself is checked: prefix shape, never PHIAL_, parsers are functions; typos of the options are caught', () => {
  const load = (settingsEnv: unknown) => () => loadConfig(base({ settings: VALUES, settingsEnv: settingsEnv as AppSettingsEnv }), {});
  throwsConfig(load({ prefix: 'PHIAL_APP_', parse: {} }), 'PHIAL_E_BAD_VALUE', 'settingsEnv.prefix', /not PHIAL_ or NODE_/);
  throwsConfig(load({ prefix: 'NODE_', parse: {} }), 'PHIAL_E_BAD_VALUE', 'settingsEnv.prefix', /"NODE_"/);
  throwsConfig(load({ prefix: 'notes_', parse: {} }), 'PHIAL_E_BAD_VALUE', 'settingsEnv.prefix', /"notes_"/);
  throwsConfig(load({ prefix: 'NOTES', parse: {} }), 'PHIAL_E_BAD_VALUE', 'settingsEnv.prefix', /ending in _/);
  throwsConfig(load({ prefix: 'NOTES_', parse: { pageSize: 5 } }), 'PHIAL_E_BAD_VALUE', 'settingsEnv.parse.pageSize', /parser function/);
  throwsConfig(load({ prefix: 'NOTES_', parse: { pageSize: String, page_size: String } }), 'PHIAL_E_BAD_VALUE', 'settingsEnv.parse.page_size', /NOTES_PAGE_SIZE/);
  throwsConfig(() => loadConfig(base({ setting: VALUES } as never), {}), 'PHIAL_E_UNKNOWN_SETTING', 'setting', /did you mean settings\?/);
  throwsConfig(() => loadConfig(base({ settings: 'x' as never }), {}), 'PHIAL_E_BAD_VALUE', 'settings', /plain object/);
});

test('envParsers are strict', () => {
  const int = envParsers.integer(-5, 5);
  assert.equal(int('-5', 'V'), -5);
  for (const bad of ['+1', ' 1', '1.0', '0x1', '6', '', '--1']) assert.throws(() => int(bad, 'V'), bad);
  assert.throws(() => envParsers.integer(0, 9)('-0', 'V'));
  assert.equal(envParsers.boolean('TRUE'), true);
  assert.throws(() => envParsers.boolean('yes'));
  assert.equal(envParsers.url('https://Example.com/x'), 'https://example.com/x');
  assert.throws(() => envParsers.url('javascript:alert(1)'));
  assert.deepEqual(envParsers.json('{"a":[1]}'), { a: [1] });
  assert.throws(() => envParsers.json('{'));
  assert.ok(Object.isFrozen(envParsers.list('a,b')));
  for (const bad of ['Infinity', 'NaN', '1_000', '0x10', ' 1']) assert.throws(() => envParsers.number()(bad, 'V'), bad);
});
