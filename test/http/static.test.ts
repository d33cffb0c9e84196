// Static files and sendFromDirectory (case C06): the path joiner, real-path containment, and
// RFC 9110 validators and ranges, over real HTTP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import fc from 'fast-check';
import { contentDisposition, parseRange, safeJoin, sendFromDirectory } from '../../src/http/static.ts';
import { makeApp, rawRequest, tempDir } from '../helpers.ts';

describe('safeJoin', () => {
  it('C06 unit: siblings and parents are out, plain names are in', () => {
    assert.equal(safeJoin('/srv/static', '../static1.txt'), null);
    assert.equal(safeJoin('/srv/static', '../static_disallow/x'), null);
    assert.equal(safeJoin('/srv/static', 'a/b.txt'), '/srv/static/a/b.txt');
    assert.equal(safeJoin('/srv/static', 'caf\u00e9 menu.txt'), '/srv/static/caf\u00e9 menu.txt');
  });

  it('refuses every Windows and encoding trick on every OS', () => {
    for (const bad of ['', '..', '.', 'a/../../x', 'a/./b', 'a//b', '/etc/passwd', '\\\\server\\share\\x', '//server/share/x', 'a\\b', 'C:x', 'c:\\x',
      'C:/x', 'a/b:stream', 'CON', 'con.txt', 'aux.txt', 'AUX .txt', 'sub/NUL', 'nul.tar.gz', 'COM1', 'com\u00b9.log', 'LPT9.x', 'CONIN$', 'conout$.txt',
      'a/\0', 'a\nb', 'a\x7fb', '..%2fstatic1.txt', 'a%2Fb', 'a%5cb', '%2e%2e', 'x%00', '.env', 'a/.git/config', 'trailing.', 'trailing ',
      'a/b./c', 'x'.repeat(5000)]) {
      assert.equal(safeJoin('/srv/static', bad), null, JSON.stringify(bad));
    }
    for (const ok of ['console.txt', 'auxiliary.txt', 'com10', 'lpt', 'a.b.c', 'con-tent/x', '%41.txt']) assert.notEqual(safeJoin('/srv/static', ok), null, ok);
  });

  it('property: whatever the name, the result is null or a path strictly inside the root', () => {
    const root = resolve('/srv/static');
    const piece = fc.oneof(fc.constantFrom('..', '.', '/', '\\', ':', '%2f', '%5C', '\0', 'C:', 'con', '.git', ' ', 'a', 'static1.txt', '~'), fc.string({ maxLength: 5 }));
    let joined = 0;
    fc.assert(fc.property(fc.array(piece, { maxLength: 10 }).map((p) => p.join('')), (name) => {
      const r = safeJoin(root, name);
      if (r === null) return;
      joined++;
      const rel = relative(root, r);
      assert.ok(rel !== '' && !rel.startsWith('..') && !rel.includes(`${sep}..${sep}`) && r.startsWith(root + sep), `${JSON.stringify(name)} → ${r}`);
      assert.equal(join(root, name), r, 'no rewriting: the name is the path below the root');
    }), { numRuns: 10000 });
    assert.ok(joined > 300, `only ${joined} names joined: the property would be vacuous`);
  });
});

describe('parseRange and contentDisposition', () => {
  it('parses single byte ranges (RFC 9110 §14.1.2)', () => {
    assert.deepEqual(parseRange('bytes=0-4', 10), { kind: 'partial', start: 0, end: 4 });
    assert.deepEqual(parseRange('bytes=5-', 10), { kind: 'partial', start: 5, end: 9 });
    assert.deepEqual(parseRange('bytes=-3', 10), { kind: 'partial', start: 7, end: 9 });
    assert.deepEqual(parseRange('bytes=-30', 10), { kind: 'partial', start: 0, end: 9 });
    assert.deepEqual(parseRange('Bytes = 2 - 100', 10), { kind: 'partial', start: 2, end: 9 });
    for (const u of ['bytes=10-', 'bytes=10-20', 'bytes=-0']) assert.deepEqual(parseRange(u, 10), { kind: 'unsatisfiable' }, u);
    assert.deepEqual(parseRange('bytes=0-0', 0), { kind: 'unsatisfiable' });
    for (const f of [undefined, 'bytes=0-1,3-4', 'items=0-1', 'bytes=5-2', 'bytes=-', 'bytes=a-b', 'bytes=0-1 junk', 'bytes=1234567890123456-']) {
      assert.deepEqual(parseRange(f, 10), { kind: 'full' }, String(f));
    }
  });

  it('builds RFC 6266 dispositions with an ASCII fallback and filename*', () => {
    assert.equal(contentDisposition('attachment', 'report.pdf'), 'attachment; filename="report.pdf"');
    assert.equal(contentDisposition('attachment', 'résumé (1).pdf'), `attachment; filename="r_sum_ (1).pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29.pdf`);
    assert.equal(contentDisposition('attachment', 'a";\r\nX: y%.txt'), `attachment; filename="a____X: y_.txt"; filename*=UTF-8''a%22%3B%0D%0AX%3A%20y%25.txt`);
    assert.match(contentDisposition('inline', 'x\ud800'), /filename\*=UTF-8''x%EF%BF%BD$/);
  });
});

function head(raw: string): { status: number; headers: Record<string, string>; body: string } {
  const [h, ...rest] = raw.split('\r\n\r\n');
  const lines = h!.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) { const i = l.indexOf(':'); headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim(); }
  return { status: Number(lines[0]!.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

describe('over HTTP', () => {
  let port = 0;
  let close: () => Promise<void>;
  const root = tempDir();

  before(async () => {
    mkdirSync(join(root, 'static', 'sub'), { recursive: true });
    mkdirSync(join(root, 'static_disallow'));
    mkdirSync(join(root, 'downloads'));
    writeFileSync(join(root, 'static', 'sub', 'ok.txt'), '0123456789');
    writeFileSync(join(root, 'static_disallow', 'index.html'), 'SIBLING');
    writeFileSync(join(root, 'static1.txt'), 'SIBLING');
    writeFileSync(join(root, 'downloads', 'résumé.pdf'), '%PDF');
    symlinkSync(join(root, 'static1.txt'), join(root, 'static', 'out.txt'));
    symlinkSync(join(root, 'static_disallow'), join(root, 'static', 'outdir'));
    symlinkSync(join(root, 'static', 'sub', 'ok.txt'), join(root, 'static', 'in.txt')); // inside: allowed
    utimesSync(join(root, 'static', 'sub', 'ok.txt'), new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    const app = makeApp({ rootPath: root });
    app.get('/dl/<path:name>', (req) => sendFromDirectory(join(root, 'downloads'), req.params.name, req, { asAttachment: true }));
    const running = await app.listen({ port: 0 });
    port = running!.address.port;
    close = () => running!.close();
  });
  after(() => close());

  const send = async (target: string, extra = '', method = 'GET') =>
    head(await rawRequest(port, `${method} ${target} HTTP/1.1\r\nHost: localhost\r\n${extra}Connection: close\r\n\r\n`));

  it("C06: the case's three requests never reach the sibling directory or file", async () => {
    for (const target of ['/static/../static_disallow/', '/static/../static1.txt', '/static/..%2fstatic1.txt']) {
      const r = await send(target);
      assert.ok([308, 400, 404].includes(r.status), `${target} → ${r.status}`);
      assert.doesNotMatch(r.body, /SIBLING/);
      if (r.status === 308) {
        const followed = await send(r.headers.location!);
        assert.ok([400, 404].includes(followed.status), `${target} → ${r.headers.location} → ${followed.status}`);
        assert.doesNotMatch(followed.body, /SIBLING/);
      }
    }
  });

  it('refuses symlinks that lead out, serves those that stay in', async () => {
    for (const target of ['/static/out.txt', '/static/outdir/index.html', '/static/%2e%2e/static1.txt', '/static/..%5cstatic1.txt', '/static/CON', '/static/aux.txt']) {
      const r = await send(target);
      assert.ok([308, 400, 404].includes(r.status), `${target} → ${r.status}`);
      assert.doesNotMatch(r.body, /SIBLING/);
    }
    assert.equal((await send('/static/in.txt')).body, '0123456789');
  });

  it('validators: strong ETag, Last-Modified, 304 on If-None-Match (weak compare) or If-Modified-Since', async () => {
    const r = await send('/static/sub/ok.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body, '0123456789');
    assert.match(r.headers.etag!, /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.equal(r.headers['last-modified'], 'Tue, 01 Jan 2030 00:00:00 GMT');
    assert.equal(r.headers['accept-ranges'], 'bytes');
    const etag = r.headers.etag!;
    for (const inm of [etag, `W/${etag}`, `"x", ${etag}`, '*']) {
      const c = await send('/static/sub/ok.txt', `If-None-Match: ${inm}\r\n`);
      assert.equal(c.status, 304, inm);
      assert.equal(c.body, '');
      assert.equal(c.headers.etag, etag);
    }
    assert.equal((await send('/static/sub/ok.txt', 'If-None-Match: "other"\r\n')).status, 200);
    assert.equal((await send('/static/sub/ok.txt', 'If-Modified-Since: Tue, 01 Jan 2030 00:00:00 GMT\r\n')).status, 304);
    assert.equal((await send('/static/sub/ok.txt', 'If-Modified-Since: Mon, 31 Dec 2029 23:59:59 GMT\r\n')).status, 200);
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    assert.equal((await send('/static/sub/ok.txt', 'If-None-Match: "other"\r\nIf-Modified-Since: Tue, 01 Jan 2030 00:00:00 GMT\r\n')).status, 200);
  });

  it('ranges: 206 with Content-Range, 416 when unsatisfiable, 200 for several ranges, If-Range honoured', async () => {
    const p = await send('/static/sub/ok.txt', 'Range: bytes=2-5\r\n');
    assert.equal(p.status, 206);
    assert.equal(p.body, '2345');
    assert.equal(p.headers['content-range'], 'bytes 2-5/10');
    assert.equal(p.headers['content-length'], '4');
    const suffix = await send('/static/sub/ok.txt', 'Range: bytes=-3\r\n');
    assert.deepEqual([suffix.status, suffix.body], [206, '789']);
    const bad = await send('/static/sub/ok.txt', 'Range: bytes=10-\r\n');
    assert.equal(bad.status, 416);
    assert.equal(bad.headers['content-range'], 'bytes */10');
    assert.equal(bad.body, '');
    const multi = await send('/static/sub/ok.txt', 'Range: bytes=0-1,4-5\r\n');
    assert.deepEqual([multi.status, multi.body], [200, '0123456789']);
    const etag = (await send('/static/sub/ok.txt')).headers.etag!;
    assert.equal((await send('/static/sub/ok.txt', `Range: bytes=0-0\r\nIf-Range: ${etag}\r\n`)).status, 206);
    assert.equal((await send('/static/sub/ok.txt', 'Range: bytes=0-0\r\nIf-Range: "stale"\r\n')).status, 200);
    assert.equal((await send('/static/sub/ok.txt', `Range: bytes=0-0\r\nIf-Range: W/${etag}\r\n`)).status, 200, 'weak tags never match If-Range');
    assert.equal((await send('/static/sub/ok.txt', 'Range: bytes=0-0\r\nIf-Range: Tue, 01 Jan 2030 00:00:00 GMT\r\n')).status, 206);
    assert.equal((await send('/static/sub/ok.txt', 'Range: bytes=0-0\r\nIf-Range: Wed, 02 Jan 2030 00:00:00 GMT\r\n')).status, 200);
    const headReq = await send('/static/sub/ok.txt', 'Range: bytes=0-0\r\n', 'HEAD');
    assert.deepEqual([headReq.status, headReq.headers['content-length'], headReq.body], [200, '10', '']);
  });

  it('sendFromDirectory downloads carry an RFC 6266 Content-Disposition', async () => {
    const r = await send('/dl/r%C3%A9sum%C3%A9.pdf');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-disposition'], `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`);
    assert.equal(r.headers['content-type'], 'application/pdf');
    assert.equal((await send('/dl/..%2F..%2Fstatic1.txt')).status, 404);
  });
});
