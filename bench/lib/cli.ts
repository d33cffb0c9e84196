/**
 * Command-line helpers shared by the benchmark entry points (`bench/run.ts`, `bench/sessions.ts`):
 * a usage error that exits 2, and bounded integer options that name the bad value.
 */

/** A function that prints `<program>: <message>` and the usage text, then exits with status 2. */
export function usageFailure(program: string, usage: string): (message: string) => never {
  return (message) => {
    process.stderr.write(`${program}: ${message}\n\n${usage}\n`);
    process.exit(2);
  };
}

/**
 * An integer option between `min` and `max` (inclusive), `fallback` when absent.
 * Calls `fail` (which exits) naming the option and the value otherwise.
 */
export function intOption(fail: (message: string) => never, name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) fail(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}
