// auditEventFromRequest with a real request over loopback, recorded into a real SQLite file.
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { auditEventFromRequest, auditLogMigration, formatAuditLine, listAudit, recordAudit, type AuditLogTable } from '../../src/db/audit.ts';
import { serve } from '../../src/server/serve.ts';
import { makeApp, rawRequest, tempDir } from '../helpers.ts';

const dir = tempDir('phial-audit-http-');
after(() => rmSync(dir, { recursive: true, force: true }));

it('a failed login is recorded with the client address, user agent and request id of the real request', async () => {
  const db = new Kysely<{ audit_log: AuditLogTable }>({ dialect: new SqliteDialect({ database: new Database(join(dir, 'app.db')) }) });
  const m = await new Migrator({ db, provider: { getMigrations: async () => ({ '0001_audit_log': auditLogMigration }) } }).migrateToLatest();
  if (m.error) throw m.error;

  const app = makeApp();
  app.get('/login/<name>', async (req) => {
    const rec = await recordAudit(db, auditEventFromRequest(req, { action: 'auth.login', actor: String(req.params.name), outcome: 'failure' }));
    return { requestId: req.id, auditId: rec.id };
  });
  const running = await serve(app, { host: '127.0.0.1', port: 0, handleSignals: false });
  const port = running.address.port;
  const get = async (path: string, userAgent: string): Promise<{ status: string; body: string }> => {
    const reply = await rawRequest(port, Buffer.from(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: ${userAgent}\r\nConnection: close\r\n\r\n`, 'latin1'));
    return { status: reply.slice(0, 12), body: reply.slice(reply.indexOf('\r\n\r\n') + 4) };
  };
  try {
    const r = await get('/login/alice', 'Mozilla/5.0 (test) \u00e9');
    assert.equal(r.status, 'HTTP/1.1 200');
    const { requestId, auditId } = JSON.parse(r.body) as { requestId: string; auditId: number };
    const [rec] = await listAudit(db, { requestId });
    assert.ok(rec);
    assert.equal(rec.id, auditId);
    assert.equal(rec.actor, 'alice');
    assert.equal(rec.outcome, 'failure');
    assert.equal(rec.ip, '127.0.0.1');
    assert.equal(rec.requestId, requestId);
    assert.equal(rec.userAgent, 'Mozilla/5.0 (test) \u00e9'); // Node reads header bytes as latin1

    // The server refuses C0 controls in a header (400), but a tab and latin1 bytes pass, and
    // 0x9B is CSI, the one-byte terminal escape: stored as is, printed escaped.
    assert.equal((await get('/login/eve', 'x\x1b[2J')).status, 'HTTP/1.1 400');
    const b = await get('/login/bob', 'x\ty\x85z\x9b2J');
    assert.equal(b.status, 'HTTP/1.1 200');
    const [bob] = await listAudit(db, { actor: 'bob' });
    assert.equal(bob!.userAgent, 'x\ty\x85z\x9b2J');
    assert.ok(formatAuditLine(bob!).includes('user_agent="x\\ty\\x85z\\x9b2J"'), formatAuditLine(bob!));
    assert.deepEqual(await listAudit(db, { actor: 'eve' }), []);
  } finally {
    await running.close();
    await db.destroy();
  }
});
