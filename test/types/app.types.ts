// Type tests for route parameter inference through the app API; checked by `tsc --noEmit`.
import { expectTypeOf } from 'expect-type';
import { Phial, Blueprint, type Request } from 'phial';

const app = new Phial({ name: 'types' });
app.get('/users/<int:id>', (req) => {
  expectTypeOf(req.params.id).toEqualTypeOf<number>();
  // @ts-expect-error: no such parameter
  void req.params.name;
  return { id: req.params.id };
});
app.get('/u/<uuid:uid>/files/<path:rest>', (req) => {
  expectTypeOf(req.params).toEqualTypeOf<{ uid: string; rest: string }>();
  return 'x';
});
app.post('/p/<float(signed=true):x>/<name>', (req) => {
  expectTypeOf(req.params.x).toEqualTypeOf<number>();
  expectTypeOf(req.params.name).toEqualTypeOf<string>();
  return [req.params, 201] as const;
});
const bp = new Blueprint('bp');
bp.route('/items/<int:id>', { methods: ['GET', 'DELETE'] }, (req: Request<{ id: number }>) => ({ id: req.params.id }));
// @ts-expect-error: a view must return something
app.get('/nothing', () => { /* returns undefined */ });
