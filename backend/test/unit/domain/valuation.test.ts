import assert from 'node:assert/strict';
import type { FxRate } from '../../../src/domain/fx.js';
import { valuePortfolio, type CashInput, type HoldingInput } from '../../../src/domain/valuation.js';

function holding(
  symbol: string,
  currency: string,
  quantity: number,
  cost_basis: number,
  extra: Partial<HoldingInput> = {},
): HoldingInput {
  return {
    symbol,
    name: `${symbol} Inc.`,
    sector: 'Technology',
    asset_class: 'equity',
    currency,
    quantity,
    cost_basis,
    ...extra,
  };
}

// 1 EUR = 1.25 USD: a binary-exact rate, so every reference value below is exact.
const RATES: FxRate[] = [{ base: 'EUR', quote: 'USD', rate: 1.25 }];

describe('domain/valuation valuePortfolio', () => {
  // AAA: 10 x 100 USD = 1000 USD, cost 900 USD.
  // BBB: 20 x 25 EUR = 500 EUR = 625 USD, cost 400 EUR = 500 USD.
  // Cash: 250 USD, 100 EUR = 125 USD.   Total 1000 + 625 + 250 + 125 = 2000 USD.
  const holdings = [holding('BBB', 'EUR', 20, 400), holding('AAA', 'USD', 10, 900)];
  const cash: CashInput[] = [
    { currency: 'USD', balance: 250 },
    { currency: 'EUR', balance: 100 },
  ];
  const closes = new Map([
    ['AAA', 100],
    ['BBB', 25],
  ]);

  it('values holdings in two currencies and totals them in the base currency', () => {
    const v = valuePortfolio(holdings, cash, closes, RATES, 'USD');
    assert.deepEqual(v.issues, []);
    assert.deepEqual(v.totals, {
      base_currency: 'USD',
      positions_value: 1625,
      cash_value: 375,
      total_value: 2000,
      cost_basis: 1400,
      unrealized_pnl: 225,
      complete: true,
    });
    const [aaa, bbb] = v.holdings;
    assert.deepEqual(aaa, {
      symbol: 'AAA',
      name: 'AAA Inc.',
      sector: 'Technology',
      asset_class: 'equity',
      currency: 'USD',
      quantity: 10,
      price: 100,
      cost_basis: 900,
      market_value: 1000,
      unrealized_pnl: 100,
      fx_rate: 1,
      market_value_base: 1000,
      cost_basis_base: 900,
      unrealized_pnl_base: 100,
      weight: 0.5,
    });
    assert.equal(bbb!.symbol, 'BBB');
    assert.equal(bbb!.market_value, 500, 'market value in the holding currency');
    assert.equal(bbb!.unrealized_pnl, 100, 'P&L in the holding currency');
    assert.equal(bbb!.fx_rate, 1.25);
    assert.equal(bbb!.market_value_base, 625);
    assert.equal(bbb!.weight, 0.3125);
    assert.deepEqual(v.cash, [
      { currency: 'EUR', balance: 100, fx_rate: 1.25, value_base: 125, weight: 0.0625 },
      { currency: 'USD', balance: 250, fx_rate: 1, value_base: 250, weight: 0.125 },
    ]);
  });

  it('converts the cost basis at the pack FX rate, not at a historical one', () => {
    const v = valuePortfolio(holdings, cash, closes, RATES, 'USD');
    const bbb = v.holdings.find((h) => h.symbol === 'BBB')!;
    assert.equal(bbb.cost_basis, 400, 'cost basis stays in EUR');
    assert.equal(bbb.cost_basis_base, 500, '400 EUR at the pack rate 1.25');
    assert.equal(bbb.unrealized_pnl_base, 125, '625 - 500');
  });

  it('values the same portfolio in another base currency through the inverse rate', () => {
    // In EUR: AAA 1000 USD = 800 EUR, BBB 500 EUR, cash 250 USD = 200 EUR and 100 EUR. Total 1600.
    const v = valuePortfolio(holdings, cash, closes, RATES, 'EUR');
    assert.deepEqual(v.issues, []);
    assert.deepEqual(v.totals, {
      base_currency: 'EUR',
      positions_value: 1300,
      cash_value: 300,
      total_value: 1600,
      cost_basis: 1120, // 900 USD * 0.8 + 400 EUR
      unrealized_pnl: 180,
      complete: true,
    });
    const aaa = v.holdings.find((h) => h.symbol === 'AAA')!;
    assert.equal(aaa.fx_rate, 0.8);
    assert.equal(aaa.market_value_base, 800);
    assert.equal(aaa.cost_basis_base, 720);
    assert.equal(aaa.unrealized_pnl, 100, 'local P&L does not depend on the base currency');
    assert.equal(aaa.weight, 0.5);
    assert.deepEqual(
      v.cash.map((c) => [c.currency, c.value_base, c.weight]),
      [
        ['EUR', 100, 0.0625],
        ['USD', 200, 0.125],
      ],
    );
  });

  it('returns holdings sorted by symbol and cash by currency whatever the input order', () => {
    const v = valuePortfolio([...holdings].reverse(), [...cash].reverse(), closes, RATES, 'USD');
    const w = valuePortfolio(holdings, cash, closes, RATES, 'USD');
    assert.deepEqual(v, w);
    assert.deepEqual(
      v.holdings.map((h) => h.symbol),
      ['AAA', 'BBB'],
    );
    assert.deepEqual(
      v.cash.map((c) => c.currency),
      ['EUR', 'USD'],
    );
  });

  it('gives weights that sum to 1 across holdings and cash', () => {
    // Three equal thirds round to 0.333333 each: the sum is within the rounding of each weight.
    const thirds = valuePortfolio(
      [holding('AAA', 'USD', 1, 1), holding('BBB', 'USD', 1, 1)],
      [{ currency: 'USD', balance: 10 }],
      new Map([
        ['AAA', 10],
        ['BBB', 10],
      ]),
      [],
      'USD',
    );
    const weights = [...thirds.holdings.map((h) => h.weight!), ...thirds.cash.map((c) => c.weight!)];
    assert.deepEqual(weights, [0.333333, 0.333333, 0.333333]);
    const exact = valuePortfolio(holdings, cash, closes, RATES, 'USD');
    const sum = [...exact.holdings.map((h) => h.weight!), ...exact.cash.map((c) => c.weight!)].reduce(
      (a, b) => a + b,
      0,
    );
    assert.equal(sum, 1);
  });

  it('reports a missing price, leaves the holding out of the totals and marks them incomplete', () => {
    const v = valuePortfolio(
      [...holdings, holding('CCC', 'USD', 5, 300)],
      cash,
      closes, // no close for CCC
      RATES,
      'USD',
    );
    assert.deepEqual(
      v.issues.map((i) => i.code),
      ['missing_price'],
    );
    assert.match(v.issues[0]!.message, /CCC/);
    const ccc = v.holdings.find((h) => h.symbol === 'CCC')!;
    assert.equal(ccc.price, null);
    assert.equal(ccc.market_value, null);
    assert.equal(ccc.market_value_base, null);
    assert.equal(ccc.unrealized_pnl, null);
    assert.equal(ccc.unrealized_pnl_base, null);
    assert.equal(ccc.weight, null);
    // Nothing of CCC, not even its cost, reaches the totals: they are the ones without it.
    assert.deepEqual(v.totals, {
      base_currency: 'USD',
      positions_value: 1625,
      cash_value: 375,
      total_value: 2000,
      cost_basis: 1400,
      unrealized_pnl: 225,
      complete: false,
    });
    assert.equal(v.holdings.find((h) => h.symbol === 'AAA')!.weight, 0.5, 'weights are shares of what could be valued');
  });

  it('reports a missing FX rate once per currency and leaves those items out of the totals', () => {
    // GBP holding and GBP cash, but the pack has no GBP rate.
    const v = valuePortfolio(
      [holding('AAA', 'USD', 10, 900), holding('GGG', 'GBP', 4, 20)],
      [
        { currency: 'USD', balance: 1000 },
        { currency: 'GBP', balance: 50 },
      ],
      new Map([
        ['AAA', 100],
        ['GGG', 10],
      ]),
      RATES,
      'USD',
    );
    assert.deepEqual(
      v.issues.map((i) => i.code),
      ['missing_fx_rate'],
    );
    assert.match(v.issues[0]!.message, /GBP/);
    const ggg = v.holdings.find((h) => h.symbol === 'GGG')!;
    assert.equal(ggg.market_value, 40, 'still valued in its own currency');
    assert.equal(ggg.unrealized_pnl, 20);
    assert.equal(ggg.fx_rate, null);
    assert.equal(ggg.market_value_base, null);
    assert.equal(ggg.cost_basis_base, null);
    assert.equal(ggg.weight, null);
    const gbp = v.cash.find((c) => c.currency === 'GBP')!;
    assert.deepEqual(gbp, { currency: 'GBP', balance: 50, fx_rate: null, value_base: null, weight: null });
    assert.equal(v.totals.total_value, 2000);
    assert.equal(v.totals.cost_basis, 900);
    assert.equal(v.totals.complete, false);
  });

  it('reports negative cash but keeps it in the totals and the valuation complete', () => {
    const v = valuePortfolio(
      [holding('AAA', 'USD', 10, 900)],
      [{ currency: 'USD', balance: -200 }],
      closes,
      RATES,
      'USD',
    );
    assert.deepEqual(
      v.issues.map((i) => i.code),
      ['negative_cash'],
    );
    assert.match(v.issues[0]!.message, /USD/);
    assert.equal(v.totals.cash_value, -200);
    assert.equal(v.totals.total_value, 800);
    assert.equal(v.totals.complete, true);
    assert.equal(v.cash[0]!.weight, -0.25);
    assert.equal(v.holdings[0]!.weight, 1.25);
  });

  it('values an empty portfolio at 0 with no weights', () => {
    const empty = valuePortfolio([], [], new Map(), [], 'USD');
    assert.deepEqual(empty, {
      holdings: [],
      cash: [],
      totals: {
        base_currency: 'USD',
        positions_value: 0,
        cash_value: 0,
        total_value: 0,
        cost_basis: 0,
        unrealized_pnl: 0,
        complete: true,
      },
      issues: [],
    });
    const zeroCash = valuePortfolio([], [{ currency: 'USD', balance: 0 }], new Map(), [], 'USD');
    assert.equal(zeroCash.totals.total_value, 0);
    assert.equal(zeroCash.cash[0]!.weight, null, 'a share of nothing is not a number');
  });

  it('rounds money to 4 decimals and weights to 6, after summing', () => {
    // 3 x 33.33336 = 100.00008 USD; cash 0.00001 USD; total 100.00009 USD.
    const v = valuePortfolio(
      [holding('AAA', 'USD', 3, 99.99999)],
      [{ currency: 'USD', balance: 0.00001 }],
      new Map([['AAA', 33.33336]]),
      [],
      'USD',
    );
    assert.equal(v.holdings[0]!.market_value, 100.0001);
    assert.equal(v.holdings[0]!.cost_basis, 100);
    assert.equal(v.cash[0]!.balance, 0);
    assert.equal(v.totals.total_value, 100.0001);
    assert.equal(v.holdings[0]!.weight, 1);
    assert.equal(v.cash[0]!.weight, 0);
  });
});
