/**
 * Finds a Python that can `import flask` and runs the interop fixture with it. `/usr/bin/python3`
 * (Debian's python3-flask, what CI installs) is tried first, then `python3` on PATH.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const CANDIDATES = ['/usr/bin/python3', 'python3'];
const SCRIPT = join(import.meta.dirname, 'fixtures', 'flask_session.py');

/** The first interpreter with Flask, with its Flask version, or `null`. */
export function findFlaskPython(): { python: string; flask: string } | null {
  for (const python of CANDIDATES) {
    try {
      const flask = execFileSync(python, ['-c', 'import flask, importlib.metadata as m; print(m.version("flask"))'], {
        encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000,
      }).trim();
      return { python, flask };
    } catch { /* next candidate */ }
  }
  return null;
}

/** Why the interop suite does not run here; under CI=true the suite fails instead of skipping. */
export const NO_FLASK = 'no Python with Flask found (tried /usr/bin/python3, python3); install python3-flask to run the Flask interop tests';

/** Runs a batch of fixture commands in one Python process and returns their results in order. */
export function runFlask<T = Record<string, unknown>>(python: string, commands: readonly object[]): T[] {
  const out = execFileSync(python, [SCRIPT], { input: JSON.stringify(commands), encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(out) as T[];
}
