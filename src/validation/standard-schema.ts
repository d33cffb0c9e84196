/**
 * Running any Standard Schema validator (zod 4, valibot 1, arktype 2, …) the same way: one
 * result shape, issues flattened to dotted paths. Shared by route validation and forms.
 *
 * The contract is the Standard Schema spec v1 (`@standard-schema/spec`, standardschema.dev):
 * `schema['~standard'].validate(value)` returns, or resolves to, `{ value }` on success or
 * `{ issues }` on failure; an issue's `path` holds property keys or `{ key }` segments.
 *
 * @module
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';

export type { StandardSchemaV1 };

/** The type a schema produces on success (after its transforms), e.g. `number` for `z.coerce.number()`. */
export type InferOutput<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;

/** The type a schema accepts as input, before its transforms. */
export type InferInput<S extends StandardSchemaV1> = StandardSchemaV1.InferInput<S>;

/** One validation problem, located by a dotted path. */
export interface FieldIssue {
  /**
   * Where the problem is: path segments joined with `.`, e.g. `tags.0` or `address.city`;
   * `''` for the value as a whole. A key that itself contains a dot is not escaped.
   */
  readonly path: string;
  /** The validator's message (never the input value itself, unless the schema put it there). */
  readonly message: string;
}

/** What {@link validate} resolves to: the typed output, or every issue. */
export type ValidationResult<Output> =
  | { readonly ok: true; readonly value: Output }
  | { readonly ok: false; readonly issues: readonly FieldIssue[] };

/**
 * Whether `value` is a Standard Schema v1 validator (has `~standard` with `version: 1` and a
 * `validate` function).
 */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const std = (value as { '~standard'?: { version?: unknown; validate?: unknown } })['~standard'];
  return typeof std === 'object' && std !== null && std.version === 1 && typeof std.validate === 'function';
}

/**
 * Validates `value` with a Standard Schema validator, awaiting it when it is async.
 *
 * @param schema Any Standard Schema v1 validator.
 * @param value The untrusted input.
 * @returns `{ ok: true, value }` with the schema's (transformed) output, or `{ ok: false, issues }`
 *   with at least one issue; paths are flattened by {@link issuePath}.
 * @throws {TypeError} when `schema` is not a Standard Schema v1 validator, or its `validate`
 *   returns something that is neither a success nor a failure result.
 * @throws whatever the validator itself throws (a schema bug, not an input problem).
 * @example
 * ```ts
 * const result = await validate(z.object({ title: z.string().max(100) }), body);
 * if (!result.ok) return [{ issues: result.issues }, 400];
 * result.value.title; // string
 * ```
 */
export async function validate<S extends StandardSchemaV1>(schema: S, value: unknown): Promise<ValidationResult<InferOutput<S>>> {
  if (!isStandardSchema(schema)) {
    throw new TypeError('validate(): the schema is not a Standard Schema v1 validator (zod 4, valibot 1, arktype 2, …)');
  }
  // `await` on a plain object costs one microtask; it also takes any thenable an async schema returns.
  const result = await schema['~standard'].validate(value);
  return toValidationResult(result as StandardSchemaV1.Result<InferOutput<S>>);
}

/**
 * Turns a raw Standard Schema result into a {@link ValidationResult}. Exposed for callers that
 * run `~standard.validate` themselves (e.g. to stay synchronous for a sync schema).
 * @throws {TypeError} for a value that is not a Standard Schema result.
 */
export function toValidationResult<Output>(result: StandardSchemaV1.Result<Output>): ValidationResult<Output> {
  if (typeof result !== 'object' || result === null) {
    throw new TypeError('validate(): the validator returned no result object');
  }
  // The spec: a falsy `issues` means success.
  if (!result.issues) {
    if (!('value' in result)) throw new TypeError('validate(): the validator returned neither `value` nor `issues`');
    return { ok: true, value: result.value };
  }
  if (!Array.isArray(result.issues)) throw new TypeError('validate(): the validator returned `issues` that is not an array');
  const issues: FieldIssue[] = result.issues.map((issue: StandardSchemaV1.Issue) => ({
    path: issuePath(issue.path),
    message: typeof issue.message === 'string' && issue.message !== '' ? issue.message : 'Invalid value',
  }));
  // An empty issues array is still a failure by the spec's wording ("issues of failed validation").
  if (issues.length === 0) issues.push({ path: '', message: 'Invalid value' });
  return { ok: false, issues };
}

/**
 * Flattens a Standard Schema issue path (property keys or `{ key }` segments) to a dotted string:
 * `['tags', 0]` → `tags.0`, `[{ key: 'a' }, { key: 'b' }]` → `a.b`, none → `''`. A symbol key
 * becomes its description.
 */
export function issuePath(path: StandardSchemaV1.Issue['path']): string {
  if (path === undefined || path.length === 0) return '';
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const key: PropertyKey = typeof segment === 'object' && segment !== null ? segment.key : (segment as PropertyKey);
    const text = typeof key === 'symbol' ? (key.description ?? '') : String(key);
    out = i === 0 ? text : `${out}.${text}`;
  }
  return out;
}

/**
 * Groups issues by path: `{ title: ['Too long'], 'tags.0': ['Required'] }`. The record has no
 * prototype, so a path such as `__proto__` is an ordinary key.
 */
export function groupIssues(issues: readonly FieldIssue[]): Record<string, string[]> {
  const grouped = Object.create(null) as Record<string, string[]>;
  for (const { path, message } of issues) (grouped[path] ??= []).push(message);
  return grouped;
}
