import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TemplateEngine, TemplateError } from '../../src/templates/index.ts';
import type { RenderHelpers, TemplateErrorCode } from '../../src/templates/index.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const VIEWS = join(FIXTURES, 'views');

const helpers = (nonce = 'n'): RenderHelpers => ({ cspNonce: nonce, urlFor: (endpoint) => `/${endpoint}` });

/** Asserts a TemplateError with `code` whose message mentions no file system path. */
function isTemplateError(code: TemplateErrorCode, pattern?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof TemplateError, `expected TemplateError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    assert.ok(!err.message.includes(FIXTURES), `message leaks the fixture path: ${err.message}`);
    assert.ok(!err.message.includes(tmpdir()), `message leaks a temp path: ${err.message}`);
    return true;
  };
}

describe('TemplateEngine: template names', () => {
  const engine = new TemplateEngine({ roots: [VIEWS] });

  for (const name of ['../outside.html', '/etc/passwd', 'a\\b.html', 'x\0.html', './plain.html', 'a//b.html', 'notes/../plain.html', '', 'C:/x.html']) {
    it(`refuses ${JSON.stringify(name)}`, async () => {
      await assert.rejects(engine.render(name, {}, helpers()), isTemplateError('PHIAL_E_TEMPLATE_NAME', /refused/));
    });
  }

  it('refuses traversal from inside a template', async () => {
    await assert.rejects(
      engine.render('includes-traversal.html', {}, helpers()),
      isTemplateError('PHIAL_E_TEMPLATE_NAME', /"\.\.\/outside\.html" refused.*in "includes-traversal\.html" line 1/),
    );
  });

  it('refuses a dynamic partial name taken from the context', async () => {
    await assert.rejects(
      engine.render('includes-dynamic.html', { partial_name: '/etc/passwd' }, helpers()),
      isTemplateError('PHIAL_E_TEMPLATE_NAME'),
    );
    const ok = await engine.render('includes-dynamic.html', { partial_name: 'partials/hello.html', name: 'D' }, helpers());
    assert.equal(ok.trim(), 'Hello D!');
  });
});

describe('TemplateEngine: symlinks', () => {
  let dir: string;
  let root: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'phial-tpl-'));
    root = join(dir, 'root');
    const outside = join(dir, 'outside');
    await mkdir(join(root, 'sub'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(outside, 'secret.html'), 'SECRET');
    await writeFile(join(root, 'sub', 'real.html'), 'real');
    await writeFile(join(root, 'includes-evil.html'), "{% include 'evil.html' %}");
    await symlink(join(outside, 'secret.html'), join(root, 'evil.html'));
    await symlink(outside, join(root, 'outdir'));
    await symlink(join(root, 'sub', 'real.html'), join(root, 'alias.html'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a symlinked file that points outside the roots', async () => {
    const engine = new TemplateEngine({ roots: [root] });
    await assert.rejects(engine.render('evil.html', {}, helpers()), isTemplateError('PHIAL_E_TEMPLATE_NAME', /outside the template roots/));
  });

  it('refuses a file under a symlinked folder that points outside the roots', async () => {
    const engine = new TemplateEngine({ roots: [root] });
    await assert.rejects(engine.render('outdir/secret.html', {}, helpers()), isTemplateError('PHIAL_E_TEMPLATE_NAME'));
  });

  it('refuses such a symlink when included', async () => {
    const engine = new TemplateEngine({ roots: [root] });
    await assert.rejects(engine.render('includes-evil.html', {}, helpers()), isTemplateError('PHIAL_E_TEMPLATE_NAME'));
  });

  it('follows a symlink that stays inside the roots', async () => {
    const engine = new TemplateEngine({ roots: [root] });
    assert.equal(await engine.render('alias.html', {}, helpers()), 'real');
  });

  it('treats a folder as missing, not as a template', async () => {
    await mkdir(join(root, 'folder.html'), { recursive: true });
    const engine = new TemplateEngine({ roots: [root] });
    await assert.rejects(engine.render('folder.html', {}, helpers()), isTemplateError('PHIAL_E_TEMPLATE_NOT_FOUND'));
  });

  it('accepts a root that is itself a symlink', async () => {
    const linkedRoot = join(dir, 'linked-root');
    await symlink(root, linkedRoot);
    const engine = new TemplateEngine({ roots: [linkedRoot] });
    assert.equal(await engine.render('sub/real.html', {}, helpers()), 'real');
  });
});

describe('TemplateEngine: errors', () => {
  const engine = new TemplateEngine({ roots: [VIEWS] });

  it('reports a missing template by name', async () => {
    await assert.rejects(engine.render('nope.html', {}, helpers()), (err: unknown) => {
      isTemplateError('PHIAL_E_TEMPLATE_NOT_FOUND', /"nope\.html" not found/)(err);
      assert.equal((err as TemplateError).templateName, 'nope.html');
      return true;
    });
  });

  it('reports a missing partial with where it was included', async () => {
    await assert.rejects(engine.render('includes-missing.html', {}, helpers()), (err: unknown) => {
      isTemplateError('PHIAL_E_TEMPLATE_NOT_FOUND', /"partials\/does-not-exist\.html" not found/)(err);
      const e = err as TemplateError;
      assert.equal(e.templateName, 'includes-missing.html');
      assert.deepEqual(e.location, { templateName: 'includes-missing.html', line: 2, column: 1 });
      return true;
    });
  });

  it('reports a syntax error with its location', async () => {
    await assert.rejects(engine.render('bad-syntax.html', { title: 'x' }, helpers()), (err: unknown) => {
      isTemplateError('PHIAL_E_TEMPLATE_SYNTAX', /tag "unknown_tag" not found/)(err);
      assert.equal((err as TemplateError).location?.line, 3);
      return true;
    });
  });

  it('wraps an error thrown by a filter, keeping it as cause', async () => {
    const boom = new Error('boom');
    const e = new TemplateEngine({ roots: [VIEWS] }).addFilter('explode', () => {
      throw boom;
    });
    await assert.rejects(e.render('filter-throws.html', {}, helpers()), (err: unknown) => {
      isTemplateError('PHIAL_E_TEMPLATE_RENDER', /boom/)(err);
      assert.equal((err as TemplateError).location?.line, 2);
      let cause: unknown = (err as Error).cause;
      while (cause instanceof Error && cause !== boom) cause = (cause as { originalError?: unknown }).originalError ?? cause.cause;
      assert.equal(cause, boom);
      return true;
    });
  });

  it('wraps an error thrown by urlFor', async () => {
    const h: RenderHelpers = {
      cspNonce: 'n',
      urlFor: () => {
        throw new Error('no endpoint "notes.show"');
      },
    };
    await assert.rejects(engine.render('notes/show.html', { note: { id: 1 } }, h), isTemplateError('PHIAL_E_TEMPLATE_RENDER', /no endpoint/));
  });
});

describe('TemplateEngine: data access', () => {
  it('shows own properties only: no constructor, prototype or inherited methods', async () => {
    class User {
      name = 'Ann';
      secret(): string {
        return 'called';
      }
    }
    const html = await new TemplateEngine({ roots: [VIEWS] }).render('prototype.html', { user: new User(), list: [1] }, helpers());
    assert.equal(html.trim(), '[][][][][Ann][]');
  });
});

describe('TemplateEngine: concurrency', () => {
  it('keeps the helpers of interleaved renders apart', async () => {
    // `slow` parks each render until released, so both are in flight at once and resume in
    // the opposite order.
    const parked = new Map<string, () => void>();
    const engine = new TemplateEngine({ roots: [VIEWS] }).addFilter(
      'slow',
      (value) => new Promise((resolve) => parked.set(String(value), () => resolve(value))),
    );
    const calls: string[] = [];
    const helpersFor = (who: string): RenderHelpers => ({
      cspNonce: `nonce-${who}`,
      urlFor: (endpoint, values) => {
        calls.push(who);
        return `/${who}/${endpoint}/${String(values['id'])}`;
      },
    });
    const a = engine.render('concurrent.html', { label: 'A', id: 1 }, helpersFor('a'));
    const b = engine.render('concurrent.html', { label: 'B', id: 2 }, helpersFor('b'));
    while (parked.size < 2) await new Promise((r) => setImmediate(r));
    parked.get('B')?.();
    parked.get('A')?.();
    const [outA, outB] = await Promise.all([a, b]);
    assert.equal(outA.trim(), 'A|nonce-a|/a/notes.show/1|partial:nonce-a');
    assert.equal(outB.trim(), 'B|nonce-b|/b/notes.show/2|partial:nonce-b');
    assert.deepEqual(calls.sort(), ['a', 'b']);
  });

  it('keeps many concurrent renders apart', async () => {
    const engine = new TemplateEngine({ roots: [VIEWS] }).addFilter(
      'slow',
      (value) => new Promise((resolve) => setTimeout(() => resolve(value), Math.random() * 5)),
    );
    const outs = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        engine.render('concurrent.html', { label: `L${i}`, id: i }, { cspNonce: `n${i}`, urlFor: (_e, v) => `/u/${String(v['id'])}` }),
      ),
    );
    outs.forEach((out, i) => assert.equal(out.trim(), `L${i}|n${i}|/u/${i}|partial:n${i}`));
  });
});
