/** Fastify with its defaults (no security headers), typed `:id` param via a JSON schema. */
import { buildFastify } from '../lib/fastify-app.ts';
import { HOST, announceReady, benchPort } from '../lib/contract.ts';

const port = benchPort();
const app = await buildFastify({ helmet: false });
await app.listen({ host: HOST, port });
announceReady(port);
