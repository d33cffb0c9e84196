/**
 * The benchmark's Phial app (every default on: production env, security headers, CSP), shared by
 * `bench/servers/phial.ts` and the in-process request-path measurement (`bench/request-path.ts`).
 */
import { randomBytes } from 'node:crypto';
import type * as PhialModule from 'phial';
import { PLAINTEXT_BODY } from './contract.ts';

/** The three contract routes on a fresh app of the given Phial build (not yet listening). */
export function benchApp({ Phial, Response }: typeof PhialModule): PhialModule.Phial {
  const app = new Phial({ name: 'bench', env: 'production', secretKey: randomBytes(32).toString('hex'), logLevel: 'silent' });
  app.get('/plaintext', () => new Response(PLAINTEXT_BODY, { headers: { 'content-type': 'text/plain; charset=utf-8' } }));
  app.get('/json', () => ({ message: 'Hello, World!' }));
  app.get('/users/<int:id>', (req) => ({ id: req.params.id }));
  return app;
}
