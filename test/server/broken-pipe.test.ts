import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';

// A log consumer that dies (`phial run | head -1`, a crashed shipper) must not keep a server
// from shutting down: pino's async stdout destination used to spin forever in an exit-time
// flushSync on EPIPE.
test('SIGTERM shuts down even when stdout is a broken pipe', async () => {
  const child = spawn(process.execPath, [
    '--conditions=phial-source', '--import', 'tsx', 'src/cli/main.ts', 'run', '--app', 'test/fixtures/server/app.ts', '-p', '0',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  // Read the first log line ("listening"), then close our end: later writes get EPIPE.
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.stdout.destroy();
  await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
  const [code, signal] = await once(child, 'exit') as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  assert.equal(signal, null, `the process had to be killed; stderr: ${stderr}`);
  assert.equal(code, 0);
});
