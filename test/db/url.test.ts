// DATABASE_URL parsing, TLS options from sslmode, and the production transport rule.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { DatabaseError, type PostgresTarget } from 'phial/db';
import { describeTarget, parseDatabaseUrl } from '../../src/db/url.ts';
import { checkTransport, tlsOptions } from '../../src/db/postgres.ts';
import { tempDir } from '../helpers.ts';

function pgTarget(url: string): PostgresTarget {
  const t = parseDatabaseUrl(url);
  assert.equal(t.dialect, 'postgres');
  return t as PostgresTarget;
}

function fails(url: string, pattern: RegExp, code = 'PHIAL_E_DB_URL'): DatabaseError {
  let caught: unknown;
  try {
    parseDatabaseUrl(url);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DatabaseError, `${url} should throw a DatabaseError`);
  assert.equal(caught.code, code);
  assert.match(caught.message, pattern);
  return caught;
}

describe('SQLite URLs', () => {
  test('absolute, relative to the base folder, and in-memory', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/app/app.sqlite'), { dialect: 'sqlite', path: '/var/lib/app/app.sqlite' });
    assert.deepEqual(parseDatabaseUrl('sqlite://data/app.sqlite', 'DATABASE_URL', '/srv/instance'), { dialect: 'sqlite', path: '/srv/instance/data/app.sqlite' });
    assert.deepEqual(parseDatabaseUrl('sqlite://:memory:'), { dialect: 'sqlite', path: ':memory:' });
    assert.deepEqual(parseDatabaseUrl('sqlite:///tmp/with%20space.db'), { dialect: 'sqlite', path: '/tmp/with space.db' });
    assert.equal(parseDatabaseUrl('SQLITE:///x.db').dialect, 'sqlite');
  });

  test('malformed SQLite URLs name the problem', () => {
    fails('sqlite:', /SQLite URLs start with sqlite:\/\//);
    fails('sqlite:/x.db', /SQLite URLs start with sqlite:\/\//);
    fails('sqlite://', /names no file/);
    fails('sqlite:///tmp/', /names no file/);
    fails('sqlite:///x.db?mode=ro', /no query string/);
    fails('sqlite:///x%zz.db', /malformed percent-escape/);
    fails('sqlite:///x%00.db', /NUL byte/);
  });
});

describe('PostgreSQL URLs', () => {
  test('every part is read, percent-decoded, with libpq defaults', () => {
    const t = pgTarget('postgresql://app%40corp:p%40ss%3Aw0rd@db.internal:6543/notes%2Dprod?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=web');
    assert.equal(t.host, 'db.internal');
    assert.equal(t.port, 6543);
    assert.equal(t.user, 'app@corp');
    assert.equal(t.password, 'p@ss:w0rd');
    assert.equal(t.database, 'notes-prod');
    assert.equal(t.sslmode, 'verify-full');
    assert.equal(t.sslrootcert, '/etc/ca.pem');
    assert.equal(t.applicationName, 'web');
    const d = pgTarget('postgres://postgres@[::1]/');
    assert.equal(d.host, '::1');
    assert.equal(d.port, 5432);
    assert.equal(d.database, 'postgres', 'database defaults to the user name (libpq)');
    assert.equal(d.sslmode, 'disable');
    assert.equal(pgTarget('postgres://u@/db?host=/var/run/postgresql').host, '/var/run/postgresql');
  });

  test('unsupported or dangerous settings are refused by name', () => {
    fails('mysql://root@localhost/db', /unsupported scheme "mysql:"/);
    fails('localhost:5432/db', /unsupported scheme "localhost:"/);
    fails('not a url', /white space/);
    fails('', /empty database URL/);
    fails('postgres://u@h:99999/db', /does not parse|invalid port/);
    fails('postgres://u@h:0/db', /invalid port "0"/);
    fails('postgres://u@h/db?sslmod=verify-full', /unsupported parameter "sslmod"/);
    fails('postgres://u@h/db?sslmode=prefer', /sslmode=prefer falls back to plain text/);
    fails('postgres://u@h/db?sslmode=allow', /sslmode=allow falls back/);
    fails('postgres://u@h/db?sslmode=on', /unknown sslmode "on"/);
    fails('postgres://u@h/db?sslmode=disable&sslmode=verify-full', /given more than once/);
    fails('postgres://u@h1,h2/db', /several hosts|does not parse/);
    fails('postgres://u@/db?host=relative', /absolute socket folder/);
    fails('postgres://u@h/a/b', /invalid database name "a\/b"/);
    fails('postgres:///db', /names no host/);
    fails('postgres://h', /names no database/);
    fails('postgres://u@h/db#frag', /no fragment/);
  });

  test('the password never appears in an error or a description (property)', () => {
    fc.assert(fc.property(
      fc.string({ minLength: 6, maxLength: 24, unit: fc.constantFrom(...'abcXYZ019!$&()*+,;=~'.split('')) }),
      fc.constantFrom('', '?sslmode=bogus', '?x=1', ':99999', '/a/b', '?sslmode=verify-full'),
      (password, suffix) => {
        const encoded = encodeURIComponent(password);
        const url = suffix.startsWith(':') || suffix.startsWith('/')
          ? `postgres://user:${encoded}@db.example${suffix}`
          : `postgres://user:${encoded}@db.example/app${suffix}`;
        try {
          const t = parseDatabaseUrl(url);
          const shown = describeTarget(t);
          assert.ok(!shown.includes(password) && !shown.includes(encoded), shown);
          assert.match(shown, /user:\*\*\*@/);
        } catch (err) {
          assert.ok(err instanceof DatabaseError);
          assert.ok(!err.message.includes(password) && !err.message.includes(encoded), err.message);
        }
      },
    ), { numRuns: 300 });
  });
});

describe('TLS from sslmode (libpq semantics)', () => {
  test('disable → no TLS; require → encrypted, not verified; verify-ca → chain only; verify-full → chain and name', () => {
    assert.equal(tlsOptions(pgTarget('postgres://u@h/db')), false);
    assert.equal(tlsOptions(pgTarget('postgres://u@h/db?sslmode=disable')), false);
    const require = tlsOptions(pgTarget('postgres://u@h/db?sslmode=require'));
    assert.ok(require);
    assert.equal(require.rejectUnauthorized, false);
    const full = tlsOptions(pgTarget('postgres://u@h/db?sslmode=verify-full'));
    assert.ok(full);
    assert.equal(full.rejectUnauthorized, true);
    assert.equal(full.checkServerIdentity, undefined, 'Node checks the host name by default');
    const ca = tlsOptions(pgTarget('postgres://u@h/db?sslmode=verify-ca'));
    assert.ok(ca);
    assert.equal(ca.rejectUnauthorized, true);
    assert.equal(typeof ca.checkServerIdentity, 'function');
  });

  test('sslrootcert is read (require with a root certificate verifies the chain, as libpq does); an unreadable file names the parameter', () => {
    const pem = join(tempDir(), 'ca.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const tls = tlsOptions(pgTarget(`postgres://u@h/db?sslmode=require&sslrootcert=${pem}`));
    assert.ok(tls);
    assert.match(String(tls.ca), /BEGIN CERTIFICATE/);
    assert.equal(tls.rejectUnauthorized, true);
    assert.throws(() => tlsOptions(pgTarget('postgres://u@h/db?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem')),
      (e: unknown) => e instanceof DatabaseError && /sslrootcert="\/nonexistent\/ca.pem"/.test(e.message));
  });
});

describe('production transport rule', () => {
  test('a remote host without TLS is refused in production, with the fixes named', () => {
    const t = pgTarget('postgres://app:secret@db.example.com/app');
    assert.throws(() => checkTransport(t, true, false), (e: unknown) =>
      e instanceof DatabaseError && e.code === 'PHIAL_E_DB_INSECURE' && /"db.example.com"/.test(e.message) &&
      /sslmode=verify-full/.test(e.message) && /PHIAL_DB_ALLOW_UNENCRYPTED/.test(e.message) && !e.message.includes('secret'));
    assert.match(String(checkTransport(t, true, true)), /allowed by allowUnencrypted/);
    assert.equal(checkTransport(t, false, false), undefined, 'development is not refused');
  });

  test('loopback and Unix sockets need no TLS; verify-full passes quietly; require passes with a warning', () => {
    for (const url of ['postgres://u@127.0.0.1/db', 'postgres://u@localhost/db', 'postgres://u@[::1]/db', 'postgres://u@/db?host=/run/postgresql']) {
      assert.equal(checkTransport(pgTarget(url), true, false), undefined, url);
    }
    assert.equal(checkTransport(pgTarget('postgres://u@db.example.com/db?sslmode=verify-full'), true, false), undefined);
    assert.match(String(checkTransport(pgTarget('postgres://u@db.example.com/db?sslmode=require'), true, false)), /does not authenticate the server/);
  });
});
