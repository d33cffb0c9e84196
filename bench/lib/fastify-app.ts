/**
 * The Fastify app shared by the `fastify` and `fastify-helmet` contestants (not a contestant itself).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import { JSON_MESSAGE, PLAINTEXT_BODY } from './contract.ts';

/** Builds the three-route app; with `helmet: true`, registers `@fastify/helmet` with defaults. */
export async function buildFastify(options: { helmet: boolean }): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  if (options.helmet) await app.register(helmet);
  app.get('/plaintext', (_req, reply) => {
    reply.type('text/plain; charset=utf-8').send(PLAINTEXT_BODY);
  });
  app.get('/json', () => JSON_MESSAGE);
  app.get<{ Params: { id: number } }>(
    '/users/:id',
    { schema: { params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } } },
    (req) => ({ id: req.params.id }),
  );
  return app;
}
