import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { DEFAULT_SANDBOX_LIMITS, SandboxError, renderSandboxed } from '../../src/templates/index.ts';
import type { SandboxErrorCode, SandboxLimits } from '../../src/templates/index.ts';

/** Renders and asserts a SandboxError with `code` (and a message safe for the author). */
async function rejectsWith(
  code: SandboxErrorCode,
  source: string,
  context: Record<string, unknown> = {},
  limits?: SandboxLimits,
): Promise<SandboxError> {
  let caught: unknown;
  try {
    await renderSandboxed(source, context, limits);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SandboxError, `expected SandboxError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.doesNotMatch(caught.message, /node_modules|\/work\/|at .*\(|\n/, 'message carries no paths or stack');
  return caught;
}

/** Runs `fn` and returns how long it took, in ms. */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

describe('renderSandboxed: rendering', () => {
  it('renders a normal template with escaping and standard filters', async () => {
    const out = await renderSandboxed(
      'Hi {{ user.name | capitalize }}! {{ note }} {{ items | map: "n" | join: "," }} {{ total | times: 2 }}{% for i in items %}<li>{{ i.n }}</li>{% endfor %}',
      { user: { name: 'ann' }, note: `<script>alert(1)</script>"'&`, items: [{ n: 'a<' }, { n: 'b' }], total: 21 },
    );
    assert.equal(
      out,
      'Hi Ann! &lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&amp; a&lt;,b 42<li>a&lt;</li><li>b</li>',
    );
  });

  it('lets `raw` opt out, and does not double-escape `escape`', async () => {
    assert.equal(await renderSandboxed('{{ h | raw }}|{{ h | escape }}', { h: '<b>' }), '<b>|&lt;b&gt;');
  });

  it('turns Dates into ISO strings the date filter reads', async () => {
    const out = await renderSandboxed('{{ at }}|{{ at | date: "%Y-%m-%d" }}', { at: new Date('2024-05-06T12:00:00Z') });
    assert.equal(out, '2024-05-06T12:00:00.000Z|2024-05-06');
  });

  it('has no globals and no app helpers', async () => {
    assert.equal(await renderSandboxed('[{{ csp_nonce }}][{{ csrf_token }}]', {}), '[][]');
    await rejectsWith('PHIAL_E_SANDBOX_SYNTAX', "{{ 'index' | url_for }}");
  });
});

describe('renderSandboxed: isolation', () => {
  it('renders prototype and constructor access empty', async () => {
    const out = await renderSandboxed(
      '[{{ x.constructor }}][{{ x.__proto__ }}][{{ x.toString }}][{{ x.hasOwnProperty }}][{{ "s".constructor }}][{{ a.constructor }}][{{ a.constructor.name }}][{{ x.name }}]',
      { x: { name: 'own' }, a: [1] },
    );
    assert.equal(out, '[][][][][][][][own]');
  });

  it('keeps a __proto__ key as plain data', async () => {
    const ctx = JSON.parse('{"x": {"__proto__": {"polluted": "yes"}}}') as Record<string, unknown>;
    assert.equal(await renderSandboxed('[{{ x.polluted }}][{{ x.__proto__.polluted }}]', ctx), '[][yes]');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('refuses functions and class instances in the context', async () => {
    await assert.rejects(renderSandboxed('x', { f: () => 1 }), /context\.f is a function/);
    await assert.rejects(renderSandboxed('x', { user: { save: () => 1 } }), /context\.user\.save is a function/);
    class User {
      name = 'x';
    }
    await assert.rejects(renderSandboxed('x', { users: [new User()] }), /context\.users\[0\] is an instance of User/);
    await assert.rejects(renderSandboxed('x', { m: new Map() }), /instance of Map/);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    await assert.rejects(renderSandboxed('x', { cyclic }), /circular/);
  });

  it('cannot modify the caller’s data', async () => {
    const ctx = { n: 1, list: [1, 2], obj: { a: 1 } };
    // increment prints the value, then bumps the (copied) variable
    const out = await renderSandboxed('{% increment n %}{% increment n %}{% assign list = "z" %}{{ n }}{{ list }}', ctx);
    assert.equal(out, '123z');
    assert.deepEqual(ctx, { n: 1, list: [1, 2], obj: { a: 1 } });
  });

  for (const source of ["{% include 'x' %}", "{% render 'x' %}", "{% layout 'x' %}", "{% liquid include 'x' %}", "ok\n  {% include 'partials/' | append: name %}"]) {
    it(`refuses ${JSON.stringify(source)} as forbidden`, async () => {
      const err = await rejectsWith('PHIAL_E_SANDBOX_FORBIDDEN', source, { name: 'x' });
      assert.match(err.message, /tag is not allowed/);
    });
  }

  it('reports where a forbidden tag is', async () => {
    const err = await rejectsWith('PHIAL_E_SANDBOX_FORBIDDEN', "line 1\nline 2 {% render 'x' %}");
    assert.equal(err.line, 2);
    assert.equal(err.column, 8);
  });

  it('keeps concurrent renders apart and recovers after a failed one', async () => {
    const slow = '{% for i in items %}{% for j in items %}{% endfor %}{% endfor %}';
    const items = Array.from({ length: 2000 }, (_, i) => i);
    const [a, b, c] = await Promise.allSettled([
      renderSandboxed('{{ who }}', { who: 'a' }),
      renderSandboxed(slow, { items }),
      renderSandboxed('{{ who }}', { who: 'c' }),
    ]);
    assert.deepEqual(a, { status: 'fulfilled', value: 'a' });
    assert.equal(b.status, 'rejected');
    assert.deepEqual(c, { status: 'fulfilled', value: 'c' });
    assert.equal(await renderSandboxed('{{ who }}', { who: 'after' }), 'after');
  });
});

describe('renderSandboxed: limits', () => {
  it('has the documented defaults', () => {
    assert.deepEqual(DEFAULT_SANDBOX_LIMITS, { maxSourceBytes: 65536, timeoutMs: 100, maxOutputBytes: 262144, memoryLimit: 250000 });
  });

  it('refuses a source over maxSourceBytes, counted in UTF-8 bytes', async () => {
    await renderSandboxed('x'.repeat(65536), {});
    await rejectsWith('PHIAL_E_SANDBOX_SOURCE', 'x'.repeat(65537));
    await rejectsWith('PHIAL_E_SANDBOX_SOURCE', 'é'.repeat(40000)); // 40 000 chars, 80 000 bytes
    await rejectsWith('PHIAL_E_SANDBOX_SOURCE', 'abcd', {}, { maxSourceBytes: 3 });
  });

  it('reports syntax errors with their position', async () => {
    const err = await rejectsWith('PHIAL_E_SANDBOX_SYNTAX', 'ok\n{% if %}');
    assert.equal(err.line, 2);
    await rejectsWith('PHIAL_E_SANDBOX_SYNTAX', '{% nosuchtag %}');
    await rejectsWith('PHIAL_E_SANDBOX_SYNTAX', '{{ x | nosuchfilter }}');
    await rejectsWith('PHIAL_E_SANDBOX_SYNTAX', '{% for x in y %}');
  });

  it('reports a template nested too deeply to parse', async () => {
    const err = await rejectsWith('PHIAL_E_SANDBOX_SYNTAX', '{%if 1%}'.repeat(8000), {}, { maxSourceBytes: 1e6 });
    assert.match(err.message, /nested too deeply/);
  });

  it('stops nested huge loops quickly (the range is refused before it is built)', async () => {
    const source = '{% for i in (1..100000000) %}{% for j in (1..100000000) %}x{% endfor %}{% endfor %}';
    const ms = await timed(() => rejectsWith('PHIAL_E_SANDBOX_OUTPUT', source));
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  it('times out loops that allocate nothing', async () => {
    const items = Array.from({ length: 3000 }, (_, i) => i);
    const ms = await timed(() =>
      rejectsWith('PHIAL_E_SANDBOX_TIMEOUT', '{% for i in items %}{% for j in items %}{{ j }}{% endfor %}{% endfor %}', { items }),
    );
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  it('times out a loop with an empty body', async () => {
    const ms = await timed(() => rejectsWith('PHIAL_E_SANDBOX_TIMEOUT', '{% for i in (1..200000) %}{% endfor %}'));
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  it('times out inside array filters that walk item by item', async () => {
    // Unguarded, group_by over 200 000 items runs for seconds past a 100 ms limit.
    const ms = await timed(() =>
      rejectsWith('PHIAL_E_SANDBOX_TIMEOUT', '{% assign g = (1..200000) | group_by: "x" %}{{ g | size }}', {}, { memoryLimit: 1e7 }),
    );
    assert.ok(ms < 1000, `took ${ms} ms`);
  });

  it('honours a custom timeoutMs', async () => {
    const items = Array.from({ length: 3000 }, (_, i) => i);
    const ms = await timed(() =>
      rejectsWith('PHIAL_E_SANDBOX_TIMEOUT', '{% for i in items %}{% for j in items %}{% endfor %}{% endfor %}', { items }, { timeoutMs: 20 }),
    );
    assert.ok(ms < 500, `took ${ms} ms`);
  });

  it('stops huge outputs through the memory limit', async () => {
    const ms = await timed(() => rejectsWith('PHIAL_E_SANDBOX_OUTPUT', '{% for i in (1..10000000) %}aaaaaaaaaa{% endfor %}'));
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  it('stops outputs over maxOutputBytes', async () => {
    // A generous time budget: this pins the output limit, not the clock.
    const err = await rejectsWith('PHIAL_E_SANDBOX_OUTPUT', '{% for i in (1..100) %}{{ big }}{% endfor %}', { big: 'y'.repeat(16 * 1024) }, { timeoutMs: 10_000 });
    assert.match(err.message, /output is too large/);
  });

  it('counts output in UTF-8 bytes, up to exactly the limit', async () => {
    assert.equal(await renderSandboxed('{{ s }}', { s: 'ab' }, { maxOutputBytes: 4 }), 'ab');
    assert.equal(await renderSandboxed('{{ s }}', { s: 'éé' }, { maxOutputBytes: 4 }), 'éé');
    await rejectsWith('PHIAL_E_SANDBOX_OUTPUT', '{{ s }}', { s: 'ééa' }, { maxOutputBytes: 4 });
    await rejectsWith('PHIAL_E_SANDBOX_OUTPUT', 'abcde', {}, { maxOutputBytes: 4 });
  });

  it('bounds string doubling with append', async () => {
    const ms = await timed(() =>
      rejectsWith('PHIAL_E_SANDBOX_OUTPUT', '{% assign x = "x" %}{% for i in (1..64) %}{% assign x = x | append: x %}{% endfor %}{{ x | size }}'),
    );
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  it('bounds string doubling with capture', async () => {
    await rejectsWith(
      'PHIAL_E_SANDBOX_OUTPUT',
      '{% assign x = "x" %}{% for i in (1..64) %}{% capture x %}{{ x | raw }}{{ x | raw }}{% endcapture %}{% endfor %}{{ x | size }}',
    );
  });

  it('bounds array doubling with concat', async () => {
    await rejectsWith(
      'PHIAL_E_SANDBOX_OUTPUT',
      '{% assign a = "1,2,3" | split: "," %}{% for i in (1..64) %}{% assign a = a | concat: a %}{% endfor %}{{ a | size }}',
    );
  });

  it('bounds the date filter’s padding width', async () => {
    await rejectsWith('PHIAL_E_SANDBOX_OUTPUT', '{{ "now" | date: "%9999999Y" }}');
  });

  it('refuses invalid limits', async () => {
    await assert.rejects(renderSandboxed('x', {}, { timeoutMs: 0 }), TypeError);
    await assert.rejects(renderSandboxed('x', {}, { maxOutputBytes: Number.NaN }), TypeError);
  });
});
