/** Phial with every default on (production env, security headers, CSP nonce). */
import { randomBytes } from 'node:crypto';
import { Phial, Response } from 'phial';
import { HOST, PLAINTEXT_BODY, announceReady, benchPort } from '../lib/contract.ts';

const port = benchPort();
const app = new Phial({ name: 'bench', env: 'production', secretKey: randomBytes(32).toString('hex'), logLevel: 'silent' });
app.get('/plaintext', () => new Response(PLAINTEXT_BODY, { headers: { 'content-type': 'text/plain; charset=utf-8' } }));
app.get('/json', () => ({ message: 'Hello, World!' }));
app.get('/users/<int:id>', (req) => ({ id: req.params.id }));
await app.listen({ host: HOST, port });
announceReady(port);
