/**
 * Compile-time route parameters: the type of `req.params` inferred from the rule string.
 *
 * @module
 */

/**
 * The value type each converter produces, by converter name. Extend it by module augmentation
 * when registering a custom converter, so rules using it are typed:
 *
 * ```ts
 * declare module 'phial' {
 *   interface ConverterTypes { hex: bigint }
 * }
 * ```
 *
 * A converter missing from this interface gives `unknown`.
 */
export interface ConverterTypes {
  string: string;
  int: number;
  float: number;
  path: string;
  uuid: string;
  any: string;
}

/**
 * The parameters of a rule: one property per `<...>` variable, typed by its converter through
 * {@link ConverterTypes}. `<any(a, b):x>` gives `'a' | 'b'` when every item is a plain word or a
 * simply quoted string, `string` otherwise. A rule without variables gives `{}`; a rule whose
 * type is just `string` gives `Record<string, unknown>`.
 *
 * @example
 * ```ts
 * type P = RouteParams<'/users/<int:id>/files/<path:p>'>;  // { id: number; p: string }
 * type Q = RouteParams<'/<any(about, help):page>'>;        // { page: 'about' | 'help' }
 * ```
 */
export type RouteParams<Rule extends string> = string extends Rule
  ? Record<string, unknown>
  : Simplify<Collect<Rule, unknown>>;

type Simplify<T> = { [K in keyof T]: T[K] };

type Collect<Rule extends string, Acc> = Rule extends `${string}<${infer Variable}>${infer Rest}`
  ? Collect<Rest, Acc & { [K in VariableName<Variable>]: VariableType<Variable> }>
  : Acc;

/** The text after the last `:` (converter arguments may themselves contain colons). */
type VariableName<V extends string> = V extends `${string}:${infer Rest}` ? VariableName<Rest> : V;

type ConverterName<V extends string> = V extends `${infer C}(${string}`
  ? C
  : V extends `${infer C}:${string}`
    ? C
    : 'string';

type VariableType<V extends string> =
  ConverterName<V> extends 'any'
    ? AnyType<V>
    : ConverterName<V> extends keyof ConverterTypes
      ? ConverterTypes[ConverterName<V>]
      : unknown;

declare const _unclear: unique symbol;
/** Marks an `any` item whose runtime spelling the type system cannot be sure of. */
type Unclear = typeof _unclear;

type AnyType<V extends string> = V extends `any(${infer Args}):${string}`
  ? [Extract<AnyItems<Args>, Unclear>] extends [never]
    ? AnyItems<Args>
    : string
  : string;

type AnyItems<Args extends string> = Args extends `${infer Head},${infer Tail}`
  ? AnyItem<Trim<Head>> | AnyItems<Tail>
  : AnyItem<Trim<Args>>;

type AnyItem<S extends string> = S extends ''
  ? never
  : S extends `${'"' | "'"}${infer Inner}${'"' | "'"}`
    ? Inner extends `${string}${'"' | "'" | '\\'}${string}`
      ? Unclear
      : Inner
    : S extends `${string}${'"' | "'" | '=' | '\\' | ' '}${string}`
      ? Unclear
      : S extends `${Digit | '-' | '+' | '.'}${string}`
        ? Unclear
        : S;

type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';

type Trim<S extends string> = S extends ` ${infer R}` ? Trim<R> : S extends `${infer R} ` ? Trim<R> : S;
