// The `phial` command line: runCli in process for parsing and discovery, bin/phial.js end to end.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers.ts';
import { ROOT, spawnNode, within } from '../server/helpers.ts';

const FIX = 'test/fixtures/server';
const APP = `${FIX}/app.ts`;
const BIN = 'bin/phial.js';

function httpText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('phial: bad input → exit 2, one line naming the value', () => {
  const cases: Array<[argv: string[], pattern: RegExp, env?: Record<string, string>]> = [
    [[], /missing command/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['run', '-x'], /unknown option '-x'/],
    [['routes', '--port', '80'], /unknown option '--port'/],
    [['run', '--port', 'abc'], /invalid value for --port: 'abc'/],
    [['run', '--port=70000'], /invalid value for --port: '70000' \(expected an integer from 0 to 65535\)/],
    [['run', '--port', '-1'], /invalid value for --port: '-1'/],
    [['run', '--port', '0x50'], /invalid value for --port: '0x50'/],
    [['run', '--port'], /option --port needs a value/],
    [['run', '--workers', '0'], /invalid value for --workers: '0' \(expected an integer from 1 to 64\)/],
    [['run', '--workers', '65'], /invalid value for --workers: '65'/],
    [['run', '-w', '1.5'], /invalid value for --workers: '1.5'/],
    [['run', '--host', ''], /invalid value for --host: ''/],
    [['run', 'extra'], /unexpected argument 'extra'/],
    [['routes', '--json=yes'], /option --json takes no value, got 'yes'/],
    [['routes', '--sort', 'size'], /invalid value for --sort: 'size'/],
    [['run', '--app', 'nope.ts'], /app file not found: 'nope.ts' \(from --app\)/],
    [['routes'], /app file not found: 'missing\/app.ts' \(from PHIAL_APP\)/, { PHIAL_APP: 'missing/app.ts' }],
    [['routes', '--app', `${FIX}/no-app.ts`], /no-app\.ts' exports no app \(looked for app, application, default/],
    [['routes', '--app', `${FIX}/two-apps.ts`], /exports several apps \(first, second\); pick one with --app FILE:NAME/],
    [['routes', '--app', `${FIX}/bare-app.ts:nothing`], /has no export 'nothing'/],
    [['routes', '--app', `${FIX}/no-app.ts:answer`], /export 'answer' of '.*no-app\.ts' is not an app/],
  ];
  for (const [argv, pattern, env] of cases) {
    test(`phial ${argv.join(' ') || '(nothing)'}`, async () => {
      const r = await cli(argv, env);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^phial: error: [^\n]+\n$/, 'exactly one line');
      assert.match(r.stderr, pattern);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  test('no --app, no PHIAL_APP, no app.ts/app.js in the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phial-cli-'));
    try {
      const r = await cli(['routes'], {}, dir);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^phial: error: no app given: pass --app FILE or set PHIAL_APP \(no app\.ts or app\.js in .*\)\n$/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('phial: help, version, runtime errors', () => {
  test('--help / -h print usage and exit 0', async () => {
    for (const flag of ['--help', '-h', 'run --help']) {
      const r = await cli(flag.split(' '));
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Usage: phial \[--app FILE\] COMMAND/);
      assert.match(r.stdout, /--workers N/);
      assert.equal(r.stderr, '');
    }
  });

  test('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await cli(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `phial ${version} (Node.js ${process.version})\n`);
  });

  test('an app module that throws → exit 1, with the message (and its stack)', async () => {
    const r = await cli(['routes', '--app', `${FIX}/throws-app.ts`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^phial: error: failed to import '.*throws-app\.ts': database URL is not set\n/);
  });

  test('port in use → exit 1, one line', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await cli(['run', '--app', `${FIX}/bare-app.ts`, '--port', String(port)]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `phial: error: cannot listen on 127.0.0.1:${port} (EADDRINUSE)\n`);
      assert.equal(process.listenerCount('SIGTERM'), 0, 'no signal handler left behind');
    } finally {
      blocker.close();
    }
  });
});

describe('phial: errors are told apart by code, not message', () => {
  test('server limits the server refuses → exit 2, one line with the code', async () => {
    const r = await cli(['run', '--app', `${FIX}/bad-limits-app.ts`, '--port', '0']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'phial: error: server limit headersTimeout must be at least 1 ms, got 0 (it is the slowloris guard) (PHIAL_E_SERVER_LIMIT)\n');
  });

  test('a plain RangeError from the app is a runtime failure (exit 1, with its stack), whatever its text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'phial-cli-range-'));
    try {
      const file = join(dir, 'app.ts');
      writeFileSync(file, "throw new RangeError('server limit of my own');\n");
      const r = await cli(['routes', '--app', file]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^phial: error: failed to import .*: server limit of my own\n/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('phial routes (hand-written app)', () => {
  test('table: Rule, Methods (sorted, HEAD/OPTIONS hidden), Endpoint, Options; sorted by endpoint', async () => {
    const r = await cli(['routes', '--app', `${FIX}/bare-app.ts`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, [
      'Rule             Methods  Endpoint    Options',
      '---------------  -------  ----------  -------------------------------',
      "/hook            POST     api.hook    csrf=off, frameAncestors='self'",
      '/                GET      index',
      '/users/<int:id>  GET      users.show',
      '',
    ].join('\n'));
  });

  test('--all-methods --sort match --json, via a createApp() factory', async () => {
    const r = await cli(['--app', `${FIX}/factory-app.ts`, 'routes', '--all-methods', '--sort', 'match', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Array<{ rule: string; methods: string[] }>;
    assert.deepEqual(rows.map((x) => x.rule), ['/users/<int:id>', '/', '/hook']);
    assert.deepEqual(rows[0]?.methods, ['GET', 'HEAD', 'OPTIONS']);
  });

  test('FILE:NAME picks one of several apps', async () => {
    const r = await cli(['routes', '--app', `${FIX}/two-apps.ts:second`, '--sort', 'rule']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.split('\n')[2] ?? '', /^\/ +GET +index$/);
  });
});

describe('bin/phial.js end to end', () => {
  test('run a hand-written app (FILE:NAME), answer, exit 0 on SIGTERM', async () => {
    const child = spawnNode([BIN, 'run', '--app', `${FIX}/bare-app.ts:application`, '--port', '0']);
    try {
      const [, url] = await child.waitFor(/Running on (http:\/\/127\.0\.0\.1:\d+) /, 20_000, 'stderr');
      assert.deepEqual(await httpText(`${url}/x`), { status: 200, body: 'bare /x' });
      child.proc.kill('SIGTERM');
      assert.deepEqual(await within(child.exited, 5000, 'exit'), { code: 0, signal: null });
    } finally {
      child.proc.kill('SIGKILL');
    }
  });

  test('bad input through the binary: exit 2, one line', async () => {
    const child = spawnNode([BIN, 'run', '--workers', '0']);
    const exit = await within(child.exited, 20_000, 'exit');
    assert.equal(exit.code, 2);
    assert.deepEqual(child.stderr, ["phial: error: invalid value for --workers: '0' (expected an integer from 1 to 64)"]);
  });

  test('phial run serves the Phial fixture app and exits 0 on SIGTERM', async () => {
    const child = spawnNode([BIN, 'run', '--app', APP, '--port', '0']);
    try {
      const [, url] = await child.waitFor(/Running on (http:\/\/127\.0\.0\.1:\d+) /, 20_000, 'stderr');
      assert.deepEqual(await httpText(`${url}/`), { status: 200, body: 'hi' });
      const user = await httpText(`${url}/users/7`);
      assert.equal(user.status, 200);
      assert.deepEqual(JSON.parse(user.body), { id: 7 });
      child.proc.kill('SIGTERM');
      assert.deepEqual(await within(child.exited, 5000, 'exit'), { code: 0, signal: null });
    } finally {
      child.proc.kill('SIGKILL');
    }
  });

  test('phial run --workers 2: both workers serve, SIGTERM stops all with exit 0', async () => {
    const child = spawnNode([BIN, 'run', '--app', APP, '--port', '0', '--workers', '2']);
    try {
      await child.waitFor(/workers started/, 30_000, 'stderr');
      const [, url] = await child.waitFor(/Running on (http:\/\/127\.0\.0\.1:\d+) /, 30_000, 'stderr');
      assert.deepEqual(await httpText(`${url}/`), { status: 200, body: 'hi' });
      child.proc.kill('SIGTERM');
      assert.deepEqual(await within(child.exited, 8000, 'exit'), { code: 0, signal: null });
      assert.equal(child.stderr.filter((l) => l.includes('Running on')).length, 2);
    } finally {
      child.proc.kill('SIGKILL');
    }
  });

  test('a configuration error (production without a secret key) → exit 2, one line', async () => {
    const child = spawnNode([BIN, 'run', '--app', APP, '--host', '0.0.0.0'], {
      PHIAL_ENV: 'production', PHIAL_SECRET_KEY: '', PHIAL_SECRET_KEY_FILE: '',
    });
    const exit = await within(child.exited, 20_000, 'exit');
    assert.equal(exit.code, 2);
    assert.equal(child.stderr.length, 1, child.stderr.join('\n'));
    assert.match(child.stderr[0] ?? '', /^phial: error: .*PHIAL_E_[A-Z_]+/);
  });

  test('phial routes lists the Phial fixture app', async () => {
    const table = spawnNode([BIN, 'routes', '--app', APP]);
    assert.equal((await within(table.exited, 20_000, 'exit')).code, 0, table.stderr.join('\n'));
    assert.equal(table.stdout[0]?.replace(/ +/g, ' '), 'Rule Methods Endpoint Steps Options');
    const users = table.stdout.find((l) => l.startsWith('/users/<int:id>'));
    assert.match(users ?? '', /^\/users\/<int:id> +GET +\S+ +host body\b/);
    assert.doesNotMatch(table.stdout.join('\n'), /HEAD|OPTIONS/);

    const json = spawnNode([BIN, 'routes', '--app', APP, '--json', '--all-methods']);
    assert.equal((await within(json.exited, 20_000, 'exit')).code, 0);
    const rows = JSON.parse(json.stdout.join('\n')) as Array<{ rule: string; methods: string[] }>;
    assert.deepEqual(rows.map((r) => r.rule).sort(), ['/', '/users/<int:id>']);
    assert.ok(rows.every((r) => r.methods.includes('GET') && r.methods.includes('HEAD')));
  });
});
