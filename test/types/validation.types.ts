// Type tests: Standard Schema validators type `req.valid` and `req.params`; checked by `tsc --noEmit`.
import { expectTypeOf } from 'expect-type';
import * as z from 'zod';
import * as v from 'valibot';
import { Phial, Blueprint, type Request } from 'phial';

const app = new Phial({ name: 'types' });

app.post('/notes', { schema: { body: z.object({ title: z.string(), tags: z.array(z.string()).optional() }) } }, (req) => {
  expectTypeOf(req.valid.body).toEqualTypeOf<{ title: string; tags?: string[] | undefined }>();
  // @ts-expect-error: no query schema on this route
  void req.valid.query;
  return { title: req.valid.body.title };
});

app.get('/search/<int:page>', { schema: { query: v.object({ q: v.string(), n: v.optional(v.pipe(v.string(), v.transform(Number))) }) } }, (req) => {
  expectTypeOf(req.params.page).toEqualTypeOf<number>();
  expectTypeOf(req.valid.query.q).toEqualTypeOf<string>();
  expectTypeOf(req.valid.query.n).toEqualTypeOf<number | undefined>();
  return 'x';
});

app.route('/items/<id>', { methods: ['PUT'], schema: { params: z.object({ id: z.uuid() }), form: z.object({ name: z.string() }), headers: z.object({ 'x-api-version': z.literal('1') }), cookies: z.object({ theme: z.enum(['dark', 'light']).optional() }) } }, (req) => {
  expectTypeOf(req.params).toEqualTypeOf<{ id: string }>();
  expectTypeOf(req.valid.form.name).toEqualTypeOf<string>();
  expectTypeOf(req.valid.headers['x-api-version']).toEqualTypeOf<'1'>();
  expectTypeOf(req.valid.cookies.theme).toEqualTypeOf<'dark' | 'light' | undefined>();
  return 'ok';
});

// Without schemas, `valid` has no keys and params come from the rule.
app.get('/plain/<int:id>', (req) => {
  expectTypeOf(req.params.id).toEqualTypeOf<number>();
  // @ts-expect-error: no schemas, nothing validated
  void req.valid.body;
  return 'x';
});

const bp = new Blueprint('bp');
bp.patch('/p/<int:id>', { schema: { body: z.object({ done: z.boolean() }) } }, (req) => {
  expectTypeOf(req.valid.body.done).toEqualTypeOf<boolean>();
  expectTypeOf(req.params.id).toEqualTypeOf<number>();
  return [{ ok: true }, 200] as const;
});

// A helper typed with the plain `Request` accepts requests of routes with schemas.
function searchTerm(req: Request): string | null { return req.query.get('q'); }
app.get('/helper', { schema: { query: z.object({ page: z.coerce.number() }) } }, (req) => {
  expectTypeOf(req.valid.query.page).toEqualTypeOf<number>();
  return searchTerm(req) ?? 'none';
});
