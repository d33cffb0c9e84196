// Deep copy of a sandbox context into plain data. LiquidJS calls a property that is a function
// when a template reads it, and lets templates read any property of a Drop; a copy made only
// of strings, numbers, booleans, null, arrays and plain objects leaves a user-written template
// nothing to call into app code with, and nothing shared with the caller to mutate.

/** Nesting deeper than this is refused: a user template has no business that deep. */
export const MAX_PLAIN_DATA_DEPTH = 64;

/**
 * More values than this in one context is refused. It also stops a shared sub-object referenced
 * from many places (a DAG, not a cycle) from being copied exponentially often.
 */
export const MAX_PLAIN_DATA_VALUES = 1_000_000;

/** JSON-like data as a sandboxed template sees it. */
export type PlainData = string | number | boolean | null | undefined | PlainData[] | { [key: string]: PlainData };

/**
 * Copies `value` into fresh {@link PlainData}. Dates become ISO-8601 strings (Liquid's `date`
 * filter reads them). Own enumerable string keys are copied (accessors are read once, here);
 * symbol keys are ignored.
 *
 * @param path Name of `value` used in error messages, e.g. `context`.
 * @throws {TypeError} for functions, symbols, bigints, invalid dates, class instances (Map,
 *   Set, Buffer, Drops, …), circular references, nesting deeper than
 *   {@link MAX_PLAIN_DATA_DEPTH} or more than {@link MAX_PLAIN_DATA_VALUES} values. These are programming errors of the app, not of the
 *   template's author, hence not a SandboxError.
 */
export function toPlainData(value: unknown, path = 'context'): PlainData {
  return copy(value, path, 0, { ancestors: new Set(), values: 0 });
}

interface CopyState {
  /** Objects on the path from the root to the current value, to detect cycles. */
  readonly ancestors: Set<object>;
  values: number;
}

function copy(value: unknown, path: string, depth: number, state: CopyState): PlainData {
  if (++state.values > MAX_PLAIN_DATA_VALUES) return refuse(path, `exceeds ${MAX_PLAIN_DATA_VALUES} values in total`);
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return value;
    case 'function':
    case 'symbol':
    case 'bigint':
      return refuse(path, `is a ${typeof value}`);
  }
  if (value === null) return null;
  const obj = value as object;
  if (obj instanceof Date) {
    if (Number.isNaN(obj.getTime())) return refuse(path, 'is an invalid Date');
    return obj.toISOString();
  }
  if (depth >= MAX_PLAIN_DATA_DEPTH) return refuse(path, `is nested deeper than ${MAX_PLAIN_DATA_DEPTH} levels`);
  if (state.ancestors.has(obj)) return refuse(path, 'is a circular reference');
  state.ancestors.add(obj);
  try {
    if (Array.isArray(obj)) {
      const out: PlainData[] = [];
      for (let i = 0; i < obj.length; i++) out.push(copy(obj[i], `${path}[${i}]`, depth + 1, state));
      return out;
    }
    const proto: unknown = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (obj as { constructor?: { name?: unknown } }).constructor?.name;
      return refuse(path, `is an instance of ${typeof kind === 'string' && kind ? kind : 'a class'}`);
    }
    const out: { [key: string]: PlainData } = {};
    for (const key of Object.keys(obj)) {
      // defineProperty, not assignment: a `__proto__` key must stay data, not set a prototype.
      Object.defineProperty(out, key, {
        value: copy((obj as Record<string, unknown>)[key], `${path}.${key}`, depth + 1, state),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  } finally {
    state.ancestors.delete(obj);
  }
}

function refuse(path: string, what: string): never {
  throw new TypeError(
    `renderSandboxed: ${path} ${what}; a sandboxed template gets plain data only ` +
      '(strings, numbers, booleans, null, arrays, plain objects, Dates)',
  );
}
