/**
 * Request headers that may appear only once.
 *
 * For a handful of headers node:http keeps the first copy and silently drops the others
 * (`IncomingMessage.headers`; the list is Node's `matchKnownFields`), while a proxy, a cache or
 * another framework in front of the app may keep the last one. Two components that read
 * different copies of `Content-Type` parse the body as different things (the parser/validator
 * disagreement of case C23), and two readings of `Host` reach different virtual hosts. RFC 9110
 * §5.3 allows a field line to repeat only when its value is a list, which these are not, so a
 * repeated copy is a 400 before routing, read from `rawHeaders` where every copy is still present.
 *
 * @module
 */

// Node's first-wins request headers (lower-case → spelling used in the 400 message). The
// response-only ones of Node's list (Location, ETag, Server, …) mean nothing in a request.
const SINGLETONS: ReadonlyMap<string, string> = new Map([
  ['host', 'Host'],
  ['content-type', 'Content-Type'],
  ['content-length', 'Content-Length'],
  ['authorization', 'Authorization'],
  ['proxy-authorization', 'Proxy-Authorization'],
  ['referer', 'Referer'],
  ['user-agent', 'User-Agent'],
  ['from', 'From'],
  ['if-modified-since', 'If-Modified-Since'],
  ['if-unmodified-since', 'If-Unmodified-Since'],
  ['max-forwards', 'Max-Forwards'],
]);

// Bit n set when some singleton name has n characters: most other names skip the lower-casing.
const LENGTHS = [...SINGLETONS.keys()].reduce((mask, name) => mask | (1 << name.length), 0);

/**
 * Finds the first singleton header (see the module notes) that appears more than once.
 *
 * @param raw - Node's `rawHeaders`: names and values alternating, names as sent (any case)
 * @returns the header's canonical spelling (e.g. `Content-Type`), or undefined when none repeats;
 *   never throws
 * @example repeatedSingletonHeader(['Host', 'a', 'Content-Type', 'text/plain', 'content-type', 'application/json']) // 'Content-Type'
 */
export function repeatedSingletonHeader(raw: readonly string[]): string | undefined {
  let seen: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length > 30 || (LENGTHS & (1 << name.length)) === 0) continue;
    const lower = name.toLowerCase();
    const canonical = SINGLETONS.get(lower);
    if (canonical === undefined) continue;
    if (seen === undefined) seen = [lower];
    else if (seen.includes(lower)) return canonical;
    else seen.push(lower);
  }
  return undefined;
}
