// Trusted hosts (case C28): exact names, `.domain` and `*.domain` patterns, ports, IPv6, junk.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hostName, isTrustedHost, parseHost } from '../../src/http/hosts.ts';
import { makeApp, rawRequest } from '../helpers.ts';

describe('parseHost', () => {
  it('parses names, ports and IPv6 literals', () => {
    assert.deepEqual(parseHost('App.Example'), { name: 'app.example', port: undefined });
    assert.deepEqual(parseHost('app.example.:8443'), { name: 'app.example', port: 8443 });
    assert.deepEqual(parseHost('[::1]:5000'), { name: '[::1]', port: 5000 });
    assert.deepEqual(parseHost('[2001:DB8:0::1]'), { name: '[2001:db8::1]', port: undefined });
    assert.deepEqual(parseHost('127.0.0.1:80'), { name: '127.0.0.1', port: 80 });
    assert.deepEqual(parseHost('my_service'), { name: 'my_service', port: undefined });
    assert.equal(hostName('APP.example:1'), 'app.example');
  });

  it('refuses junk: userinfo, escapes, spaces, empty labels or ports, bad IPv6, non-ASCII', () => {
    for (const bad of [undefined, '', 'attacker.example@app.example', 'app.example%2f', 'app example', 'a,b', 'a..b', '.a', '..',
      'app.example:', 'app.example:0', 'app.example:65536', 'app.example:80:80', 'app.example:+80', '[::1', '[::1]x', '[::1]:',
      '[1.2.3.4]', '[fe80::1%25eth0]', '::1', 'é.example', 'app.example/x', 'app.example?x', 'app.example#x', 'a\tb', 'x'.repeat(300),
      `${'a'.repeat(64)}.example`]) {
      assert.equal(parseHost(bad), null, JSON.stringify(bad));
    }
  });
});

describe('isTrustedHost', () => {
  const list = Object.freeze(['app.example', '.example.com', '*.wild.example', 'ports.example:8443', '[::1]', '::2', '127.0.0.1']);

  it('matches exact names case-insensitively, with any port unless the entry has one', () => {
    assert.ok(isTrustedHost('APP.EXAMPLE', list));
    assert.ok(isTrustedHost('app.example:5000', list));
    assert.ok(isTrustedHost('app.example.', list));
    assert.ok(!isTrustedHost('www.app.example', list));
    assert.ok(isTrustedHost('ports.example:8443', list));
    assert.ok(!isTrustedHost('ports.example', list));
    assert.ok(!isTrustedHost('ports.example:443', list));
  });

  it('`.domain` covers the domain and subdomains; `*.domain` subdomains only; never look-alike suffixes', () => {
    assert.ok(isTrustedHost('example.com', list));
    assert.ok(isTrustedHost('a.b.example.com:1', list));
    assert.ok(!isTrustedHost('badexample.com', list));
    assert.ok(!isTrustedHost('example.com.attacker.example', list));
    assert.ok(isTrustedHost('x.wild.example', list));
    assert.ok(!isTrustedHost('wild.example', list));
  });

  it('compares IP literals canonically', () => {
    assert.ok(isTrustedHost('[::1]:5000', list));
    assert.ok(isTrustedHost('[0:0::1]', list));
    assert.ok(isTrustedHost('[::2]', list));
    assert.ok(!isTrustedHost('::1', list));
    assert.ok(isTrustedHost('127.0.0.1:5000', list));
    assert.ok(!isTrustedHost('127.0.0.01', list));
  });

  it('`*` allows any valid host, still never junk; unparseable entries match nothing', () => {
    assert.ok(isTrustedHost('anything.example', ['*']));
    assert.ok(!isTrustedHost('a@b', ['*']));
    assert.ok(!isTrustedHost(undefined, ['*']));
    assert.ok(!isTrustedHost('a', ['a b', '', '.', '*.']));
  });

  it('property: a trusted host never carries characters outside the host grammar', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (h) => {
      if (isTrustedHost(h, ['*'])) assert.match(h, /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?$/);
      assert.equal(isTrustedHost(h, list), isTrustedHost(h, [...list]), 'cache and uncached agree');
    }), { numRuns: 3000 });
  });
});

describe('the app answers 400 to an untrusted Host (C28)', () => {
  it('over a raw socket', async () => {
    const app = makeApp({ trustedHosts: ['app.example'] });
    app.get('/', () => 'ok');
    const server = await app.listen({ port: 0 });
    assert.ok(server);
    try {
      const port = server.address.port;
      const send = (host: string): Promise<string> => rawRequest(port, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assert.match(await send('app.example'), /^HTTP\/1\.1 200/);
      assert.match(await send('APP.example:5000'), /^HTTP\/1\.1 200/);
      assert.match(await send('attacker.example'), /^HTTP\/1\.1 400/);
      assert.match(await send('app.example@attacker.example'), /^HTTP\/1\.1 400/);
      assert.match(await send('app.example.attacker.example'), /^HTTP\/1\.1 400/);
    } finally {
      await server.close();
    }
  });
});
