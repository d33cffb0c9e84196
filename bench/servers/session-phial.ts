/**
 * Phial in the sessions-and-CSRF benchmark (`bench/sessions.ts`; contract in
 * `bench/lib/session-contract.ts`): production env, every default on — encrypted session cookies
 * (AES-256-GCM), CSRF checks on unsafe methods, security headers with a CSP — and the form page
 * rendered by Phial's LiquidJS engine with `{{ csrf_token }}`.
 */
import { randomBytes } from 'node:crypto';
import { Phial, Response, Unauthorized, redirect } from 'phial';
import { HOST, announceReady, benchPort } from '../lib/contract.ts';
import { startCpuProfileFromEnv } from '../lib/cpu-profile.ts';
import { FORM_TEMPLATE_NAME, savedBody, writeTemplateRoot } from '../lib/session-contract.ts';

declare module 'phial' {
  interface SessionValues { user?: string }
}

startCpuProfileFromEnv();
const port = benchPort();
const app = new Phial({
  name: 'bench-sessions',
  env: 'production',
  rootPath: writeTemplateRoot(),
  secretKey: randomBytes(32).toString('hex'),
  logLevel: 'silent',
});

app.post('/login', async (req) => {
  const user = (await req.form())['user'];
  if (typeof user !== 'string' || user === '') throw new Unauthorized('A user name is required.');
  req.session.regenerate();
  req.session.set('user', user);
  return redirect('/form', 303);
});

app.get('/form', (req) => {
  const user = req.session.get('user');
  if (user === undefined) throw new Unauthorized();
  return app.render(FORM_TEMPLATE_NAME, { user });
});

// CSRF is checked by Phial before this view runs (the token is required: the harness sends a
// cookie but no Origin or Sec-Fetch-Site header).
app.post('/form', async (req) => {
  const user = req.session.get('user');
  if (user === undefined) throw new Unauthorized();
  const note = (await req.form())['note'];
  return new Response(savedBody(String(note ?? ''), user), { headers: { 'content-type': 'text/plain; charset=utf-8' } });
});

await app.listen({ host: HOST, port });
announceReady(port);
