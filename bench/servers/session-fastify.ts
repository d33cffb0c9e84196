/**
 * Fastify in the sessions-and-CSRF benchmark (`bench/sessions.ts`; contract in
 * `bench/lib/session-contract.ts`): `@fastify/helmet` with its defaults, `@fastify/secure-session`
 * (libsodium secretbox cookies), `@fastify/csrf-protection` storing its secret in that session, and
 * `@fastify/formbody`. The page is rendered by LiquidJS — the version Phial uses — from the same
 * template file, with the parsed template cached and every output HTML-escaped, as in Phial.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Fastify from 'fastify';
import helmet from '@fastify/helmet';
import secureSession from '@fastify/secure-session';
import csrfProtection from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import { Liquid } from 'liquidjs';
import { HOST, announceReady, benchPort } from '../lib/contract.ts';
import { startCpuProfileFromEnv } from '../lib/cpu-profile.ts';
import { CSRF_FIELD, FORM_TEMPLATE_NAME, savedBody, writeTemplateRoot } from '../lib/session-contract.ts';

declare module '@fastify/secure-session' {
  interface SessionData { user: string }
}

type Form = Record<string, string | string[] | undefined>;

startCpuProfileFromEnv();
const port = benchPort();
const liquid = new Liquid({
  root: join(writeTemplateRoot(), 'templates'),
  cache: true,
  outputEscape: 'escape',
  ownPropertyOnly: true,
});

const app = Fastify({ logger: false });
await app.register(helmet);
await app.register(secureSession, {
  key: randomBytes(32),
  cookieName: 'session',
  cookie: { path: '/', httpOnly: true, secure: true, sameSite: 'lax' },
});
await app.register(formbody);
await app.register(csrfProtection, {
  sessionPlugin: '@fastify/secure-session',
  getToken: (req) => {
    const value = (req.body as Form | undefined)?.[CSRF_FIELD];
    return typeof value === 'string' ? value : undefined;
  },
});

app.post('/login', (req, reply) => {
  const user = (req.body as Form | undefined)?.['user'];
  if (typeof user !== 'string' || user === '') return reply.code(401).send('A user name is required.');
  req.session.regenerate();
  req.session.set('user', user);
  return reply.redirect('/form', 303);
});

app.get('/form', async (req, reply) => {
  const user = req.session.get('user');
  if (user === undefined) return reply.code(401).send('Unauthorized');
  const html = await liquid.renderFile(FORM_TEMPLATE_NAME, { user, csrf_token: reply.generateCsrf() }) as string;
  return reply.type('text/html; charset=utf-8').send(html);
});

app.post('/form', { preHandler: app.csrfProtection }, (req, reply) => {
  const user = req.session.get('user');
  if (user === undefined) return reply.code(401).send('Unauthorized');
  const note = (req.body as Form)['note'];
  return reply.type('text/plain; charset=utf-8').send(savedBody(String(note ?? ''), user));
});

// Without a handler SIGTERM ends the process before 'exit' (the template folder would stay behind).
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void app.close().finally(() => process.exit(0)));
}

await app.listen({ host: HOST, port });
announceReady(port);
