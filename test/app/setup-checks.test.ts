import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Blueprint, HTTPException, SetupError, type Phial } from 'phial';
import { makeApp, rawRequest } from '../helpers.ts';

const unknownOption = (hint: RegExp) => (e: unknown): boolean =>
  e instanceof SetupError && e.code === 'PHIAL_E_UNKNOWN_OPTION' && hint.test(e.message);

describe('a misspelt option is refused, never ignored', () => {
  it('Blueprint and registerBlueprint options', () => {
    assert.throws(() => new Blueprint('b', { urlprefix: '/b' } as never), unknownOption(/"urlprefix".*"urlPrefix"/));
    const app = makeApp();
    assert.throws(() => app.registerBlueprint(new Blueprint('c'), { urlprefix: '/c' } as never), unknownOption(/did you mean "urlPrefix"/));
  });

  it('route options, at freeze, with the options extension steps declare', () => {
    const app = makeApp();
    app.get('/', { method: ['POST'] } as never, () => 'x');
    assert.throws(() => app.freeze(), unknownOption(/Route \/: unknown option "method".*"methods"/));
    const ok = makeApp();
    ok.addStep({ name: 'limits-x', owner: 'test', position: 250, routeOptions: ['limits'], build: () => undefined });
    ok.get('/', { limits: '5/minute' } as never, () => 'x');
    assert.doesNotThrow(() => ok.freeze());
  });

  it('session, csrf and security header options', () => {
    const bad: Array<[() => Phial, RegExp]> = [
      [() => makeApp({ session: { type: 'encrypted', idleTimeot: 5 } as never }), /"idleTimeot".*"idleTimeout"/],
      [() => makeApp({ csrf: { trustedOrigin: ['https://a.example'] } as never }), /"trustedOrigin".*"trustedOrigins"/],
    ];
    for (const [build, hint] of bad) {
      const app = build();
      app.get('/', () => 'x');
      assert.throws(() => app.freeze(), unknownOption(hint));
    }
    const route = makeApp();
    route.get('/', { securityHeaders: { contentSecurityPolcy: false } as never }, () => 'x');
    assert.throws(() => route.freeze(), /"contentSecurityPolcy".*"contentSecurityPolicy"/);
  });
});

describe('endpoints and refusals', () => {
  it('two view functions cannot share an endpoint (one view may have several rules)', () => {
    const app = makeApp();
    app.get('/a', function v() { return 'a'; });
    app.get('/b', function v() { return 'b'; });
    assert.throws(() => app.freeze(), (e: unknown) => e instanceof SetupError && e.code === 'PHIAL_E_DUPLICATE');
    const ok = makeApp();
    const shared = function page(): string { return 'p'; };
    ok.get('/p', shared);
    ok.get('/page', shared);
    assert.doesNotThrow(() => ok.freeze());
  });

  it('a refused Host closes the connection even when an app handler answers it', async () => {
    const app = makeApp();
    app.get('/healthz', () => 'ok');
    app.errorHandler(HTTPException, (e) => [{ error: (e as HTTPException).description }, (e as HTTPException).status]);
    const server = (await app.listen({ port: 0 }))!;
    try {
      const raw = await rawRequest(server.address.port,
        'GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
      assert.match(raw, /^HTTP\/1\.1 400 /);
      assert.match(raw, /\r\nconnection: close\r\n/i);
      assert.equal(raw.match(/HTTP\/1\.1 /g)?.length, 1, 'the pipelined request is not served');
    } finally {
      await server.close();
    }
  });

  it('a transfer coding other than chunked is a 501, its body never read', async () => {
    const app = makeApp();
    let ran = false;
    app.post('/p', { csrf: false }, () => { ran = true; return 'read'; });
    const server = (await app.listen({ port: 0 }))!;
    try {
      const raw = await rawRequest(server.address.port,
        'POST /p HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\nContent-Type: text/plain\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
      assert.match(raw, /^HTTP\/1\.1 501 /);
      assert.equal(ran, false);
    } finally {
      await server.close();
    }
  });

  it('an exception a class handler answers is not logged as an error', async () => {
    class Teapot extends Error {}
    const app = makeApp();
    const errors: string[] = [];
    (app.logger as unknown as { error: (o: object, m: string) => void }).error = (_o, m) => { errors.push(m); };
    app.errorHandler(Teapot, () => ['teapot', 418]);
    app.get('/t', () => { throw new Teapot(); });
    app.get('/boom', () => { throw new Error('bug'); });
    const c = app.testClient();
    assert.equal((await c.get('/t')).status, 418);
    assert.deepEqual(errors, []);
    assert.equal((await c.get('/boom')).status, 500);
    assert.deepEqual(errors, ['Exception on /boom [GET]']);
    await c.close();
  });

  it('app settings are read-only all the way down', () => {
    const app = makeApp({ settings: { apiKeys: ['a'], nested: { x: 1 } } } as never);
    const settings = app.settings as unknown as { apiKeys: string[]; nested: { x: number } };
    assert.throws(() => settings.apiKeys.push('b'), TypeError);
    assert.throws(() => { settings.nested.x = 2; }, TypeError);
  });
});

describe('setup mistakes are SetupErrors with a code', () => {
  it('error handlers for a non-error status, a non-class key or a non-function', () => {
    const app = makeApp();
    const bad = (e: unknown): boolean => e instanceof SetupError && e.code === 'PHIAL_E_BAD_HANDLER';
    assert.throws(() => app.errorHandler(200, () => 'x'), bad);
    assert.throws(() => app.errorHandler('x' as never, () => 'x'), bad);
    assert.throws(() => app.errorHandler(404, 'nope' as never), bad);
  });

  it('an extension needs a name and initApp', () => {
    const app = makeApp();
    const bad = (e: unknown): boolean => e instanceof SetupError && e.code === 'PHIAL_E_BAD_EXTENSION';
    assert.throws(() => app.register({ name: 'z' } as never), bad);
    assert.throws(() => app.register({ initApp() {} } as never), bad);
  });
});
