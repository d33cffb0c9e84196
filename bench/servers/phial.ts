/**
 * Phial with every default on (production env, security headers, CSP nonce). It runs the package
 * built into dist/, or the build named by `PHIAL_BENCH_PACKAGE` (an A/B run's other git ref).
 */
import { randomBytes } from 'node:crypto';
import { HOST, PLAINTEXT_BODY, announceReady, benchPort } from '../lib/contract.ts';
import { startCpuProfileFromEnv } from '../lib/cpu-profile.ts';
import { loadPhial } from '../lib/phial-package.ts';

startCpuProfileFromEnv();
const { Phial, Response } = await loadPhial();
const port = benchPort();
const app = new Phial({ name: 'bench', env: 'production', secretKey: randomBytes(32).toString('hex'), logLevel: 'silent' });
app.get('/plaintext', () => new Response(PLAINTEXT_BODY, { headers: { 'content-type': 'text/plain; charset=utf-8' } }));
app.get('/json', () => ({ message: 'Hello, World!' }));
app.get('/users/<int:id>', (req) => ({ id: req.params.id }));
await app.listen({ host: HOST, port });
announceReady(port);
