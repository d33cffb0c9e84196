import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { z } from 'zod';
import { expectTypeOf } from 'expect-type';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { groupIssues, isStandardSchema, issuePath, validate, type InferOutput } from '../../src/validation/standard-schema.ts';

/** A hand-written Standard Schema, to control sync/async results and path shapes exactly. */
function custom(fn: (value: unknown) => StandardSchemaV1.Result<string> | Promise<StandardSchemaV1.Result<string>>): StandardSchemaV1<unknown, string> {
  return { '~standard': { version: 1, vendor: 'test', validate: fn } };
}

describe('validate(): zod 4 and valibot 1', () => {
  const zSchema = z.object({ title: z.string().min(1), tags: z.array(z.string().min(2)), n: z.coerce.number() });
  const vSchema = v.object({ title: v.pipe(v.string(), v.minLength(1)), tags: v.array(v.pipe(v.string(), v.minLength(2))) });

  it('returns the typed, transformed output on success', async () => {
    const result = await validate(zSchema, { title: 'a', tags: ['ab'], n: '42' });
    assert.deepEqual(result, { ok: true, value: { title: 'a', tags: ['ab'], n: 42 } });
    if (result.ok) expectTypeOf(result.value).toEqualTypeOf<{ title: string; tags: string[]; n: number }>();
  });

  it('flattens zod issue paths (property keys) to dotted strings', async () => {
    const result = await validate(zSchema, { title: '', tags: ['ok', 'x'], n: 'NaN?' });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(result.issues.map((i) => i.path), ['title', 'tags.1', 'n']);
    assert.ok(result.issues.every((i) => typeof i.message === 'string' && i.message.length > 0));
  });

  it('flattens valibot issue paths (PathSegment objects) to dotted strings', async () => {
    const result = await validate(vSchema, { title: '', tags: ['x'] });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(result.issues.map((i) => i.path), ['title', 'tags.0']);
  });

  it('awaits async validators (zod async refine)', async () => {
    const schema = z.object({ name: z.string().refine(async (s) => s !== 'taken', 'Name is taken') });
    assert.deepEqual(await validate(schema, { name: 'taken' }), { ok: false, issues: [{ path: 'name', message: 'Name is taken' }] });
    assert.deepEqual(await validate(schema, { name: 'free' }), { ok: true, value: { name: 'free' } });
  });

  it('reports a root issue with an empty path', async () => {
    const result = await validate(z.string(), 42);
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.issues[0]!.path, '');
  });
});

describe('validate(): the Standard Schema contract itself', () => {
  it('handles sync and async results of a hand-written schema', async () => {
    assert.deepEqual(await validate(custom(() => ({ value: 'x' })), 1), { ok: true, value: 'x' });
    assert.deepEqual(await validate(custom(async () => ({ value: 'y' })), 1), { ok: true, value: 'y' });
    assert.deepEqual(
      await validate(custom(async () => ({ issues: [{ message: 'bad', path: [{ key: 'a' }, 0, { key: 'b' }] }] })), 1),
      { ok: false, issues: [{ path: 'a.0.b', message: 'bad' }] },
    );
  });

  it('treats an empty issues array as a failure (only a falsy `issues` means success)', async () => {
    const result = await validate(custom(() => ({ issues: [] })), 1);
    assert.deepEqual(result, { ok: false, issues: [{ path: '', message: 'Invalid value' }] });
  });

  it('refuses what is not a Standard Schema, and a validator returning nonsense', async () => {
    await assert.rejects(validate({} as StandardSchemaV1, 1), /not a Standard Schema v1 validator/);
    await assert.rejects(validate(custom(() => null as unknown as StandardSchemaV1.Result<string>), 1), /no result object/);
    await assert.rejects(validate(custom(() => ({}) as StandardSchemaV1.Result<string>), 1), /neither `value` nor `issues`/);
  });

  it('lets a throwing validator throw (a schema bug, not an input problem)', async () => {
    await assert.rejects(validate(custom(() => { throw new RangeError('boom'); }), 1), RangeError);
  });

  it('isStandardSchema recognises zod and valibot and refuses look-alikes', () => {
    assert.equal(isStandardSchema(z.string()), true);
    assert.equal(isStandardSchema(v.string()), true);
    assert.equal(isStandardSchema({ '~standard': { version: 2, validate: () => ({ value: 1 }) } }), false);
    assert.equal(isStandardSchema(null), false);
    assert.equal(isStandardSchema('x'), false);
  });

  it('issuePath handles symbols, numbers and no path', () => {
    assert.equal(issuePath(undefined), '');
    assert.equal(issuePath([]), '');
    assert.equal(issuePath([Symbol('sym'), 3, { key: 'k' }]), 'sym.3.k');
  });

  it('groupIssues groups by path in a prototype-less record', () => {
    const grouped = groupIssues([{ path: '__proto__', message: 'a' }, { path: 'x', message: 'b' }, { path: 'x', message: 'c' }]);
    assert.equal(Object.getPrototypeOf(grouped), null);
    assert.deepEqual(Object.entries(grouped), [['__proto__', ['a']], ['x', ['b', 'c']]]);
    assert.equal(({} as Record<string, unknown>).x, undefined, 'Object.prototype untouched');
  });

  it('InferOutput gives the schema output type', () => {
    const schema = z.object({ n: z.coerce.number() });
    assert.ok(isStandardSchema(schema));
    expectTypeOf<InferOutput<typeof schema>>().toEqualTypeOf<{ n: number }>();
  });
});
