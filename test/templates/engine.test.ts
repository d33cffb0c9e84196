import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TemplateEngine, TemplateError } from '../../src/templates/index.ts';
import type { RenderHelpers } from '../../src/templates/index.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const VIEWS = join(FIXTURES, 'views');
const EXTRA = join(FIXTURES, 'extra');

interface UrlCall {
  endpoint: string;
  values: Record<string, unknown>;
}

/** Helpers that build `/<endpoint>?k=v` URLs and record every call. */
function helpers(nonce = 'nonce-123', extra: Partial<RenderHelpers> = {}): RenderHelpers & { calls: UrlCall[] } {
  const calls: UrlCall[] = [];
  return {
    calls,
    cspNonce: nonce,
    urlFor(endpoint, values) {
      calls.push({ endpoint, values });
      const query = new URLSearchParams(Object.entries(values).map(([k, v]): [string, string] => [k, String(v)])).toString();
      return `/${endpoint}${query ? `?${query}` : ''}`;
    },
    ...extra,
  };
}

function engine(options: Partial<ConstructorParameters<typeof TemplateEngine>[0]> = {}): TemplateEngine {
  return new TemplateEngine({ roots: [VIEWS], ...options });
}

describe('TemplateEngine: layouts and partials', () => {
  it('renders a page through its layout, filling blocks and keeping defaults', async () => {
    const h = helpers('abc');
    const html = await engine({ globals: { site_name: 'Notes' } }).render(
      'notes/show.html',
      { note: { id: 7, title: 'Hi', body: 'Text' }, user: { name: 'Ann' }, body: 'page-only' },
      h,
    );
    assert.match(html, /<title>Hi · Notes<\/title>/);
    assert.match(html, /<main><article><h1>Hi<\/h1><p>Text<\/p><a href="\/notes\.show\?id=7">permalink<\/a><\/article><\/main>/);
    assert.match(html, /<footer>base footer<\/footer>/, 'an unfilled block keeps its default');
    assert.match(html, /<script nonce="abc">/);
    assert.match(html, /href="\/static\?filename=app\.css"/);
  });

  it('renders `render` partials in an isolated scope that still sees globals and helpers', async () => {
    const html = await engine({ globals: { site_name: 'Notes' } }).render(
      'notes/show.html',
      { note: { id: 1, title: 't', body: 'b' }, user: { name: 'Ann' }, body: 'page-only' },
      helpers(),
    );
    assert.match(html, /<span class="user">Ann<\/span>/, 'arguments are passed');
    assert.match(html, /<span class="secret"><\/span>/, 'the page context is not visible');
    assert.match(html, /<span class="site">Notes<\/span>/, 'globals are visible');
    assert.match(html, /<a href="\/index">Home<\/a>/, 'url_for works in partials');
  });

  it('renders `include` partials in the caller scope, with arguments', async () => {
    const html = await engine().render('greeting.html', { name: 'Caller' }, helpers());
    assert.equal(html.trim(), 'Hello Caller!\n|Hello Included!');
  });

  it('searches roots in order', async () => {
    const e = engine({ roots: [VIEWS, EXTRA] });
    assert.equal((await e.render('override.html', {}, helpers())).trim(), 'from views');
    assert.equal((await e.render('only-extra.html', { name: 'X' }, helpers())).trim(), 'only in extra, Hello X!');
    const reversed = engine({ roots: [EXTRA, VIEWS] });
    assert.equal((await reversed.render('override.html', {}, helpers())).trim(), 'from extra');
  });
});

describe('TemplateEngine: escaping', () => {
  const value = `<script>alert(1)</script>"'&`;
  const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&amp;';

  it('escapes every output, in text and in attributes', async () => {
    const html = await engine().render('escape.html', { value, html: '<b>bold</b>' }, helpers());
    assert.ok(html.includes(`<p title="${escaped}">${escaped}</p>`), html);
    assert.ok(!html.includes('<script>'));
  });

  it('lets `raw` opt out explicitly', async () => {
    const html = await engine().render('escape.html', { value, html: '<b>bold</b>' }, helpers());
    assert.ok(html.includes('<div><b>bold</b></div>'));
  });

  it('does not double-escape `| escape`, and escapes after other filters', async () => {
    const html = await engine().render('escape.html', { value, html: '' }, helpers());
    assert.ok(html.includes(`<span>${escaped}</span>`), html);
    assert.ok(html.includes('<i>&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt;&#34;&#39;&amp;</i>'), html);
  });

  it('escapes url_for results (an href needs &amp;)', async () => {
    const html = await engine().render('notes/show.html', { note: { id: '1&x=<2>', title: '', body: '' } }, helpers());
    assert.match(html, /href="\/notes\.show\?id=1%26x%3D%3C2%3E"/);
    const raw = engine();
    const h = helpers();
    h.urlFor = () => '/a?b=1&c=2';
    assert.match(await raw.render('notes/show.html', { note: { id: 1, title: '', body: '' } }, h), /href="\/a\?b=1&amp;c=2"/);
  });
});

describe('TemplateEngine: helpers and globals', () => {
  it('calls urlFor with the endpoint and the keyword arguments', async () => {
    const h = helpers();
    await engine().render('notes/show.html', { note: { id: 42, title: 'a', body: 'b' } }, h);
    assert.deepEqual(h.calls, [
      { endpoint: 'static', values: { filename: 'app.css' } },
      { endpoint: 'index', values: {} },
      { endpoint: 'notes.show', values: { id: 42 } },
    ]);
  });

  it('refuses positional url_for arguments', async () => {
    await assert.rejects(engine().render('url-positional.html', {}, helpers()), (err: unknown) => {
      assert.ok(err instanceof TemplateError);
      assert.equal(err.code, 'PHIAL_E_TEMPLATE_RENDER');
      assert.match(err.message, /keyword arguments only/);
      return true;
    });
  });

  it('lets the context win over globals; globals fill the rest', async () => {
    const e = engine({ globals: { site_name: 'Global', shadowed: 'global' } });
    assert.equal((await e.render('globals.html', { shadowed: 'context' }, helpers())).trim(), 'Global|context|');
  });

  it('copies globals at construction', async () => {
    const globals: Record<string, unknown> = { site_name: 'Before' };
    const e = engine({ globals });
    globals['site_name'] = 'After';
    assert.equal((await e.render('globals.html', {}, helpers())).trim(), 'Before||');
  });

  it('reserves csp_nonce and csrf_token', async () => {
    assert.throws(() => engine({ globals: { csp_nonce: 'x' } }), TypeError);
    await assert.rejects(engine().render('plain.html', { csrf_token: 'forged' }, helpers()), TypeError);
  });

  it('computes csrf_token only when the template uses it, once per render', async () => {
    let calls = 0;
    const csrfToken = (): string => `tok${++calls}`;
    const e = engine();
    assert.equal((await e.render('plain.html', { title: 'x' }, helpers('n', { csrfToken }))).trim(), 'plain x');
    assert.equal(calls, 0);
    const html = await e.render('csrf.html', {}, helpers('n', { csrfToken }));
    assert.equal(calls, 1);
    assert.equal(html.trim(), '<form method="post"><input type="hidden" name="csrf_token" value="tok1"></form>tok1');
  });

  it('renders csrf_token empty without a csrfToken helper', async () => {
    const html = await engine().render('csrf.html', {}, helpers());
    assert.match(html, /value=""/);
  });

  it('reads cspNonce only when the template prints it', async () => {
    let reads = 0;
    const h = {
      urlFor: () => '/',
      get cspNonce() {
        reads++;
        return 'lazy';
      },
    };
    await engine().render('plain.html', {}, h);
    assert.equal(reads, 0);
    assert.match(await engine().render('notes/show.html', { note: { id: 1 } }, h), /nonce="lazy"/);
  });
});

describe('TemplateEngine: filters', () => {
  it('has the standard Liquid filters and app filters with positional and keyword arguments', async () => {
    const seen: unknown[] = [];
    const e = engine()
      .addFilter('money', (value, args, kwargs) => {
        seen.push([value, args, kwargs]);
        return `${Number(value).toFixed(Number(kwargs['digits']))} ${String(args[0])}`;
      })
      .addFilter('badge', (value) => `<b>${String(value)}</b>`, { raw: true });
    const html = await e.render('filters.html', { title: 'hi', items: ['a', 'b'], price: 3 }, helpers());
    assert.equal(html.trim(), 'HI|a, b|2|3.00 EUR|<b>x</b>');
    assert.deepEqual(seen, [[3, ['EUR'], { digits: 2 }]]);
  });

  it('escapes app filter output unless the filter is raw', async () => {
    const e = engine().addFilter('money', () => '<m>').addFilter('badge', () => '<b>');
    const html = await e.render('filters.html', { title: '', items: [], price: 0 }, helpers());
    assert.ok(html.includes('&lt;m&gt;|&lt;b&gt;'), html);
  });

  it('refuses name clashes and invalid names', () => {
    const e = engine().addFilter('shout', (v) => v);
    assert.throws(() => e.addFilter('shout', (v) => v), /already an app filter/);
    assert.throws(() => e.addFilter('upcase', (v) => v), /already a built-in filter/);
    assert.throws(() => e.addFilter('url_for', (v) => v), /already a built-in filter/);
    assert.throws(() => e.addFilter('raw', (v) => v), TypeError);
    assert.throws(() => e.addFilter('bad-name', (v) => v), /invalid filter name/);
    assert.throws(() => e.addFilter('', (v) => v), /invalid filter name/);
  });

  it('freezes setup after the first render', async () => {
    const e = engine();
    assert.equal(e.frozen, false);
    await e.render('plain.html', {}, helpers());
    assert.equal(e.frozen, true);
    assert.throws(() => e.addFilter('late', (v) => v), /frozen/);
  });

  it('freezes setup even when the first render fails', async () => {
    const e = engine();
    await assert.rejects(e.render('missing.html', {}, helpers()), TemplateError);
    assert.throws(() => e.addFilter('late', (v) => v), /frozen/);
  });

  it('makes an unknown filter a syntax error', async () => {
    await assert.rejects(engine().render('filter-throws.html', {}, helpers()), (err: unknown) => {
      assert.ok(err instanceof TemplateError);
      assert.equal(err.code, 'PHIAL_E_TEMPLATE_SYNTAX');
      assert.match(err.message, /undefined filter: explode/);
      return true;
    });
  });
});

describe('TemplateEngine: cache', () => {
  it('re-reads edited files when cache is off and keeps the parsed template when on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phial-tpl-'));
    try {
      await writeFile(join(dir, 'page.html'), 'v1');
      const cached = new TemplateEngine({ roots: [dir] });
      const fresh = new TemplateEngine({ roots: [dir], cache: false });
      assert.equal(await cached.render('page.html', {}, helpers()), 'v1');
      assert.equal(await fresh.render('page.html', {}, helpers()), 'v1');
      await writeFile(join(dir, 'page.html'), 'v2');
      assert.equal(await cached.render('page.html', {}, helpers()), 'v1');
      assert.equal(await fresh.render('page.html', {}, helpers()), 'v2');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('validates its options', () => {
    assert.throws(() => new TemplateEngine({ roots: [] }), TypeError);
    assert.throws(() => new TemplateEngine({ roots: [''] }), TypeError);
  });
});
