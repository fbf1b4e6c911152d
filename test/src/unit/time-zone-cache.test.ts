import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cachedTimeZoneCount, canonicalTimeZone, isValidTimeZone, zonedParts } from '@jobnest/common';

/** Every upper/lower-case spelling of `name` for the first `count` bit patterns. */
function caseVariants(name: string, count: number): string[] {
  const letters = [...name].map((c, i) => ({ c, i })).filter(({ c }) => c.toLowerCase() !== c.toUpperCase());
  const out: string[] = [];
  for (let mask = 0; mask < count; mask++) {
    const chars = [...name];
    letters.forEach(({ c, i }, bit) => (chars[i] = (mask >> bit) & 1 ? c.toUpperCase() : c.toLowerCase()));
    out.push(chars.join(''));
  }
  return out;
}

describe('time zone formatter cache', () => {
  it('keeps one formatter for every spelling of a zone', () => {
    const variants = caseVariants('Pacific/Chatham', 300);
    assert.equal(new Set(variants).size, 300);
    const before = cachedTimeZoneCount();
    const at = Date.UTC(2026, 0, 15, 12, 0, 0);
    const expected = zonedParts(at, 'Pacific/Chatham');
    for (const zone of variants) {
      assert.ok(isValidTimeZone(zone), zone);
      assert.deepEqual(zonedParts(at, zone), expected, zone);
    }
    assert.equal(cachedTimeZoneCount() - before, 1);
  });

  it('names a zone by its canonical spelling', () => {
    assert.equal(canonicalTimeZone('europe/PARIS'), 'Europe/Paris');
    assert.equal(isValidTimeZone('Mars/Olympus'), false);
    assert.throws(() => canonicalTimeZone('Mars/Olympus'), RangeError);
  });
});
