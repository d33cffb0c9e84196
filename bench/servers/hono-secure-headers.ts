/** Hono with `hono/secure-headers` defaults, served by `@hono/node-server`. */
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { serve } from '@hono/node-server';
import { HOST, JSON_MESSAGE, PLAINTEXT_BODY, announceReady, benchPort } from '../lib/contract.ts';

const port = benchPort();
const app = new Hono();
app.use(secureHeaders());
app.get('/plaintext', (c) => c.text(PLAINTEXT_BODY));
app.get('/json', (c) => c.json(JSON_MESSAGE));
app.get('/users/:id{[0-9]+}', (c) => c.json({ id: Number(c.req.param('id')) }));

serve({ fetch: app.fetch, hostname: HOST, port }, (info) => announceReady(info.port));
