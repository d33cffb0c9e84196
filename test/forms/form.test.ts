import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import * as v from 'valibot';
import { z } from 'zod';
import { defineForm, type FieldHints } from '../../src/forms/index.ts';
import { DEFAULT_BODY_LIMITS, parseUrlEncoded } from '../../src/http/body/index.ts';

const HINTS: Record<string, FieldHints> = {
  title: { maxlength: 20, required: true },
  body: { type: 'textarea', rows: 4 },
  public: { type: 'checkbox' },
  kind: { type: 'select', choices: [['note', 'Note'], ['todo', 'To do']] },
  tags: { multiple: true },
  priority: { type: 'number' },
  password: { type: 'password' },
};

const zodNote = z.object({
  title: z.string().trim().min(1, 'Title is required').max(20, 'Title is too long'),
  body: z.string().max(100),
  public: z.boolean(),
  kind: z.enum(['note', 'todo']),
  tags: z.array(z.string().min(2, 'Tag too short')),
  priority: z.coerce.number().int().min(1).max(5).optional(),
});

const valibotNote = v.object({
  title: v.pipe(v.string(), v.trim(), v.minLength(1, 'Title is required'), v.maxLength(20, 'Title is too long')),
  body: v.pipe(v.string(), v.maxLength(100)),
  public: v.boolean(),
  kind: v.picklist(['note', 'todo']),
  tags: v.array(v.pipe(v.string(), v.minLength(2, 'Tag too short'))),
  priority: v.optional(v.pipe(v.string(), v.transform(Number), v.integer(), v.minValue(1), v.maxValue(5))),
});

const VALID = 'title=+Hello+&body=Some+text&public=y&kind=todo&tags=ab&csrf_token=TOKEN&priority=3';

for (const [vendor, schema] of [['zod 4', zodNote], ['valibot 1', valibotNote]] as const) {
  describe(`defineForm with ${vendor}`, () => {
    const form = defineForm(schema, { fields: HINTS });

    it('parses valid data into the schema’s typed output, without the CSRF field', async () => {
      const result = await form.parse(new URLSearchParams(VALID));
      assert.equal(result.ok, true);
      assert.deepEqual(result.values, { title: 'Hello', body: 'Some text', public: true, kind: 'todo', tags: ['ab'], priority: 3 });
      assert.deepEqual({ ...result.errors }, {});
      assert.deepEqual(result.formErrors, []);
      assert.equal(Object.hasOwn(result.data, 'csrf_token'), false);
      assert.equal(result.data.title, ' Hello ', 'data keeps the submitted string, untrimmed');
    });

    it('turns an absent checkbox into false and a single multiple value into an array', async () => {
      const result = await form.parse({ title: 'x', body: '', kind: 'note', tags: 'abc' });
      assert.equal(result.ok, true);
      if (result.ok) {
        assert.equal(result.values.public, false);
        assert.deepEqual(result.values.tags, ['abc']);
      }
      const none = await form.parse({ title: 'x', body: '', kind: 'note', public: 'false' });
      assert.equal(none.ok && none.values.public, false);
      assert.deepEqual(none.ok && none.values.tags, [], 'a multiple field never sent is an empty list');
    });

    it('returns per-field errors and keeps the submitted strings for re-rendering', async () => {
      const data = new URLSearchParams('title=&body=b&kind=evil&tags=ok&tags=x&password=hunter2&public=y');
      const result = await form.parse(data);
      assert.equal(result.ok, false);
      assert.equal(result.values, undefined);
      assert.deepEqual(result.errors.title, ['Title is required']);
      assert.ok(result.errors.kind?.length === 1);
      assert.deepEqual(result.errors['tags.1'], ['Tag too short']);
      assert.equal(result.errors.body, undefined);
      assert.deepEqual(result.data.tags, ['ok', 'x']);
      assert.equal(result.data.kind, 'evil');
      assert.equal(result.data.public, 'y');
      assert.equal(Object.hasOwn(result.data, 'password'), false, 'a password is never kept for re-rendering');
    });

    it('takes the first value of a repeated single-valued field (WTForms)', async () => {
      const result = await form.parse(new URLSearchParams('title=first&title=second&body=&kind=note'));
      assert.equal(result.ok && result.values.title, 'first');
    });
  });
}

describe('defineForm: typing and options', () => {
  it('types values from the schema output', async () => {
    const form = defineForm(zodNote, { fields: HINTS });
    const result = await form.parse({});
    if (result.ok) expectTypeOf(result.values).toEqualTypeOf<z.output<typeof zodNote>>();
    const vform = defineForm(valibotNote);
    const vresult = await vform.parse({});
    if (vresult.ok) expectTypeOf(vresult.values).toEqualTypeOf<v.InferOutput<typeof valibotNote>>();
  });

  it('omitEmpty leaves blank optional fields undefined; by default the schema sees ""', async () => {
    const schema = z.object({ priority: z.coerce.number().min(1).optional() });
    assert.deepEqual((await defineForm(schema, { omitEmpty: true }).parse({ priority: '' })).values, {});
    const kept = await defineForm(schema).parse({ priority: '' });
    assert.equal(kept.ok, false, '"" coerces to 0, below the minimum');
    assert.ok(kept.errors.priority);
  });

  it('strips csrf_token so strict schemas accept a protected form', async () => {
    const form = defineForm(z.strictObject({ q: z.string() }));
    assert.deepEqual((await form.parse({ q: 'x', csrf_token: 'abc' })).values, { q: 'x' });
  });

  it('puts schema-level issues into formErrors', async () => {
    const schema = z.object({ password: z.string(), confirm: z.string() }).refine((d) => d.password === d.confirm, 'Passwords differ');
    const result = await defineForm(schema, { fields: { password: { type: 'password' }, confirm: { type: 'password' } } }).parse({ password: 'a', confirm: 'b' });
    assert.deepEqual(result.formErrors, ['Passwords differ']);
    assert.deepEqual(Object.keys(result.errors), []);
  });

  it('awaits async validators (valibot objectAsync)', async () => {
    const schema = v.objectAsync({ name: v.pipeAsync(v.string(), v.checkAsync(async (s) => s !== 'taken', 'Name is taken')) });
    const form = defineForm(schema);
    assert.deepEqual((await form.parse({ name: 'taken' })).errors.name, ['Name is taken']);
    assert.deepEqual((await form.parse({ name: 'free' })).values, { name: 'free' });
  });

  it('merges uploaded files into the values, never into data', async () => {
    const upload = { filename: 'a.txt', size: 3 };
    const schema = z.object({ title: z.string(), attachment: z.object({ filename: z.string(), size: z.number() }) });
    const result = await defineForm(schema, { fields: { attachment: { type: 'file' } } }).parse({ title: 't' }, { attachment: [upload, { filename: 'b', size: 1 }] });
    assert.deepEqual(result.values, { title: 't', attachment: upload }, 'a single-file field takes the first upload');
    assert.equal(Object.hasOwn(result.data, 'attachment'), false);
    const many = defineForm(z.object({ docs: z.array(z.object({ filename: z.string() })) }), { fields: { docs: { type: 'file', multiple: true } } });
    assert.deepEqual((await many.parse({}, { docs: [{ filename: 'x' }] })).values, { docs: [{ filename: 'x' }] });
    assert.deepEqual((await many.parse({})).values, undefined, 'no upload: the schema decides (here: required)');
  });

  it('keeps hostile keys as plain data: no prototype pollution', async () => {
    const form = defineForm(z.object({ a: z.string() }).passthrough());
    const result = await form.parse(new URLSearchParams('a=1&__proto__=x&constructor=y'));
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.equal(Object.getPrototypeOf(result.data), null);
    assert.equal(result.data.__proto__, 'x');
    assert.equal((result.values as Record<string, unknown>).constructor, 'y');
  });

  it('blank() pre-fills display strings and never passwords', () => {
    const form = defineForm(zodNote, { fields: HINTS });
    const state = form.blank({ title: 'Draft', priority: 2, public: true, tags: ['a', 'b'], password: 'secret', csrf_token: 'x', other: { nested: 1 } });
    assert.deepEqual({ ...state.data }, { title: 'Draft', priority: '2', public: 'y', tags: ['a', 'b'] });
    assert.deepEqual({ ...state.errors }, {});
  });

  it('refuses bad definitions with a message naming the problem', () => {
    assert.throws(() => defineForm({} as never), /not a Standard Schema/);
    assert.throws(() => defineForm(zodNote, { fields: { csrf_token: {} } }), /reserved/);
    assert.throws(() => defineForm(zodNote, { fields: { kind: { type: 'select' } } }), /select field "kind" needs `choices`/);
    assert.throws(() => defineForm(zodNote, { fields: { title: { type: 'radio' as never } } }), /unknown type "radio"/);
    assert.throws(() => defineForm(zodNote, { fields: { title: { maxlength: -1 } } }), /maxlength must be a non-negative integer/);
    assert.throws(() => defineForm(zodNote, { fields: { kind: { type: 'select', choices: [['a'] as never] } } }), /neither a string nor \[value, label\]/);
  });

  it('reads what the real body parser produces (null-prototype object, arrays for repeated keys)', async () => {
    const body = parseUrlEncoded('title=Hi&body=&kind=note&tags=ab&tags=cd&public=y&csrf_token=t', DEFAULT_BODY_LIMITS);
    const result = await defineForm(zodNote, { fields: HINTS }).parse(body);
    assert.deepEqual(result.values, { title: 'Hi', body: '', kind: 'note', tags: ['ab', 'cd'], public: true });
    assert.deepEqual(result.data.tags, ['ab', 'cd']);
  });

  it('refuses data that is not an object', async () => {
    await assert.rejects(defineForm(zodNote).parse(null as never), /data must be an object/);
  });
});
