// Upload folders carry their app, host and process in their name; an app starting removes the
// folders of its own name whose process is dead, and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pino } from 'pino';
import { uploadDirPrefix } from '../../src/http/body/upload-dirs.ts';
import { makeApp } from '../helpers.ts';

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.ok(r.pid !== undefined && r.pid > 0);
  return r.pid;
}

function folder(name: string): string {
  const dir = join(tmpdir(), name);
  mkdirSync(dir);
  writeFileSync(join(dir, '1'), 'left over');
  return dir;
}

test('starting an app removes its upload folders left by a dead process, and only those', async () => {
  const app = 'stale_' + process.pid;
  const dead = deadPid();
  const stale = folder(uploadDirPrefix(app, dead) + 'AbC123');
  const live = folder(uploadDirPrefix(app, process.ppid) + 'AbC123'); // the test runner: alive
  const other = folder(uploadDirPrefix(app + 'x', dead) + 'AbC123'); // another app
  const legacy = folder(`phial-upload-${app}-old`); // not in the scheme
  const lines: Array<{ msg: string; removed?: number }> = [];
  try {
    const logger = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s) as { msg: string }); } });
    const a = makeApp({ name: app, logger });
    let saved = '';
    a.post('/up', { csrf: false }, async (req) => { saved = (await req.files()).f![0]!.path; return 'ok'; });
    const client = a.testClient();
    assert.equal(existsSync(stale), false, 'the dead process\'s folder is gone once the app started');
    assert.ok(existsSync(live), 'a live process\'s folder is kept');
    assert.ok(existsSync(other), 'another app\'s folder is kept');
    assert.ok(existsSync(legacy), 'a folder outside the naming scheme is kept');
    assert.ok(lines.some((l) => /removed upload folders/.test(l.msg) && l.removed === 1), JSON.stringify(lines));

    // This process's own uploads use the scheme, and are removed after the response as before.
    const r = await client.post('/up', { multipart: { f: { filename: 'a.txt', content: 'hello' } } });
    assert.equal(r.status, 200);
    assert.ok(basename(dirname(saved)).startsWith(uploadDirPrefix(app)), saved);
    assert.equal(dirname(dirname(saved)), tmpdir());
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(existsSync(dirname(saved)), false);
    assert.equal(readdirSync(tmpdir()).filter((n) => n.startsWith(uploadDirPrefix(app))).length, 0);
    await client.close();
  } finally {
    for (const d of [stale, live, other, legacy]) rmSync(d, { recursive: true, force: true });
  }
});

test('upload folder names encode the app name without separators and stay short', () => {
  assert.match(uploadDirPrefix('notes', 42), /^phial-upload-notes-[0-9a-f]{8}-42-$/);
  assert.match(uploadDirPrefix('my-app.v2', 42), /^phial-upload-my%2Dapp%2Ev2-[0-9a-f]{8}-42-$/);
  assert.ok(uploadDirPrefix('é'.repeat(200), 42).length < 60);
  assert.notEqual(uploadDirPrefix('a-b', 1), uploadDirPrefix('a', 1));
});
