// Type tests for RouteParams; checked by `npx tsc --noEmit` (a regression fails the type check).
import { expectTypeOf } from 'expect-type';
import type { ConverterTypes, RouteParams } from '../../src/routing/params.ts';

// Apps write `declare module 'phial' { interface ConverterTypes { hex: bigint } }`; here the
// module that declares the interface is augmented directly, with a name no app would use.
declare module '../../src/routing/params.ts' {
  interface ConverterTypes {
    phialTestHex: bigint;
  }
}

// Built-in converters.
expectTypeOf<RouteParams<'/users/<int:id>/files/<path:p>'>>().toEqualTypeOf<{ id: number; p: string }>();
expectTypeOf<RouteParams<'/u/<uuid:u>'>>().toEqualTypeOf<{ u: string }>();
expectTypeOf<RouteParams<'/p/<float(signed=true):x>'>>().toEqualTypeOf<{ x: number }>();
expectTypeOf<RouteParams<'/<name>'>>().toEqualTypeOf<{ name: string }>();
expectTypeOf<RouteParams<'/s/<string(minlength=2,maxlength=8):code>'>>().toEqualTypeOf<{ code: string }>();
expectTypeOf<RouteParams<'/i/<int(fixed_digits=3, min=1):n>/x'>>().toEqualTypeOf<{ n: number }>();

// Several variables, also in one segment.
expectTypeOf<RouteParams<'/<a>-<b>/<int:c>.json'>>().toEqualTypeOf<{ a: string; b: string; c: number }>();

// No variables.
expectTypeOf<RouteParams<'/about'>>().toEqualTypeOf<Record<never, never>>();
expectTypeOf<RouteParams<'/'>>().toEqualTypeOf<Record<never, never>>();

// A rule that is not a literal type.
expectTypeOf<RouteParams<string>>().toEqualTypeOf<Record<string, unknown>>();

// any(...): a union of items when they are plain words or simply quoted, else string.
expectTypeOf<RouteParams<'/<any(about,help):page>'>>().toEqualTypeOf<{ page: 'about' | 'help' }>();
expectTypeOf<RouteParams<'/<any(about, help, "contact"):page>'>>().toEqualTypeOf<{ page: 'about' | 'help' | 'contact' }>();
expectTypeOf<RouteParams<"/<any('a:b', c):page>">>().toEqualTypeOf<{ page: 'a:b' | 'c' }>();
expectTypeOf<RouteParams<'/<any(about, "foo,bar"):page>'>>().toEqualTypeOf<{ page: string }>();
expectTypeOf<RouteParams<'/<any(1, 2):n>'>>().toEqualTypeOf<{ n: string }>();

// Custom converters: typed through ConverterTypes augmentation, unknown otherwise.
expectTypeOf<ConverterTypes['phialTestHex']>().toEqualTypeOf<bigint>();
expectTypeOf<RouteParams<'/c/<phialTestHex:id>'>>().toEqualTypeOf<{ id: bigint }>();
expectTypeOf<RouteParams<'/c/<notRegistered:id>'>>().toEqualTypeOf<{ id: unknown }>();

// Negative checks: these must stay errors.
// @ts-expect-error: id is a number, not a string
expectTypeOf<RouteParams<'/users/<int:id>'>>().toEqualTypeOf<{ id: string }>();
// @ts-expect-error: there is no parameter "name"
expectTypeOf<RouteParams<'/users/<int:id>'>>().toHaveProperty('name');
const params: RouteParams<'/c/<phialTestHex:id>'> = { id: 1n };
// @ts-expect-error: a custom converter's value type is enforced
const wrong: RouteParams<'/c/<phialTestHex:id>'> = { id: 1 };
void params;
void wrong;
