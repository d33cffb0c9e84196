// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import phial from './eslint/phial-layers.js';

/**
 * The layers of src/, low to high (docs/architecture.md, "Layers"). A folder imports only from
 * folders in lower layers, or from itself: never upward, never sideways into another folder of
 * its own layer. '.' stands for the files directly in src/ (src/index.ts).
 */
const LAYERS = [
  /* 0 */ ['errors'],
  /* 1 */ ['util', 'net', 'crypto'],
  /* 2 */ ['security', 'routing', 'validation'],
  /* 3 */ ['forms', 'sessions'],
  /* 4 */ ['http', 'templates', 'server'],
  /* 5 */ ['db'],
  /* 6 */ ['config'],
  /* 7 */ ['steps'],
  /* 8 */ ['dispatch'],
  /* 9 */ ['app'],
  /* 10 */ ['cli', 'testing', '.'],
];

export default tseslint.config(
  // test/lint/fixtures holds deliberately broken layering for test/lint/layers.test.ts.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/instance/**', '.bench-tmp/**', 'test/lint/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', Buffer: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', AbortController: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', {
        selector: "Property[key.name='insecureHTTPParser']",
        message: 'insecureHTTPParser enables request smuggling; Phial never turns it on.',
      }],
    },
  },
  {
    // SQL only through parameters: no string-splicing helpers outside phial/db's own vetted uses.
    files: ['examples/**/*.ts', 'src/**/*.ts'],
    ignores: ['src/db/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'kysely', importNames: ['sql', 'CompiledQuery'],
        message: "Import sql from 'phial/db': it has no raw/lit/id helpers." }] }],
      'no-restricted-syntax': ['error', {
        selector: "Property[key.name='insecureHTTPParser']",
        message: 'insecureHTTPParser enables request smuggling; Phial never turns it on.',
      }, {
        selector: "MemberExpression[object.name='sql'][property.name=/^(raw|lit|literal|id|ref|table)$/]",
        message: 'sql.raw/lit/id/ref/table splice strings into SQL; pass values as ${parameters}.',
      }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { phial },
    rules: {
      'phial/layers': ['error', { root: 'src', layers: LAYERS }],
      'phial/no-cycles': ['error', { root: 'src' }],
      'phial/explicit-exports': 'error',
    },
  },
);
