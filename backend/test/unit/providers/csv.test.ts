import assert from 'node:assert/strict';
import { parseFx, parsePrices } from '../../../src/providers/csv.js';

const FILE = '/data/2025-10-24/prices.csv';
const FX_FILE = '/data/2025-10-24/fx.csv';

describe('providers/csv parsing', () => {
  it('reads prices and FX in any column order', () => {
    assert.deepEqual(parsePrices('symbol,close,currency\nAAPL,262.82,USD\n"BRK.B",495.1,USD\n', FILE), [
      { symbol: 'AAPL', close: 262.82, currency: 'USD' },
      { symbol: 'BRK.B', close: 495.1, currency: 'USD' },
    ]);
    assert.deepEqual(parseFx('\uFEFFrate,base,quote\r\n1.16,EUR,USD\r\n', FX_FILE), [
      { base: 'EUR', quote: 'USD', rate: 1.16 },
    ]);
    assert.deepEqual(parseFx('base,quote,rate\n', FX_FILE), []);
  });

  const failures: [string, string, RegExp][] = [
    [
      'non-numeric close',
      'symbol,close,currency\nAAPL,262.82,USD\nMSFT,n/a,USD\n',
      /prices\.csv line 3: close "n\/a" is not a positive decimal number/,
    ],
    ['zero close', 'symbol,close,currency\nAAPL,0,USD\n', /prices\.csv line 2: close 0 must be positive/],
    [
      'negative close',
      'symbol,close,currency\nAAPL,-1.5,USD\n',
      /prices\.csv line 2: close "-1\.5" is not a positive decimal number/,
    ],
    ['empty close', 'symbol,close,currency\nAAPL,,USD\n', /line 2: close "" is not a positive decimal number/],
    ['bad currency', 'symbol,close,currency\nAAPL,1,usd\n', /line 2: currency "usd" is not valid/],
    [
      'duplicate symbol',
      'symbol,close,currency\nAAPL,1,USD\n\nAAPL,2,USD\n',
      /line 4: symbol AAPL appears more than once/,
    ],
    ['missing field', 'symbol,close,currency\nAAPL,1\n', /line 2: expected 3 fields, found 2/],
    [
      'wrong header',
      'ticker,close,currency\nAAPL,1,USD\n',
      /prices\.csv line 1: the header must be symbol,close,currency \(found ticker,close,currency\)/,
    ],
    ['extra column', 'symbol,close,currency,volume\nAAPL,1,USD,5\n', /line 1: the header must be/],
    ['empty file', '', /prices\.csv line 1: empty file/],
    ['unterminated quote', 'symbol,close,currency\nAAPL,1,USD\n"MSFT,2,USD\n', /prices\.csv line \d+: malformed CSV/],
  ];
  for (const [what, text, message] of failures) {
    it(`rejects a ${what}, naming the file and line`, () => {
      assert.throws(
        () => parsePrices(text, FILE),
        (e: Error) => {
          assert.match(e.message, message);
          assert.ok(e.message.startsWith(FILE), e.message);
          return true;
        },
      );
    });
  }

  it('rejects bad FX rows, naming the file and line', () => {
    assert.throws(
      () => parseFx('base,quote,rate\nEUR,USD,1.1\nGBP,USD,0\n', FX_FILE),
      /fx\.csv line 3: rate 0 must be positive/,
    );
    assert.throws(
      () => parseFx('base,quote,rate\nEUR,USD,abc\n', FX_FILE),
      /fx\.csv line 2: rate "abc" is not a positive decimal number/,
    );
    assert.throws(
      () => parseFx('base,quote,rate\nEUR,EUR,1\n', FX_FILE),
      /line 2: pair EUR\/EUR converts a currency to itself/,
    );
    assert.throws(
      () => parseFx('base,quote,rate\nEUR,USD,1.1\nUSD,EUR,0.9\n', FX_FILE),
      /line 3: pair USD\/EUR \(or its inverse\) appears more than once/,
    );
  });
});
