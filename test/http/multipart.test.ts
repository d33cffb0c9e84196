// Multipart forms over real HTTP: cases C20 (parts, part headers), C22 (non-file field over the
// memory cap), C19 (field names), uploads to temporary files and their cleanup.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedBody, UploadedFile } from '../../src/http/body/index.ts';
import { bodyServer, leftovers, multipartBody, prototypeSnapshot, send, type BodyServer } from './body-helpers.ts';
import { tempDir } from '../helpers.ts';

const MP = { 'content-type': 'multipart/form-data; boundary=X' };

function describeBody(body: ParsedBody): unknown {
  const files: Record<string, unknown[]> = {};
  for (const [name, list] of Object.entries(body.files ?? {})) {
    files[name] = list!.map((f: UploadedFile) => ({
      filename: f.filename, originalFilename: f.originalFilename, mimetype: f.mimetype, size: f.size,
      content: readFileSync(f.path, 'latin1'), inTmp: f.path.includes('phial-upload-'),
    }));
  }
  return { form: body.form, files, formProto: body.form ? Object.getPrototypeOf(body.form) : 'none' };
}

describe('multipart/form-data over HTTP', () => {
  let srv: BodyServer;
  let big: BodyServer;
  let kept: string | undefined;
  const protoBefore = prototypeSnapshot();
  before(async () => {
    srv = await bodyServer({}, async (body, req) => {
      if (req.url === '/keep') {
        const f = body.files!.doc![0]!;
        kept = join(tempDir(), f.filename);
        await f.save(kept);
        assert.deepEqual(await f.bytes(), readFileSync(kept));
      }
      return describeBody(body);
    });
    // C20 needs a body limit of at least 10 MB.
    big = await bodyServer({ maxContentLength: 16 * 1024 * 1024 }, (body) => ({ fields: Object.keys(body.form ?? {}).length }));
  });
  after(async () => {
    await srv.close();
    await big.close();
    assert.deepEqual(prototypeSnapshot(), protoBefore);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  });

  it('parses fields (bracket names expanded) and streams files to temporary files', async () => {
    const body = multipartBody('X', [
      ['Content-Disposition: form-data; name="user[name]"', 'Ann'],
      ['Content-Disposition: form-data; name="tags[]"', 'a'],
      ['Content-Disposition: form-data; name="tags[]"', 'b'],
      ['Content-Disposition: form-data; name="note"', 'héllo ✓'],
      ['Content-Disposition: form-data; name="doc"; filename="../../etc/pass wd.TXT"\r\nContent-Type: Text/Plain; charset=utf-8', 'file one'],
      ['Content-Disposition: form-data; name="doc"; filename="nul.txt"\r\nContent-Type: application/octet-stream', Buffer.from([0, 1, 2, 255])],
      ['Content-Disposition: form-data; name="raw"; filename="x.bin"\r\nContent-Type: bogus type', 'x'],
      ['Content-Disposition: form-data; name="pic"; filename="été.png"', ''],
    ]);
    const r = await send(srv.port, { headers: MP, body });
    assert.equal(r.status, 200, r.text);
    const out = JSON.parse(r.text);
    assert.deepEqual(out.form, { user: { name: 'Ann' }, tags: ['a', 'b'], note: 'héllo ✓' });
    assert.equal(out.formProto, null);
    assert.deepEqual(out.files.doc, [
      { filename: 'etc_pass_wd.TXT', originalFilename: '../../etc/pass wd.TXT', mimetype: 'text/plain', size: 8, content: 'file one', inTmp: true },
      { filename: '_nul.txt', originalFilename: 'nul.txt', mimetype: 'application/octet-stream', size: 4, content: '\u0000\u0001\u0002\u00ff', inTmp: true },
    ]);
    // RFC 7578 §4.4: a part without a (readable) Content-Type is text/plain.
    assert.equal(out.files.raw[0].mimetype, 'text/plain');
    assert.deepEqual(out.files.pic, [{ filename: 'ete.png', originalFilename: 'été.png', mimetype: 'text/plain', size: 0, content: '', inTmp: true }]);
    assert.deepEqual(await leftovers(srv), [], 'temporary files removed after the response');
  });

  it('save() keeps a copy after cleanup', async () => {
    const body = multipartBody('X', [['Content-Disposition: form-data; name="doc"; filename="report.pdf"', '%PDF-1.7 data']]);
    const r = await send(srv.port, { path: '/keep', headers: MP, body });
    assert.equal(r.status, 200, r.text);
    assert.ok(kept && kept.endsWith('report.pdf'));
    assert.equal(readFileSync(kept, 'utf8'), '%PDF-1.7 data');
    assert.deepEqual(await leftovers(srv), []);
  });

  it('C20: 100 000 empty parts are a 413 in < 1 s, and nothing is left behind', async () => {
    const parts: Buffer[] = [];
    for (let i = 0; i < 100_000; i++) parts.push(Buffer.from(`--X\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\n\r\n`));
    parts.push(Buffer.from('--X--\r\n'));
    const r = await send(big.port, { headers: MP, body: Buffer.concat(parts) });
    assert.equal(r.status, 413);
    assert.match(r.text, /more than 1000 parts/);
    assert.ok(r.ms < 1000, `${r.ms} ms`);
    assert.deepEqual(await leftovers(big), []);
  });

  it('C20: 999 empty fields succeed (and 1000; 1001 do not)', async () => {
    for (const [n, status] of [[999, 200], [1000, 200], [1001, 413]] as const) {
      const body = multipartBody('X', Array.from({ length: n }, (_, i): [string, string] => [`Content-Disposition: form-data; name="f${i}"`, '']));
      const r = await send(big.port, { headers: MP, body });
      assert.equal(r.status, status, `${n} fields`);
      if (status === 200) assert.deepEqual(JSON.parse(r.text), { fields: n });
    }
  });

  it('C20: 100 000 parts with files: 413 at the file cap, temporary files removed', async () => {
    const parts: Buffer[] = [];
    for (let i = 0; i < 100_000; i++) parts.push(Buffer.from(`--X\r\nContent-Disposition: form-data; name="f"; filename="a${i}.txt"\r\n\r\ndata${i}\r\n`));
    parts.push(Buffer.from('--X--\r\n'));
    const r = await send(big.port, { headers: MP, body: Buffer.concat(parts) });
    assert.equal(r.status, 413);
    assert.match(r.text, /more than 10 files/);
    assert.ok(r.ms < 1000, `${r.ms} ms`);
    assert.deepEqual(await leftovers(big), []);
  });

  it('C20: one part with 10 000 header lines is a 413, quickly', async () => {
    const head = 'Content-Disposition: form-data; name="a"\r\n' + 'X-A: 1\r\n'.repeat(10_000);
    const body = Buffer.from(`--X\r\n${head}\r\nvalue\r\n--X--\r\n`);
    const r = await send(big.port, { headers: MP, body });
    assert.equal(r.status, 413);
    assert.match(r.text, /more than 32 header lines/);
    assert.ok(r.ms < 1000, `${r.ms} ms`);
    // 32 lines are fine; so are long-but-legal headers up to 8 KiB; one big header line is not.
    const ok = `--X\r\nContent-Disposition: form-data; name="a"\r\n${'X-A: 1\r\n'.repeat(31)}\r\nv\r\n--X--\r\n`;
    assert.equal((await send(big.port, { headers: MP, body: ok })).status, 200);
    const wide = `--X\r\nContent-Disposition: form-data; name="a"\r\nX-A: ${'a'.repeat(9000)}\r\n\r\nv\r\n--X--\r\n`;
    assert.equal((await send(big.port, { headers: MP, body: wide })).status, 413);
  });

  it('C20: the header cap holds whatever the chunking (one byte at a time)', async () => {
    const head = 'Content-Disposition: form-data; name="a"\r\n' + 'X-A: 1\r\n'.repeat(40);
    const bytes = Buffer.from(`--X\r\n${head}\r\nvalue\r\n--X--\r\n`);
    const chunks = Array.from(bytes, (b) => Buffer.from([b]));
    const r = await send(big.port, { headers: MP, body: chunks });
    assert.equal(r.status, 413);
    const fine = Buffer.from('--X\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue\r\n--X\r\nContent-Disposition: form-data; name="b"\r\n\r\n\r\n--X--\r\n');
    const r2 = await send(big.port, { headers: MP, body: Array.from(fine, (b) => Buffer.from([b])) });
    assert.equal(r2.status, 200);
    assert.deepEqual(JSON.parse(r2.text), { fields: 2 });
  });

  it('C22: a 2 MB non-file field is a 413 (maxFormMemorySize), even under a large body limit', async () => {
    const body = Buffer.concat([Buffer.from('--X\r\nContent-Disposition: form-data; name="note"\r\n\r\n'), Buffer.alloc(2_000_000, 'a'), Buffer.from('\r\n--X--\r\n')]);
    const r = await send(big.port, { headers: MP, body });
    assert.equal(r.status, 413);
    assert.match(r.text, /form field is larger than 500000 bytes/);
    // Under the 1 MiB default body limit the same body is refused as too large a body.
    assert.equal((await send(srv.port, { headers: MP, body })).status, 413);
  });

  it('files over maxFileSize are a 413 and leave nothing behind', async () => {
    const small = await bodyServer({ maxFileSize: 1000 }, () => 'ok');
    try {
      const ok = multipartBody('X', [['Content-Disposition: form-data; name="f"; filename="a"', Buffer.alloc(1000, 1)]]);
      assert.equal((await send(small.port, { headers: MP, body: ok })).status, 200);
      const over = multipartBody('X', [['Content-Disposition: form-data; name="f"; filename="a"', Buffer.alloc(1001, 1)]]);
      const r = await send(small.port, { headers: MP, body: over });
      assert.equal(r.status, 413);
      assert.match(r.text, /larger than 1000 bytes/);
      assert.deepEqual(await leftovers(small), []);
    } finally { await small.close(); }
  });

  it('C19: __proto__.isAdmin and constructor.prototype.isAdmin field names are refused (400)', async () => {
    for (const name of ['__proto__.isAdmin', 'constructor.prototype.isAdmin', 'user[__proto__][isAdmin]', 'a[constructor][prototype]']) {
      const r = await send(srv.port, { headers: MP, body: multipartBody('X', [[`Content-Disposition: form-data; name="${name}"`, 'true']]) });
      assert.equal(r.status, 400, name);
      const f = await send(srv.port, { headers: MP, body: multipartBody('X', [[`Content-Disposition: form-data; name="${name}"; filename="x"`, 'true']]) });
      assert.equal(f.status, 400, `file ${name}`);
    }
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
    assert.deepEqual(await leftovers(srv), []);
  });

  it('malformed multipart bodies are a 400', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'content-type': 'multipart/form-data' }, '--X--\r\n'],
      [{ 'content-type': 'multipart/form-data; boundary=' + 'b'.repeat(71) }, '--X--\r\n'],
      [MP, '--X\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end'],
      [MP, '--X\r\nBad Header Line\r\n\r\nv\r\n--X--\r\n'],
      [MP, '--X\r\nContent-Disposition: form-data; name="' + 'n'.repeat(300) + '"\r\n\r\nv\r\n--X--\r\n'],
      [MP, '--X\r\nContent-Disposition: form-data; name="a' + '[b]'.repeat(11) + '"\r\n\r\nv\r\n--X--\r\n'],
    ];
    for (const [headers, body] of cases) {
      const r = await send(srv.port, { headers, body });
      assert.equal(r.status, 400, `${headers['content-type']} ${body.slice(0, 60)}`);
    }
  });

  it('a client that aborts mid-upload leaves no temporary file', async () => {
    const { connect } = await import('node:net');
    const socket = connect(srv.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=X\r\nContent-Length: 100000\r\n\r\n'
      + '--X\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\n' + 'z'.repeat(5000));
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await leftovers(srv), []);
    assert.equal(srv.statuses.at(-1), 400);
    assert.ok(!existsSync(join(srv.tmpDir, 'x')));
  });
});
