import assert from 'node:assert/strict';
import { allocate, CASH_BUCKET, type Bucket } from '../../../src/domain/allocation.js';
import { valuePortfolio, type CashInput, type HoldingInput } from '../../../src/domain/valuation.js';

function holding(
  symbol: string,
  sector: string,
  currency: string,
  asset_class: string,
  quantity: number,
): HoldingInput {
  return { symbol, name: `${symbol} name`, sector, asset_class, currency, quantity, cost_basis: 1 };
}

const sum = (buckets: readonly Bucket[]) => buckets.reduce((s, b) => s + b.value_base, 0);

describe('domain/allocation allocate', () => {
  // In USD (1 EUR = 1.25 USD):
  //   AAA Tech   USD equity        10 x 100      = 1000
  //   BBB Tech   EUR equity        20 x 25 EUR   =  625
  //   CCC Bonds  USD fixed_income   5 x 50       =  250
  //   cash USD 125                                =  125     total 2000
  const valuation = valuePortfolio(
    [
      holding('AAA', 'Tech', 'USD', 'equity', 10),
      holding('BBB', 'Tech', 'EUR', 'equity', 20),
      holding('CCC', 'Bonds', 'USD', 'fixed_income', 5),
    ],
    [{ currency: 'USD', balance: 125 }],
    new Map([
      ['AAA', 100],
      ['BBB', 25],
      ['CCC', 50],
    ]),
    [{ base: 'EUR', quote: 'USD', rate: 1.25 }],
    'USD',
  );

  it('breaks the portfolio down by sector, currency and asset class, largest first', () => {
    const a = allocate(valuation, 10);
    assert.deepEqual(a.by_sector, [
      { key: 'Tech', value_base: 1625, weight: 0.8125 },
      { key: 'Bonds', value_base: 250, weight: 0.125 },
      { key: CASH_BUCKET, value_base: 125, weight: 0.0625 },
    ]);
    assert.deepEqual(a.by_currency, [
      { key: 'USD', value_base: 1375, weight: 0.6875 },
      { key: 'EUR', value_base: 625, weight: 0.3125 },
    ]);
    assert.deepEqual(a.by_asset_class, [
      { key: 'equity', value_base: 1625, weight: 0.8125 },
      { key: 'fixed_income', value_base: 250, weight: 0.125 },
      { key: 'cash', value_base: 125, weight: 0.0625 },
    ]);
  });

  it('gives breakdowns that each sum to the total value, cash included', () => {
    const a = allocate(valuation, 10);
    for (const b of [a.by_sector, a.by_currency, a.by_asset_class]) {
      assert.equal(sum(b), valuation.totals.total_value);
      assert.equal(
        b.reduce((s, x) => s + x.weight, 0),
        1,
      );
    }
  });

  it('puts cash in every currency it is held in, in its own sector and asset class', () => {
    const v = valuePortfolio(
      [holding('AAA', 'Tech', 'USD', 'equity', 1)],
      [
        { currency: 'USD', balance: 100 },
        { currency: 'EUR', balance: 80 }, // 100 USD
      ] satisfies CashInput[],
      new Map([['AAA', 100]]),
      [{ base: 'EUR', quote: 'USD', rate: 1.25 }],
      'USD',
    );
    const a = allocate(v, 5);
    assert.deepEqual(
      a.by_sector.find((b) => b.key === CASH_BUCKET),
      { key: CASH_BUCKET, value_base: 200, weight: 0.666667 },
    );
    assert.deepEqual(
      a.by_asset_class.find((b) => b.key === 'cash'),
      { key: 'cash', value_base: 200, weight: 0.666667 },
    );
    assert.deepEqual(a.by_currency, [
      { key: 'USD', value_base: 200, weight: 0.666667 },
      { key: 'EUR', value_base: 100, weight: 0.333333 },
    ]);
    assert.deepEqual(
      a.top_holdings.map((h) => h.symbol),
      ['AAA'],
      'cash is not a holding',
    );
  });

  it('ranks the top N holdings and reports their share of the portfolio', () => {
    const two = allocate(valuation, 2);
    assert.deepEqual(two.top_holdings, [
      { symbol: 'AAA', name: 'AAA name', value_base: 1000, weight: 0.5 },
      { symbol: 'BBB', name: 'BBB name', value_base: 625, weight: 0.3125 },
    ]);
    assert.equal(two.top_n, 2);
    assert.equal(two.top_n_concentration, 0.8125); // 1625 / 2000

    const one = allocate(valuation, 1);
    assert.equal(one.top_n_concentration, 0.5);

    // More positions asked for than held: all of them, and cash is still outside the share.
    const all = allocate(valuation, 10);
    assert.equal(all.top_holdings.length, 3);
    assert.equal(all.top_n_concentration, 0.9375); // 1875 / 2000
  });

  it('breaks ties by key and by symbol, so equal values always come out in the same order', () => {
    const v = valuePortfolio(
      [
        holding('ZZZ', 'Utilities', 'USD', 'equity', 5),
        holding('MMM', 'Energy', 'USD', 'equity', 5),
        holding('AAA', 'Materials', 'USD', 'equity', 5),
      ],
      [],
      new Map([
        ['ZZZ', 100],
        ['MMM', 100],
        ['AAA', 100],
      ]),
      [],
      'USD',
    );
    const a = allocate(v, 2);
    assert.deepEqual(
      a.by_sector.map((b) => b.key),
      ['Energy', 'Materials', 'Utilities'],
    );
    assert.deepEqual(
      a.top_holdings.map((h) => h.symbol),
      ['AAA', 'MMM'],
    );
    assert.equal(a.top_n_concentration, 0.666667);
  });

  it('leaves out holdings that could not be valued, so the breakdowns still sum to the total', () => {
    const v = valuePortfolio(
      [holding('AAA', 'Tech', 'USD', 'equity', 10), holding('NOP', 'Energy', 'USD', 'equity', 10)],
      [{ currency: 'USD', balance: 100 }],
      new Map([['AAA', 90]]), // no price for NOP
      [],
      'USD',
    );
    assert.equal(v.totals.complete, false);
    const a = allocate(v, 10);
    assert.deepEqual(
      a.by_sector.map((b) => b.key),
      ['Tech', CASH_BUCKET],
    );
    assert.equal(sum(a.by_sector), 1000);
    assert.equal(v.totals.total_value, 1000);
    assert.deepEqual(
      a.top_holdings.map((h) => h.symbol),
      ['AAA'],
    );
  });

  it('gives an empty portfolio empty breakdowns and no concentration', () => {
    const a = allocate(valuePortfolio([], [], new Map(), [], 'USD'), 10);
    assert.deepEqual(a, {
      by_sector: [],
      by_currency: [],
      by_asset_class: [],
      top_holdings: [],
      top_n_concentration: 0,
      top_n: 10,
    });
  });
});
