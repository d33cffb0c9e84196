/** Fastify plus `@fastify/helmet` with its default options. */
import { buildFastify } from '../lib/fastify-app.ts';
import { HOST, announceReady, benchPort } from '../lib/contract.ts';

const port = benchPort();
const app = await buildFastify({ helmet: true });
await app.listen({ host: HOST, port });
announceReady(port);
