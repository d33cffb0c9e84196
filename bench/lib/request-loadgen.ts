/**
 * wrk with request headers and, for methods other than GET, a method and body set by a Lua
 * script: the {@link LoadGenerator} that replays a logged-in browser's request (its `Cookie`
 * header, a form post with its CSRF token). The plain `wrk` of `loadgen.ts` only sends bare GETs.
 *
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capture, parseWrk, type LoadGenerator, type LoadSettings } from './loadgen.ts';

/** The request wrk sends on every connection, over and over. */
export interface ReplayedRequest {
  readonly method: 'GET' | 'POST';
  /** Header name → value, sent with `-H`; values must not contain CR or LF. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Body for POST, already form-encoded: only `[A-Za-z0-9%&=._~+-]`, so it is a valid Lua
   * string literal without escaping.
   */
  readonly body?: string;
}

const SAFE_BODY = /^[A-Za-z0-9%&=._~+-]*$/;

/** A replayable request plus the temp folder holding its Lua script, if it needs one. */
export interface ReplayGenerator extends LoadGenerator {
  /** Removes the Lua script (safe to call twice). */
  dispose(): void;
}

/**
 * A wrk-based load generator that sends `req` instead of a bare GET. `version` is the installed
 * wrk's, as found by `findWrk()`.
 *
 * @throws {TypeError} for a header value with CR/LF or a body outside the safe characters.
 */
export function replayGenerator(version: string, req: ReplayedRequest): ReplayGenerator {
  const headerArgs: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new TypeError(`header ${JSON.stringify(name)} contains CR or LF`);
    headerArgs.push('-H', `${name}: ${value}`);
  }
  let dir: string | undefined;
  const scriptArgs: string[] = [];
  if (req.method !== 'GET' || req.body !== undefined) {
    const body = req.body ?? '';
    if (!SAFE_BODY.test(body)) throw new TypeError('body must be form-encoded ([A-Za-z0-9%&=._~+-] only)');
    dir = mkdtempSync(join(tmpdir(), 'phial-bench-wrk-'));
    const script = join(dir, 'request.lua');
    // Static method/body: wrk builds the request once and replays it, so Lua costs nothing per request.
    writeFileSync(script, `wrk.method = "${req.method}"\nwrk.body = "${body}"\n`);
    scriptArgs.push('-s', script);
  }
  const args = (settings: LoadSettings, seconds: number | string, url: string, shown: boolean): string[] => [
    '-t1', `-c${settings.connections}`, `-d${seconds}s`, '--timeout', '5s', '--latency',
    ...(shown ? Object.keys(req.headers).flatMap((name) => ['-H', `'${name}: <${name.toLowerCase()}>'`]) : headerArgs),
    ...(shown && scriptArgs.length > 0 ? ['-s', `<${req.method.toLowerCase()}.lua>`] : scriptArgs),
    url,
  ];
  return {
    name: 'wrk',
    version,
    describe: (settings) => `${settings.pinning.enabled ? 'taskset -c 1 ' : ''}wrk ${args(settings, '<s>', '<url>', true).join(' ')}`,
    run: async (url, seconds, settings, onStart) =>
      parseWrk(await capture('wrk', args(settings, seconds, url, false), settings, (seconds + 15) * 1000, onStart)),
    dispose: () => {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
