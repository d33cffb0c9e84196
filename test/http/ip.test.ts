// IP canonicalisation and CIDR matching (case C29: one spelling per address before matching).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { canonicalIp, CidrError, formatIp, ipInCidr, isLoopbackIp, parseCidr, parseIp } from '../../src/net/ip.ts';

/** WHATWG URL's IPv6 serialiser compresses like RFC 5952 §4: an independent oracle. */
function whatwgIpv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

describe('canonicalIp', () => {
  it('maps every spelling of an IPv4-mapped address to the IPv4 address', () => {
    for (const s of ['::ffff:127.0.0.1', '::FFFF:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:0001', '0:0::ffff:127.0.0.1', '::ffff:7F00:1%lo']) {
      assert.equal(canonicalIp(s), '127.0.0.1', s);
    }
  });

  it('writes IPv6 as RFC 5952 §4 says', () => {
    const cases: [string, string][] = [
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
      ['2001:db8:0:0:1:0:0:0', '2001:db8:0:0:1::'], // the longer run wins
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['1:0:0:0:0:0:0:0', '1::'],
      ['fe80::1%eth0', 'fe80::1'], // zone dropped
      ['::1.2.3.4', '::102:304'], // deprecated IPv4-compatible: not mapped, hex only
    ];
    for (const [input, want] of cases) assert.equal(canonicalIp(input), want, input);
  });

  it('refuses junk and ambiguous IPv4 forms instead of guessing', () => {
    for (const s of ['', ' 127.0.0.1', '127.0.0.1 ', '127.1', '127.0.0.1.', '010.0.0.1', '0x7f.0.0.1', '256.0.0.1', '1.2.3.4.5',
      '[::1]', '::1]', '1.2.3.4:80', ':::', '1:::2', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8',
      '::ffff:1.2.3', '1.2.3.4::', 'fe80::1%', 'fe80::1%a b', 'localhost', '::1/128', '١٢٧.0.0.1', 'x'.repeat(100)]) {
      assert.equal(canonicalIp(s), null, JSON.stringify(s));
    }
  });

  it('property: random IPv6 spellings agree with the WHATWG serialiser and are fixed points', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    const groups = fc.array(group, { minLength: 8, maxLength: 8 });
    const spelled = fc.tuple(groups, fc.boolean(), fc.boolean(), fc.nat(8), fc.nat(8)).map(([g, upper, pad, a, b]) => {
      const parts = g.map((x) => {
        let h = x.toString(16);
        if (pad) h = h.padStart(4, '0');
        return upper ? h.toUpperCase() : h;
      });
      // Compress an arbitrary all-zero window (not necessarily the longest), as a sender might.
      const [from, to] = a <= b ? [a, b] : [b, a];
      if (to - from >= 1 && g.slice(from, to).every((x) => x === 0)) return `${parts.slice(0, from).join(':')}::${parts.slice(to).join(':')}`;
      return parts.join(':');
    });
    fc.assert(fc.property(spelled, (text) => {
      assert.ok(isIPv6(text), text);
      const c = canonicalIp(text);
      assert.notEqual(c, null, text);
      assert.equal(canonicalIp(c!), c, 'idempotent');
      const oracle = whatwgIpv6(text);
      // WHATWG keeps the ::ffff: prefix; Phial folds it to IPv4.
      if (/^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(oracle)) assert.ok(isIPv4(c!), `${text} → ${c}`);
      else assert.equal(c, oracle, text);
    }), { numRuns: 2000 });
  });

  it('property: IPv4 round-trips and never accepts leading zeros', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (b) => {
      const text = b.join('.');
      assert.equal(canonicalIp(text), text);
      assert.equal(canonicalIp(`::ffff:${text}`), text);
      assert.equal(canonicalIp(text.replace(/^(\d)/, '0$1')), null);
    }));
  });

  it('property: any string gives null or a fixed point that Node agrees is an address', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 50 }), fc.stringMatching(/^[0-9a-fA-F:.%]{0,45}$/)), (s) => {
      const c = canonicalIp(s);
      if (c === null) return;
      assert.equal(canonicalIp(c), c);
      assert.ok(isIPv4(c) || isIPv6(c), `${JSON.stringify(s)} → ${c}`);
    }), { numRuns: 5000 });
  });
});

describe('parseCidr / ipInCidr', () => {
  it('matches IPv4-mapped peers against IPv4 ranges (C29: ::ffff:127.0.0.1 is 127.0.0.1)', () => {
    const lo = parseCidr('127.0.0.1/32');
    assert.ok(ipInCidr('127.0.0.1', lo));
    assert.ok(ipInCidr('::ffff:127.0.0.1', lo));
    assert.ok(ipInCidr('::FFFF:7f00:1', lo));
    assert.ok(!ipInCidr('127.0.0.2', lo));
    assert.ok(!ipInCidr('::1', lo));
    assert.ok(!ipInCidr('junk', lo));
  });

  it('handles prefixes on and off byte boundaries, both families', () => {
    const p12 = parseCidr('172.16.0.0/12');
    assert.ok(ipInCidr('172.31.255.255', p12));
    assert.ok(!ipInCidr('172.32.0.0', p12));
    assert.ok(!ipInCidr('172.15.255.255', p12));
    const ula = parseCidr('fc00::/7');
    assert.ok(ipInCidr('fd00::2', ula));
    assert.ok(ipInCidr('FC00:0:0::1', ula));
    assert.ok(!ipInCidr('fe80::1', ula));
    assert.ok(ipInCidr('1.2.3.4', parseCidr('0.0.0.0/0')));
    assert.ok(!ipInCidr('::1', parseCidr('0.0.0.0/0')), 'families never mix');
    assert.ok(ipInCidr('::1', parseCidr('::1')));
    assert.deepEqual(parseCidr('::ffff:10.0.0.0/104'), parseCidr('10.0.0.0/8'));
  });

  it('refuses bad ranges with an error naming the value', () => {
    for (const bad of ['10.1.0.0/8', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '::/129', 'x/8', '10.0.0.0/8/8', '::ffff:10.0.0.0/95', '']) {
      assert.throws(() => parseCidr(bad), (e: Error) => e instanceof CidrError && e.message.includes(JSON.stringify(bad)), bad);
    }
  });

  it('property: an address is in its own /32 or /128 and in /0 of its family', () => {
    const v4 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }).map((b) => formatIp({ family: 4, bytes: b }));
    const v6 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 16, maxLength: 16 }).map((b) => formatIp({ family: 6, bytes: b }));
    fc.assert(fc.property(fc.oneof(v4, v6), (addr) => {
      const ip = parseIp(addr)!;
      assert.ok(ipInCidr(addr, parseCidr(addr)));
      assert.ok(ipInCidr(addr, parseCidr(ip.family === 4 ? '0.0.0.0/0' : '::/0')));
    }));
  });
});

describe('isLoopbackIp', () => {
  it('is 127.0.0.0/8 and ::1 in every spelling, and nothing else', () => {
    for (const s of ['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:1']) assert.ok(isLoopbackIp(s), s);
    for (const s of ['', 'localhost', '128.0.0.1', '10.0.0.1', '::', '::2', '1::1', '::ffff:10.0.0.1', '127.1', '127.0.0.1.evil', '[::1]']) {
      assert.ok(!isLoopbackIp(s), s);
    }
    assert.ok(isLoopbackIp({ family: 4, bytes: [127, 0, 0, 1] }));
  });

  it('property: agrees with 127.0.0.0/8 ∪ ::1/128 on canonical addresses', () => {
    const lo4 = parseCidr('127.0.0.0/8');
    const lo6 = parseCidr('::1');
    const v4 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }).map((b) => formatIp({ family: 4, bytes: b }));
    const v6 = fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 16, maxLength: 16 }).map((b) => formatIp({ family: 6, bytes: b }));
    fc.assert(fc.property(fc.oneof(v4, v6, fc.constant('::1')), (addr) => {
      assert.equal(isLoopbackIp(addr), ipInCidr(addr, lo4) || ipInCidr(addr, lo6));
    }));
  });
});
