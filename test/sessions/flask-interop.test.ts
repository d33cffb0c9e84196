/**
 * Flask interop in both directions against the real Flask (Debian python3-flask in CI): Python
 * makes cookies Phial reads, Phial makes cookies Python reads, with key rotation. Skipped with a
 * message when no Python with Flask is found, except under CI=true, where that is a failure.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createSessionInterface, type SessionSaveResult } from '../../src/sessions/index.ts';
import { URLSafeTimedSerializer } from '../../src/sessions/itsdangerous.ts';
import { Markup, Uuid, isTuple, taggedDumps, tuple } from '../../src/sessions/tagged-json.ts';
import { NO_FLASK, findFlaskPython, runFlask } from './python.ts';

const found = findFlaskPython();
const CI = process.env.CI === 'true';
const TS = 1700000000;
const OLD = 'old-key-for-rotation-tests-0123456789';
const NEW = 'new-key-for-rotation-tests-0123456789';

interface Loaded { ok: boolean; error?: string; tagged?: string; types?: Record<string, string>; timestamp?: number; skipped?: string }
const flask = <T = Record<string, unknown>>(commands: object[]): T[] => runFlask<T>(found!.python, commands);
const cookieOf = (r: SessionSaveResult): string => { assert.equal(r.action, 'set'); return (r as { value: string }).value; };

describe('Flask interop (real Flask via Python)', { skip: !found && !CI ? NO_FLASK : false }, () => {
  it('finds a Python that imports flask', () => {
    assert.ok(found, `${NO_FLASK} (CI=true: failing instead of skipping)`);
  });

  it('the reference vectors come out of this Flask unchanged', () => {
    const [v1, v2, v4a, v4b] = flask<{ cookie: string }>([
      { op: 'dumps', secret: 'dev', tagged: '{"user_id":42}', timestamp: TS },
      { op: 'dumps', secret: 'dev', tagged: JSON.stringify({ data: 'a'.repeat(200) }), timestamp: TS },
      { op: 'dumps', secret: 'old-key', tagged: '{"user_id":42}', timestamp: TS },
      { op: 'dumps', secret: 'new-key', fallbacks: ['old-key'], tagged: '{"user_id":42}', timestamp: TS },
    ]);
    const dev = new URLSafeTimedSerializer({ secretKey: 'dev' });
    assert.equal(v1!.cookie, dev.dumps({ user_id: 42 }, TS));
    assert.equal(v2!.cookie, dev.dumps({ data: 'a'.repeat(200) }, TS));
    assert.equal(v4a!.cookie, 'eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.A3AIR5W2uHRD_Hm82_lWem52u1o');
    assert.equal(v4b!.cookie, new URLSafeTimedSerializer({ secretKey: 'new-key', secretKeyFallbacks: ['old-key'] }).dumps({ user_id: 42 }, TS));
  });

  it('Python → Phial: bytes, tuples, datetime, Markup, UUID, tag-like dict, unicode, flashes, permanent', async () => {
    const [pinned, live] = flask<{ cookie: string }>([
      { op: 'dumps_rich', secret: 'dev', timestamp: TS },
      { op: 'dumps_rich', secret: 'dev' },
    ]);
    const v = new URLSafeTimedSerializer({ secretKey: 'dev' }).loads(pinned!.cookie).value as Record<string, unknown>;
    assert.deepEqual(v.b, Buffer.from('\x00\xffbytes', 'latin1'));
    assert.ok(isTuple(v.t) && isTuple((v.t as unknown[])[2]));
    assert.deepEqual([...(v.t as unknown[])].slice(0, 2), [1, 'two']);
    assert.equal((v.d as Date).toISOString(), '2024-01-02T03:04:05.000Z');
    assert.ok(v.m instanceof Markup && v.m.html === '<b>hi</b> &amp;');
    assert.ok(v.u instanceof Uuid && String(v.u) === '12345678-1234-5678-1234-567812345678');
    assert.deepEqual(v.x, { ' t': 'looks-like-tag' });
    assert.equal(v.uni, 'é😀');
    assert.deepEqual(v.nested, { list: [1, 2.5, null, true], empty: {} });
    assert.equal(v._permanent, true);

    const sessions = createSessionInterface({ type: 'signed', secretKey: 'dev' });
    const s = await sessions.open(live!.cookie);
    assert.equal(s.isNew, false);
    assert.equal(s.permanent, true);
    assert.equal(s.get('user_id'), 42);
    assert.deepEqual(s.getFlashedMessages({ withCategories: true }), [['info', 'hi'], ['message', 'plain']]);
  });

  it('Python → Phial: a cookie written by Flask\'s own request path (test client Set-Cookie)', async () => {
    const [w] = flask<{ set_cookie: string }>([{ op: 'app_write', secret: 'dev', tagged: taggedDumps({ user_id: 7, t: tuple(1, 2) }) }]);
    const value = /^session=([^;]+);/.exec(w!.set_cookie)![1]!;
    const s = await createSessionInterface({ type: 'signed', secretKey: 'dev' }).open(value);
    assert.equal(s.get('user_id'), 7);
    assert.ok(isTuple(s.get('t')));
  });

  it('Phial → Python: the session interface\'s cookie loads in Flask with the same types', async () => {
    const sessions = createSessionInterface({ type: 'signed', secretKey: 'dev' });
    const s = await sessions.open(undefined);
    s.set('user_id', 42);
    s.set('b', Buffer.from([0, 255]));
    s.set('t', tuple(1, tuple('x')));
    s.set('d', new Date(Date.UTC(2024, 0, 2, 3, 4, 5)));
    s.set('m', new Markup('<i>x</i>'));
    s.set('u', new Uuid('12345678-1234-5678-1234-567812345678'));
    s.set('x', { ' b': 'not bytes' });
    s.set('uni', 'é😀\u2028');
    s.flash('Saved', 'info');
    s.permanent = true;
    const cookie = cookieOf(await sessions.save(s));
    const [loaded, viaApp] = flask<Loaded>([
      { op: 'loads', secret: 'dev', cookie, max_age: 3600 },
      { op: 'app_read', secret: 'dev', cookie },
    ]);
    assert.equal(loaded!.ok, true, loaded!.error);
    assert.deepEqual(loaded!.types, {
      _created: 'int', _flashes: 'list', _permanent: 'bool', b: 'bytes', d: 'datetime', m: 'Markup', t: 'tuple', u: 'UUID', uni: 'str', user_id: 'int', x: 'dict',
    });
    const expected = new URLSafeTimedSerializer({ secretKey: 'dev' }).loads(cookie).value;
    assert.equal(loaded!.tagged, taggedDumps(expected), 'Python re-serializes our data byte for byte');
    assert.equal(viaApp!.tagged, loaded!.tagged, 'Flask\'s request path (open_session) reads it too');
    assert.match(loaded!.tagged!, /"_flashes":\[\{" t":\["info","Saved"\]\}\]/);
  });

  it('random session data survives both directions; Python re-serializes it identically (property)', () => {
    const leaf = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
      fc.boolean(), fc.constant(null), fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)));
    const data = fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }).map((a) => tuple(...a)), fc.dictionary(fc.constantFrom(' t', ' b', 'k'), leaf, { maxKeys: 1 })), { maxKeys: 5 });
    const samples = fc.sample(data, 150);
    const dev = new URLSafeTimedSerializer({ secretKey: 'dev' });
    const ours = samples.map((d) => dev.dumps(d, TS));
    const results = flask<Loaded | { cookie: string }>([
      ...ours.map((cookie) => ({ op: 'loads', secret: 'dev', cookie })),
      ...samples.map((d) => ({ op: 'dumps', secret: 'dev', tagged: taggedDumps(d), timestamp: TS })),
    ]);
    samples.forEach((d, i) => {
      const loaded = results[i] as Loaded;
      assert.equal(loaded.ok, true, `sample ${i}: ${loaded.error}`);
      assert.equal(loaded.tagged, taggedDumps(d), `sample ${i}`);
      const theirs = (results[samples.length + i] as { cookie: string }).cookie;
      assert.equal(taggedDumps(dev.loads(theirs).value), taggedDumps(d), `sample ${i} from Python`);
      // Node's zlib and CPython's may deflate to different lengths, so one side may compress where
      // the other does not; when neither compresses, the cookies are byte-identical.
      if (!theirs.startsWith('.') && !ours[i]!.startsWith('.')) assert.equal(theirs, ours[i], 'uncompressed cookies are byte-identical');
    });
  });

  it('key rotation both ways: fallbacks verify, the current key signs, a removed key fails', () => {
    const [pyOld, pyRotated] = flask<{ cookie: string }>([
      { op: 'dumps', secret: OLD, tagged: '{"user_id":1}' },
      { op: 'dumps', secret: NEW, fallbacks: [OLD], tagged: '{"user_id":2}' },
    ]);
    const rotated = new URLSafeTimedSerializer({ secretKey: NEW, secretKeyFallbacks: [OLD] });
    const newOnly = new URLSafeTimedSerializer({ secretKey: NEW });
    assert.deepEqual(rotated.loads(pyOld!.cookie, { maxAge: 60 }).value, { user_id: 1 }, 'Python old-key cookie, Phial fallback');
    assert.throws(() => newOnly.loads(pyOld!.cookie), /signature/, 'old key removed in Phial');
    assert.deepEqual(newOnly.loads(pyRotated!.cookie).value, { user_id: 2 }, 'Python signs with the current key');

    const phialOld = new URLSafeTimedSerializer({ secretKey: OLD }).dumps({ user_id: 3 });
    const phialRotated = rotated.dumps({ user_id: 4 });
    const [a, b, c, d, e] = flask<Loaded>([
      { op: 'loads', secret: NEW, fallbacks: [OLD], cookie: phialOld, max_age: 60 },
      { op: 'loads', secret: NEW, cookie: phialOld },
      { op: 'loads', secret: NEW, cookie: phialRotated },
      { op: 'app_read', secret: NEW, fallbacks: [OLD], cookie: phialOld },
      { op: 'loads', secret: 'a-completely-different-key-0123456789', fallbacks: [NEW], cookie: phialOld },
    ]);
    assert.equal(a!.ok, true, 'Phial old-key cookie, Python fallback');
    assert.equal(a!.tagged, '{"user_id":3}');
    assert.deepEqual([b!.ok, b!.error], [false, 'BadTimeSignature'], 'old key removed in Python');
    assert.equal(c!.ok && c!.tagged, '{"user_id":4}', 'Phial signs with the current key');
    if (d!.skipped === undefined) assert.equal(d!.tagged, '{"user_id":3}', 'Flask 3.1 SECRET_KEY_FALLBACKS in the request path');
    assert.equal(e!.ok, false);
  });

  it('tampering and expiry are judged alike on both sides', () => {
    const dev = new URLSafeTimedSerializer({ secretKey: 'dev' });
    const cookie = dev.dumps({ user_id: 42 }, Math.floor(Date.now() / 1000) - 100);
    const [p, t, s] = cookie.split('.') as [string, string, string];
    const forged = `${Buffer.from('{"user_id":1}').toString('base64url')}.${t}.${s}`;
    const [r1, r2, r3] = flask<Loaded>([
      { op: 'loads', secret: 'dev', cookie: forged },
      { op: 'loads', secret: 'dev', cookie, max_age: 50 },
      { op: 'loads', secret: 'dev', cookie: `${p}.${t}.${s}`, max_age: 200 },
    ]);
    assert.deepEqual([r1!.ok, r1!.error], [false, 'BadTimeSignature']);
    assert.throws(() => dev.loads(forged), (e: unknown) => e instanceof Error && e.name === 'BadTimeSignature');
    assert.deepEqual([r2!.ok, r2!.error], [false, 'SignatureExpired']);
    assert.throws(() => dev.loads(cookie, { maxAge: 50 }), /age/);
    assert.equal(r3!.ok, true);
  });
});
