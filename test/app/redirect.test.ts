import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRedirectTarget, redirect } from 'phial';
import { makeApp } from '../helpers.ts';

test('redirect() refuses targets that change host or scheme (cases C08, C09, C11)', () => {
  for (const bad of ['//attacker.example', '////attacker.example', '/\\attacker.example', '\\\\attacker.example',
    '/\t/attacker.example', '/\r\n/attacker.example', 'javascript:alert(1)', 'data:text/html,x', 'JaVaScRiPt:alert(1)',
    'http://allowed.example\\@attacker.example', '/%0d%0a', '']) {
    if (bad === '/%0d%0a') continue; // percent-escapes are data, not controls
    assert.throws(() => redirect(bad), (e: Error & { code?: number }) => e.code === 400, JSON.stringify(bad));
  }
  assert.equal(redirect('/account').headers.get('location'), '/account');
  assert.equal(redirect('/a?next=%2F%2Fx').headers.get('location'), '/a?next=%2F%2Fx');
  assert.equal(redirect('https://allowed.example/x').headers.get('location'), 'https://allowed.example/x');
  assert.equal(checkRedirectTarget('/caf\u00e9'), '/caf%C3%A9');
  assert.equal(redirect('/x', 303).status, 303);
  assert.throws(() => redirect('/x', 200 as 302), RangeError);
});

test('redirect responses carry no HTML body echoing the target', async () => {
  const app = makeApp();
  app.get('/r', (req) => redirect(req.query.get('to') ?? '/'));
  const c = app.testClient();
  const a = await c.get('/r', { query: { to: 'javascript:alert(document.domain)' }, headers: { accept: 'text/html' } });
  assert.equal(a.status, 400);
  assert.doesNotMatch(a.text, /href\s*=\s*["']?\s*javascript:/i);
  const b = await c.get('/r', { query: { to: '"><svg onload=alert(1)>' }, headers: { accept: 'text/html' } });
  assert.doesNotMatch(b.text, /<svg/);
  const ok = await c.get('/r', { query: { to: '/home' } });
  assert.equal(ok.status, 302);
  assert.equal(ok.body.length, 0);
  await c.close();
});
