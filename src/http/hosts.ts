/**
 * Trusted-host checks (Flask 3.1's `TRUSTED_HOSTS`, Django's `ALLOWED_HOSTS`).
 *
 * An entry is an exact host name (`app.example`) or, with a leading dot, a domain and all its
 * subdomains (`.example.com` matches `example.com` and `a.example.com`). Ports are ignored;
 * comparison is case-insensitive. A Host header that is not a syntactically valid host never
 * matches.
 *
 * @module
 */

const HOST = /^(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::[0-9]{1,5})?$/;

/** Lower-cased host name without port, or null when the header is not a valid host. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const h = header.toLowerCase();
  if (h.length > 255 || !HOST.test(h)) return null;
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  const name = colon === -1 ? h : h.slice(0, colon);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** Whether the Host header names one of `trusted`. */
export function isTrustedHost(header: string | undefined, trusted: readonly string[]): boolean {
  const name = hostName(header);
  if (name === null) return false;
  for (const entry of trusted) {
    const e = entry.toLowerCase();
    if (e.startsWith('.')) {
      if (name === e.slice(1) || name.endsWith(e)) return true;
    } else if (name === e) {
      return true;
    }
  }
  return false;
}
