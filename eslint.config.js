// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/instance/**', '.bench-tmp/**'] },
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
);
