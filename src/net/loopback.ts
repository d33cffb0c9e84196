/**
 * Whether a bind address or host name is loopback: the production guard (a public bind needs
 * `trustedHosts`), the database TLS rule (a remote PostgreSQL host needs TLS) and development
 * cookies over plain HTTP all ask this one question.
 *
 * @module
 */
import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * True for loopback binds only: `localhost`, 127.0.0.0/8, `::1` (also bracketed or
 * IPv4-mapped). `0.0.0.0`, `::`, `''` (all interfaces), LAN addresses and other names are not.
 *
 * @example isLoopbackHost('[::1]') // true; isLoopbackHost('0.0.0.0') // false
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  if (h === 'localhost') return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 6 ? 'ipv6' : 'ipv4');
}
