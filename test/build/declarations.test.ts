// The published typings: `tsconfig.build.json` strips `@internal` members, and what is left still
// type-checks for an app compiled with `skipLibCheck: false` (a stripped type still named by a
// public declaration would break every such app).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..');
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * Errors the typings have today, each to be fixed in the file named: `resolveCommon` is exported
 * without `@internal` but returns the `@internal` `ResolvedTimeouts`. The test fails once an entry
 * is gone, so the list only shrinks.
 */
const KNOWN_ERRORS: string[] = [];

const APP = `
import { Phial, Blueprint, redirect, abort, NotFound, SetupError, type SessionValues } from 'phial';
import { createDatabase, sql, type Generated, type Migration } from 'phial/db';
import { MemoryStore, type SessionStore } from 'phial/sessions';
import { TestClient } from 'phial/testing';
import { SqliteSessionStore } from 'phial/sessions/sqlite';
import { RedisSessionStore } from 'phial/sessions/redis';
import { PostgresSessionStore } from 'phial/sessions/postgres';

declare module 'phial' { interface SessionValues { user?: string } }

interface DB { notes: { id: Generated<number>; title: string } }
const db = createDatabase<DB>();
const store: SessionStore = new MemoryStore({ env: 'development' });
const app = new Phial({ name: 'x', session: { type: 'server', store: () => store } });
const api = new Blueprint('api', { urlPrefix: '/api' });
api.get('/notes/<int:id>', (req) => ({ id: req.params.id, user: req.session.get('user') }));
app.registerBlueprint(api);
app.post('/out', () => redirect('/', 303));
app.get('/gone', () => abort(404));
export const migration: Migration = { up: async (k) => { await sql\`select 1\`.execute(k); } };
export const client: TestClient = app.testClient();
export const values: SessionValues = {};
export const classes = [NotFound, SetupError, SqliteSessionStore, RedisSessionStore, PostgresSessionStore];
export async function start(): Promise<void> { await db.initApp(app); await app.listen({ port: 0 }); }
`;

describe('published typings', () => {
  let dir = '';
  let dist = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'phial-dts-'));
    dist = join(dir, 'dist');
    const build = spawnSync(process.execPath, [tsc, '-p', join(repo, 'tsconfig.build.json'), '--outDir', dist], { encoding: 'utf8' });
    assert.equal(build.status, 0, build.stdout + build.stderr);
  });

  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('leave out @internal members', () => {
    // Declarations only: the module notes may mention the same words.
    const dts = (file: string): string => readFileSync(join(dist, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    const scaffold = dts('app/scaffold.d.ts');
    for (const name of ['routeRecords', 'beforeRequestHooks', 'codeHandlers', 'children', 'prependRoute', 'assertName', 'RouteRecord']) {
      assert.doesNotMatch(scaffold, new RegExp(`\\b${name}\\b`), name);
    }
    const phial = dts('app/phial.d.ts');
    for (const name of ['runShutdownHooks', 'rawReplyHeaders', 'shouldContinue']) assert.doesNotMatch(phial, new RegExp(`\\b${name}\\b`), name);
    const request = dts('http/request.d.ts');
    for (const name of ['attachSession', 'sessionOpened', 'loadBody', 'releaseBody', 'drawnNonce']) assert.doesNotMatch(request, new RegExp(`\\b${name}\\b`), name);
    assert.doesNotMatch(dts('http/headers.d.ts'), /\[SET_TRUSTED\]|setTrusted/);
  });

  it('type-check an app that uses every entry point, with skipLibCheck off', () => {
    const entry = (p: string): string[] => [join(dist, p)];
    writeFileSync(join(dir, 'app.ts'), APP);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        skipLibCheck: false, types: ['node'], typeRoots: [join(repo, 'node_modules', '@types')], ignoreDeprecations: '6.0', baseUrl: '.',
        paths: {
          'phial': entry('index.d.ts'), 'phial/db': entry('db/index.d.ts'), 'phial/sessions': entry('sessions/index.d.ts'),
          'phial/testing': entry('testing/index.d.ts'), 'phial/sessions/sqlite': entry('sessions/stores/sqlite.d.ts'),
          'phial/sessions/redis': entry('sessions/stores/redis.d.ts'), 'phial/sessions/postgres': entry('sessions/stores/postgres.d.ts'),
          // The app's own dependencies, as its node_modules would hold them.
          '*': [join(repo, 'node_modules', '@types', '*'), join(repo, 'node_modules', '*')],
        },
      },
      files: ['app.ts'],
    }));
    const check = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8' });
    const errors = check.stdout.split('\n').filter((l) => l.includes('error TS'))
      .map((l) => l.replace(/^.*?dist\//, '').replace(/\(\d+,\d+\)/, ''));
    assert.deepEqual(errors, KNOWN_ERRORS, check.stdout + check.stderr);
  });
});
