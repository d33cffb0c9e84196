import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { z } from 'zod';
import * as v from 'valibot';
import { defineForm, renderCsrfField, renderField, renderFormErrors, renderHiddenTag, type FieldHints } from '../../src/forms/index.ts';
import { TemplateEngine, TemplateError, type RenderHelpers } from '../../src/templates/index.ts';

const VIEWS = fileURLToPath(new URL('./fixtures/views/', import.meta.url));
const HOSTILE = `"><script>alert(1)</script>' onmouseover='x' \`y\` &amp; <img src=x onerror=alert(2)>`;

/** Undoes the six entities the form helpers write. */
function decode(html: string): string {
  return html.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&#96;/g, '`').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const TAGS = new Set(['form', 'input', 'div', 'label', 'p', 'ul', 'li', 'textarea', 'select', 'option']);
const ATTRS = new Set(['type', 'id', 'name', 'value', 'class', 'for', 'required', 'aria-invalid', 'aria-describedby', 'maxlength',
  'minlength', 'placeholder', 'autocomplete', 'rows', 'checked', 'selected', 'multiple', 'role', 'method']);

/**
 * Asserts that `html` holds only the tags and attributes the helpers write, every attribute
 * double-quoted: a value that broke out of its attribute or text node would add a tag, an
 * attribute (`onmouseover`) or an unquoted run. No backtick survives either.
 */
function assertOnlyOwnMarkup(html: string): void {
  assert.doesNotMatch(html, /`/);
  const tags = [...html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)];
  assert.equal(html.replace(/<\/?[a-zA-Z][a-zA-Z0-9]*[^>]*>/g, '').search(/[<>]/), -1, 'no stray angle bracket');
  for (const [, , tag, rest] of tags) {
    assert.ok(TAGS.has(tag!.toLowerCase()), `unexpected tag <${tag}>`);
    const attrs = [...rest!.matchAll(/ ([^\s="]+)(="[^"]*")?/g)];
    assert.equal(attrs.map((a) => a[0]).join(''), rest, `attributes of <${tag}> are all name="value": ${rest}`);
    for (const a of attrs) assert.ok(ATTRS.has(a[1]!), `unexpected attribute ${a[1]} on <${tag}>`);
  }
}

/** Every attribute value in `html`; with escaping intact, each is the full run up to the next quote. */
function attributeValues(html: string, name: string): string[] {
  return [...html.matchAll(new RegExp(` ${name}="([^"]*)"`, 'g'))].map((m) => decode(m[1]!));
}

const HINTS: Record<string, FieldHints> = {
  title: { maxlength: 20, required: true, description: 'Short <b>and</b> sweet' },
  body: { type: 'textarea', rows: 4 },
  public: { type: 'checkbox' },
  kind: { type: 'select', choices: [['note', 'Note <1>'], 'todo'] },
  password: { type: 'password' },
  next: { type: 'hidden' },
};
const schema = z.object({
  title: z.string().min(1, 'Title is required').max(20, 'Too long: at most 20 characters'),
  body: z.string().max(100),
  public: z.boolean(),
  kind: z.enum(['note', 'todo']),
  password: z.string().min(8, 'Password too short'),
  next: z.string().startsWith('/', 'next must be a path'),
});
const NoteForm = defineForm(schema, { fields: HINTS });

function helpers(csrfToken?: () => string): RenderHelpers {
  return { urlFor: (e) => `/${e}`, cspNonce: 'nonce', ...(csrfToken ? { csrfToken } : {}) };
}

describe('renderField: the HTML', () => {
  it('renders label, widget with value, help text and errors linked by aria-describedby', async () => {
    const form = await NoteForm.parse({ title: 'x'.repeat(21), body: 'b', kind: 'note', password: 'p', next: '/' });
    assert.equal(renderField(form, 'title'),
      '<div class="field field-text field-invalid"><label for="title">Title</label>'
      + `<input type="text" id="title" name="title" required aria-invalid="true" aria-describedby="title-description title-errors" value="${'x'.repeat(21)}" maxlength="20">`
      + '<p class="field-description" id="title-description">Short &lt;b&gt;and&lt;/b&gt; sweet</p>'
      + '<ul class="field-errors" id="title-errors"><li>Too long: at most 20 characters</li></ul></div>');
    assert.equal(renderField(form, 'body'), '<div class="field field-textarea"><label for="body">Body</label><textarea id="body" name="body" rows="4">\nb</textarea></div>');
    assert.equal(renderField(form, 'public'), '<div class="field field-checkbox"><input type="checkbox" id="public" name="public" value="y"><label for="public">Public</label></div>');
    assert.equal(renderField(form, 'kind'),
      '<div class="field field-select"><label for="kind">Kind</label><select id="kind" name="kind"><option value="note" selected>Note &lt;1&gt;</option><option value="todo">todo</option></select></div>');
    assert.equal(renderField(form, 'next'), '<input type="hidden" id="next" name="next" value="/">');
  });

  it('never writes a password back, and marks checkboxes checked from the submitted value', async () => {
    const form = await NoteForm.parse({ title: 't', body: '', kind: 'todo', password: 'hunter2', public: 'y', next: '/' });
    const html = renderField(form, 'password');
    assert.doesNotMatch(html, /hunter2|value=/);
    assert.match(html, /aria-describedby="password-errors"/);
    assert.match(renderField(form, 'public'), / value="y" checked>/);
  });

  it('escapes hostile submitted values in every widget (quotes, angle brackets, backticks, entities)', async () => {
    const form = await NoteForm.parse({ title: HOSTILE, body: `</textarea>${HOSTILE}`, kind: HOSTILE, password: HOSTILE, next: HOSTILE });
    const html = ['title', 'body', 'kind', 'password', 'next'].map((n) => renderField(form, n)).join('');
    assertOnlyOwnMarkup(html);
    assert.deepEqual(attributeValues(html, 'value').filter((s) => s === HOSTILE).length, 2, 'title and hidden next keep the exact value');
    assert.match(html, /<textarea id="body" name="body" rows="4">\n&lt;\/textarea&gt;&#34;&gt;&lt;script&gt;/);
    assert.equal(html.split('</textarea>').length, 2, 'exactly one closing textarea tag');
  });

  it('keeps any string inside its attribute or text node (property)', async () => {
    const text = defineForm(z.object({ q: z.string().max(3) }), { fields: { q: { placeholder: 'p' } } });
    const area = defineForm(z.object({ q: z.string() }), { fields: { q: { type: 'textarea' } } });
    const arb = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.stringMatching(/^["'`<>&=\s/a-z]{0,30}$/));
    await fc.assert(fc.asyncProperty(arb, async (value) => {
      const t = renderField(await text.parse({ q: value }), 'q');
      const m = /^<div class="field field-text( field-invalid)?"><label for="q">Q<\/label><input type="text" id="q" name="q"( aria-invalid="true" aria-describedby="q-errors")? value="([^"<>`']*)" placeholder="p">(<ul class="field-errors" id="q-errors"><li>[^<]*<\/li><\/ul>)?<\/div>$/.exec(t);
      assert.ok(m, t);
      assert.equal(decode(m[3]!), value);
      const a = renderField(await area.parse({ q: value }), 'q');
      const n = /^<div class="field field-textarea"><label for="q">Q<\/label><textarea id="q" name="q">\n([^<>"'`]*)<\/textarea><\/div>$/.exec(a);
      assert.ok(n, a);
      assert.equal(decode(n[1]!), value);
    }), { numRuns: 400 });
  });

  it('escapes hostile hints and option labels too, and per-call options', async () => {
    const form = defineForm(z.object({ s: z.string() }), {
      fields: { s: { type: 'select', label: HOSTILE, choices: [[HOSTILE, HOSTILE]], placeholder: HOSTILE } },
    }).blank({ s: HOSTILE });
    const html = renderField(form, 's', { class: `a" onclick="x` });
    assertOnlyOwnMarkup(html);
    assert.match(html, /<option value="[^"]+" selected>/);
    assert.deepEqual(attributeValues(html, 'class').slice(1), ['a" onclick="x']);
  });

  it('refuses unknown fields of a declaring form, non-forms and unknown options', async () => {
    const form = NoteForm.blank();
    assert.throws(() => renderField(form, 'nope'), /no field "nope" \(declared: title, body/);
    assert.throws(() => renderField({ data: {}, errors: {}, formErrors: [] } as never, 'title'), /needs a form/);
    assert.throws(() => renderField(form, 'title', { onclick: 'x' } as never), /unknown option "onclick"/);
    const free = defineForm(z.object({ anything: z.string() })).blank({ anything: 'v' });
    assert.match(renderField(free, 'anything'), /<input type="text" id="anything" name="anything" value="v">/);
  });

  it('renders form-level errors, hidden-field errors, and an escaped CSRF field', async () => {
    const form = await NoteForm.parse({ title: 't', body: '', kind: 'note', password: 'longenough', next: 'http://evil' });
    assert.equal(renderFormErrors(form), '<ul class="form-errors" role="alert"><li>next must be a path</li></ul>');
    assert.equal(renderFormErrors(NoteForm.blank()), '');
    assert.equal(renderCsrfField('a"b'), '<input type="hidden" name="csrf_token" value="a&#34;b">');
    assert.throws(() => renderCsrfField(''), /needs the CSRF token/);
    assert.equal(renderHiddenTag(form, 'T'), '<input type="hidden" name="csrf_token" value="T"><input type="hidden" id="next" name="next" value="http://evil">');
    const refined = defineForm(z.object({ a: z.string(), b: z.string() }).refine((d) => d.a === d.b, 'Fields differ <b>'));
    assert.equal(renderFormErrors(await refined.parse({ a: '1', b: '2' })), '<ul class="form-errors" role="alert"><li>Fields differ &lt;b&gt;</li></ul>');
  });

  it('uses idPrefix for pages with several forms', () => {
    const form = defineForm(z.object({ q: z.string() }), { idPrefix: 'search-' }).blank();
    assert.match(renderField(form, 'q'), /<label for="search-q">Q<\/label><input type="text" id="search-q" name="q" value="">/);
  });
});

describe('form helpers in the app’s LiquidJS engine', () => {
  const engine = new TemplateEngine({ roots: [VIEWS] });

  for (const [vendor, s] of [
    ['zod', schema],
    ['valibot', v.object({ title: v.pipe(v.string(), v.maxLength(20, 'Too long: at most 20 characters')), body: v.string(), public: v.boolean(), kind: v.picklist(['note', 'todo']), password: v.string(), next: v.string() })],
  ] as const) {
    it(`renders a re-displayed ${vendor} form with hostile values escaped and the CSRF token included`, async () => {
      const form = await defineForm(s, { fields: HINTS }).parse({ title: HOSTILE, body: HOSTILE, kind: 'note', password: HOSTILE, next: HOSTILE, csrf_token: 'old' });
      assert.equal(form.ok, false);
      const html = await engine.render('note-form.html', { form }, helpers(() => 'tok"en<'));
      assertOnlyOwnMarkup(html);
      assert.ok(html.startsWith('<form method="post"><input type="hidden" name="csrf_token" value="tok&#34;en&lt;">'), html);
      assert.deepEqual(attributeValues(html, 'name'), ['csrf_token', 'next', 'title', 'body', 'public', 'kind', 'password']);
      assert.equal(attributeValues(html, 'value').filter((x) => x === HOSTILE).length, 2);
      assert.match(html, /<li>Too long: at most 20 characters<\/li>/);
      assert.match(html, /aria-describedby="title-description title-errors"/);
      assert.doesNotMatch(html, /value="old"/, 'the submitted token is not echoed; the fresh one is');
    });
  }

  it('{% csrf_field %} and {{ csrf_token }} share one token per render, drawn lazily', async () => {
    let calls = 0;
    const html = await engine.render('csrf-tag.html', {}, helpers(() => `t${++calls}`));
    assert.equal(html, '<form><input type="hidden" name="csrf_token" value="t1"></form><p>t1</p>');
    assert.equal(calls, 1);
    await engine.render('field-args.html', { form: NoteForm.blank() }, helpers(() => `t${++calls}`));
    assert.equal(calls, 1, 'a page without a CSRF helper use never asks for a token');
  });

  it('passes keyword arguments and escapes them', async () => {
    const html = await engine.render('field-args.html', { form: NoteForm.blank({ title: 'Hi' }) }, helpers());
    assert.match(html, /^<div class="field field-text"><label for="title">Heading<\/label><input type="text" id="title" name="title" class="wide" required/);
  });

  it('hidden_tag without a CSRF helper renders the hidden fields only', async () => {
    const html = await engine.render('note-form.html', { form: NoteForm.blank({ next: '/x' }) }, helpers());
    assert.ok(html.startsWith('<form method="post"><input type="hidden" id="next" name="next" value="/x">'), html);
  });

  it('escapes the helper output again when a filter follows it (raw only when last)', async () => {
    const html = await engine.render('piped.html', { form: NoteForm.blank() }, helpers());
    assert.match(html, /^&lt;DIV CLASS=/);
  });

  it('lets templates read data and errors, auto-escaped', async () => {
    const form = await NoteForm.parse({ title: '<b>', body: '', kind: 'x', password: '', next: '' });
    assert.equal(await engine.render('raw-access.html', { form }, helpers()), '&lt;b&gt;|');
  });

  it('fails the render with a TemplateError for misuse', async () => {
    const form = NoteForm.blank();
    await assert.rejects(engine.render('bad-field.html', { form }, helpers()), (e: unknown) => e instanceof TemplateError && /no field "nope"/.test(e.message));
    await assert.rejects(engine.render('not-form.html', { user: { title: 'x' } }, helpers()), (e: unknown) => e instanceof TemplateError && /needs a form/.test(e.message));
    await assert.rejects(engine.render('csrf-tag.html', {}, helpers()), (e: unknown) => e instanceof TemplateError && /no CSRF token/.test(e.message));
    await assert.rejects(engine.render('csrf-args.html', {}, helpers(() => 't')), (e: unknown) => e instanceof TemplateError && /csrf_field takes no arguments/.test(e.message));
  });

  it('reserves the helper names against app filters', () => {
    const fresh = new TemplateEngine({ roots: [VIEWS] });
    for (const name of ['field', 'hidden_tag', 'form_errors']) {
      assert.throws(() => fresh.addFilter(name, (x) => x), /already a built-in filter/);
    }
  });
});
