// The one CIDR parser: canonical forms, host bits refused with the network named, /0 only on request.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normaliseEntries } from '../../src/allowlist/store.ts';
import { InvalidCidrError, parseCidr } from '../../src/net/cidr.ts';

const refusal = (entry: string, options = {}) => {
  try {
    parseCidr(entry, options);
  } catch (error) {
    assert.ok(error instanceof InvalidCidrError);
    return error.message;
  }
  assert.fail(`${entry} was accepted`);
};

describe('parseCidr', () => {
  test('a single address and its /32 or /128 are the same canonical entry', () => {
    assert.equal(parseCidr('203.0.113.7').canonical, '203.0.113.7/32');
    assert.equal(parseCidr(' 203.0.113.7/32 ').canonical, '203.0.113.7/32');
    assert.equal(parseCidr('2001:DB8:0:0:0:0:0:1').canonical, '2001:db8::1/128');
    assert.equal(parseCidr('2001:db8::/32').canonical, '2001:db8::/32');
  });

  test('host bits are refused, naming the network they would make', () => {
    assert.match(refusal('1.2.3.4/24'), /network would be 1\.2\.3\.0\/24.*Did you mean 1\.2\.3\.0\/24/);
    assert.match(refusal('1.2.3.4/0'), /network would be 0\.0\.0\.0\/0/);
    assert.match(refusal('1.2.3.4/0', { allowAny: true }), /host bits set/);
    assert.match(refusal('2001:db8::1/32'), /2001:db8::\/32/);
  });

  test('/0 is accepted only with allowAny', () => {
    assert.match(refusal('0.0.0.0/0'), /allow-any/);
    assert.match(refusal('::/0'), /allow-any/);
    assert.equal(parseCidr('0.0.0.0/0', { allowAny: true }).canonical, '0.0.0.0/0');
    assert.equal(parseCidr('::/0', { allowAny: true }).canonical, '::/0');
  });

  test('zone indexes, bad prefixes and non-addresses are refused', () => {
    assert.match(refusal('fe80::1%eth0'), /zone index/);
    assert.match(refusal('10.0.0.0/33'), /over 32/);
    assert.match(refusal('::/129'), /over 128/);
    assert.match(refusal('10.0.0.0/8/8'), /not an IP address/);
    assert.match(refusal('10.0.0.0/x'), /not a number/);
    assert.match(refusal('300.1.1.1'), /not an IP address/);
  });
});

describe('normaliseEntries', () => {
  test('de-duplicates canonical forms, keeping the first note, and names the refused entry', () => {
    assert.deepEqual(
      normaliseEntries([
        { cidr: '203.0.113.7', note: 'office' },
        { cidr: '203.0.113.7/32', note: 'again' },
      ]),
      [{ cidr: '203.0.113.7/32', note: 'office' }],
    );
    assert.throws(
      () => normaliseEntries([{ cidr: '10.0.0.0/8' }, { cidr: '10.0.0.1/8' }]),
      (error: unknown) => error instanceof InvalidCidrError && error.index === 1,
    );
  });
});
