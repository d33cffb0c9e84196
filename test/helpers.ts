/** Shared test helpers: a quiet app in a temporary folder, raw socket requests. */
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Phial, type PhialAppOptions } from 'phial';

/** A new temporary directory. */
export function tempDir(prefix = 'phial-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An app with a temporary root/instance folder and silent logs. */
export function makeApp(options: PhialAppOptions = {}): Phial {
  const root = options.rootPath ?? tempDir();
  return new Phial({ name: 'test', rootPath: root, instancePath: join(root, 'instance'), logLevel: 'silent', ...options });
}

/** Sends raw bytes on a fresh connection and returns everything the server wrote until it closed. */
export function rawRequest(port: number, data: string | Buffer, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { socket.destroy(); resolve(Buffer.concat(chunks).toString('latin1')); }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => { clearTimeout(timer); resolve(Buffer.concat(chunks).toString('latin1')); });
    socket.on('error', (e) => { clearTimeout(timer); reject(e); });
    socket.write(data);
  });
}
