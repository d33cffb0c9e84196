/**
 * Reading LiquidJS's error chains: the innermost cause, the template position, the message
 * without LiquidJS's position suffix. Kept apart from the error classes so that importing those
 * does not load LiquidJS.
 * @module
 */
import { LiquidError } from 'liquidjs';

/**
 * The chain of errors behind `err`: itself, then LiquidJS's `originalError` and standard `cause`
 * links (bounded, so a cyclic chain cannot hang us).
 */
export function errorChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = err;
  while (current !== undefined && current !== null && chain.length < 16 && !chain.includes(current)) {
    chain.push(current);
    if (LiquidError.is(current) && current.originalError !== undefined) current = current.originalError;
    else if (current instanceof Error) current = current.cause;
    else break;
  }
  return chain;
}

/** The first error in `err`'s chain that is an instance of `type`, if any. */
export function findInChain<T>(err: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (const e of errorChain(err)) if (e instanceof type) return e;
  return undefined;
}

/** Where a LiquidJS error points: the template (as LiquidJS names it) and 1-based line/column. */
export interface LiquidPosition {
  readonly file: string | undefined;
  readonly line: number;
  readonly column: number;
}

/** The position of the outermost LiquidJS error in the chain (the innermost failing tag). */
export function liquidPosition(err: unknown): LiquidPosition | undefined {
  const liquidErr = errorChain(err).find((e): e is LiquidError => LiquidError.is(e));
  const token = liquidErr?.token;
  if (token === undefined) return undefined;
  const [line = 0, column = 0] = token.getPosition();
  return { file: token.file, line, column };
}

/**
 * LiquidJS's message without the `, file:…, line:…, col:…` suffix it appends (we report the
 * position separately, in our own words).
 */
export function bareLiquidMessage(err: unknown): string {
  const chain = errorChain(err);
  const liquidErr = chain.find((e): e is LiquidError => LiquidError.is(e));
  if (liquidErr === undefined) {
    const first = chain[0];
    return first instanceof Error ? first.message : String(first);
  }
  // The innermost error's own message is the cleanest; a LiquidError's message carries the suffix.
  const original = liquidErr.originalError;
  if (original !== undefined && !LiquidError.is(original)) return original.message;
  const pos = liquidPosition(liquidErr);
  let message = liquidErr.message;
  if (pos !== undefined) {
    const suffix = `${pos.file ? `, file:${pos.file}` : ''}, line:${pos.line}, col:${pos.column}`;
    if (message.endsWith(suffix)) message = message.slice(0, -suffix.length);
  }
  return message;
}
