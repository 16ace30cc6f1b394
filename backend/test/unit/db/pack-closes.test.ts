import assert from 'node:assert/strict';
import { encodeCloses, listSlots, pickCloses, symbolListId } from '../../../src/db/repositories/pack-closes.js';

describe('compact pack closes', () => {
  const list = ['AAA', 'BBB', 'CCC', 'DDD'];
  const closes = [1 / 3, -0.5, 1e300, 2 ** -1074];
  const stored = encodeCloses(closes);

  it('keeps each close as the same double, 8 bytes little-endian', () => {
    assert.equal(stored.length, 32);
    closes.forEach((c, i) => assert.equal(stored.readDoubleLE(i * 8), c));
  });

  it('picks the wanted symbols the list has, and behaves as a map of them', () => {
    const picked = pickCloses(listSlots(list, new Set(['DDD', 'BBB', 'ZZZ'])), stored);
    const expected = new Map([
      ['BBB', -0.5],
      ['DDD', 2 ** -1074],
    ]);
    assert.equal(picked.size, 2);
    assert.equal(picked.get('BBB'), -0.5);
    assert.equal(picked.get('AAA'), undefined);
    assert.equal(picked.get('ZZZ'), undefined);
    assert.equal(picked.has('DDD'), true);
    assert.equal(picked.has('CCC'), false);
    assert.deepEqual([...picked], [...expected]);
    assert.deepEqual([...picked.entries()], [...expected.entries()]);
    assert.deepEqual([...picked.keys()], [...expected.keys()]);
    assert.deepEqual([...picked.values()], [...expected.values()]);
    const seen: [string, number][] = [];
    picked.forEach((c, s, map) => {
      assert.equal(map, picked);
      seen.push([s, c]);
    });
    assert.deepEqual(seen, [...expected]);
  });

  it('picks nothing from a list without the wanted symbols', () => {
    const picked = pickCloses(listSlots([], new Set(['AAA'])), encodeCloses([]));
    assert.equal(picked.size, 0);
    assert.deepEqual([...picked], []);
  });

  it('names a symbol list by its content', () => {
    assert.equal(symbolListId(list), symbolListId([...list]));
    assert.notEqual(symbolListId(list), symbolListId(list.slice(1)));
    assert.match(symbolListId([]), /^[0-9a-f]{64}$/);
  });
});
