import assert from 'node:assert/strict';
import { parseSnapshotBody } from '../../../src/providers/http.js';

const body = (over: object = {}) =>
  JSON.stringify({
    date: '2025-10-24',
    prices: [
      { symbol: 'AAPL', close: 262.82, currency: 'USD' },
      { symbol: 'SAP.DE', close: 230.15, currency: 'EUR' },
    ],
    fx: [{ base: 'EUR', quote: 'USD', rate: 1.16 }],
    ...over,
  });

describe('providers/http response validation', () => {
  it('accepts the wire format, ignoring fields it does not know', () => {
    const s = parseSnapshotBody(
      body({ vendor: 'x', prices: [{ symbol: 'AAPL', close: 262.82, currency: 'USD', volume: 1 }] }),
      '2025-10-24',
    );
    assert.deepEqual(s, {
      date: '2025-10-24',
      prices: [{ symbol: 'AAPL', close: 262.82, currency: 'USD' }],
      fx: [{ base: 'EUR', quote: 'USD', rate: 1.16 }],
    });
  });

  const cases: [string, string, RegExp][] = [
    ['malformed JSON', '{"date": "2025-10-24", "prices": [', /response is not valid JSON/],
    ['a missing list', JSON.stringify({ date: '2025-10-24', prices: [] }), /does not match the snapshot format: fx: /],
    ['a string close', body({ prices: [{ symbol: 'AAPL', close: '262.82', currency: 'USD' }] }), /prices\.0\.close: /],
    ['a zero close', body({ prices: [{ symbol: 'AAPL', close: 0, currency: 'USD' }] }), /prices\.0\.close: /],
    ['a negative rate', body({ fx: [{ base: 'EUR', quote: 'USD', rate: -1 }] }), /fx\.0\.rate: /],
    [
      'a bad currency',
      body({ fx: [{ base: 'euro', quote: 'USD', rate: 1 }] }),
      /fx\.0\.base: must be a 3-letter currency code/,
    ],
    [
      'a duplicate symbol',
      body({
        prices: [
          { symbol: 'AAPL', close: 1, currency: 'USD' },
          { symbol: 'AAPL', close: 2, currency: 'USD' },
        ],
      }),
      /prices\.1: AAPL appears more than once/,
    ],
    ['another date', body({ date: '2025-10-23' }), /response is for 2025-10-23, not the requested 2025-10-24/],
    ['an array body', '[]', /snapshot format: \(body\): /],
  ];
  for (const [what, text, message] of cases) {
    it(`rejects ${what} as a permanent error saying what is wrong`, () => {
      assert.throws(
        () => parseSnapshotBody(text, '2025-10-24'),
        (e: Error & { kind?: string }) => {
          assert.match(e.message, message);
          assert.equal(e.kind, 'permanent');
          return true;
        },
      );
    });
  }
});
