/**
 * Finding a misspelt option: the first key of an options object that is not a known name, with
 * the closest known one. A typo in an option must never fall back to a default silently (a
 * misspelt `urlPrefix` moves a blueprint's routes to the root, past a guard on its prefix).
 *
 * @module
 */
import { closestName } from './closest.ts';

/** An unknown key and, when one is close, the known name it probably meant. */
export interface UnknownKey {
  readonly key: string;
  readonly suggestion: string | undefined;
}

/**
 * The first own enumerable key of `options` that is not in `known`, or undefined when all are
 * known (or `options` is not an object).
 */
export function findUnknownKey(options: unknown, known: Iterable<string>): UnknownKey | undefined {
  if (typeof options !== 'object' || options === null) return undefined;
  const names = new Set(known);
  for (const key of Object.keys(options)) {
    if (!names.has(key)) return { key, suggestion: closestName(key, names) };
  }
  return undefined;
}

/** The message for an unknown key: `where: unknown option "x" (did you mean "y"?)`. */
export function unknownKeyMessage(where: string, found: UnknownKey, known: Iterable<string>): string {
  const hint = found.suggestion !== undefined ? `did you mean "${found.suggestion}"?` : `known: ${[...known].join(', ')}`;
  return `${where}: unknown option ${JSON.stringify(found.key)} (${hint})`;
}
