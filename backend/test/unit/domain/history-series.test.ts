import assert from 'node:assert/strict';
import type { DayMarket } from '../../../src/domain/history.js';
import { HISTORY_METHOD, historySeries, marketsInForce, type DatedMarket } from '../../../src/domain/history-series.js';

const market = (closes: Record<string, number>): DayMarket => ({ closes: new Map(Object.entries(closes)), fx: [] });

// Friday 3 January (in force before the period), then Monday to Wednesday; Tuesday lacks SPY.
const MARKETS: DatedMarket[] = [
  { date: '2025-01-03', data: market({ SPY: 100 }) },
  { date: '2025-01-06', data: market({ SPY: 101 }) },
  { date: '2025-01-07', data: market({}) },
  { date: '2025-01-08', data: market({ SPY: 99.5 }) },
];

describe('domain marketsInForce', () => {
  it('answers each day with the newest pack dated on or before it, null before the first', () => {
    const on = marketsInForce(MARKETS);
    assert.equal(on('2025-01-02'), null);
    assert.equal(on('2025-01-03'), MARKETS[0]!.data);
    // The weekend keeps Friday's pack: the same object, so its closes are read once.
    assert.equal(on('2025-01-04'), MARKETS[0]!.data);
    assert.equal(on('2025-01-05'), MARKETS[0]!.data);
    assert.equal(on('2025-01-06'), MARKETS[1]!.data);
    assert.equal(on('2025-01-09'), MARKETS[3]!.data);
  });

  it('has nothing in force on any day without packs', () => {
    assert.equal(marketsInForce([])('2025-01-06'), null);
  });
});

describe('domain historySeries (history.values)', () => {
  const history = {
    points: [
      { date: '2025-01-05', value: 1000.123449, inflow: 0, outflow: 0 },
      { date: '2025-01-06', value: 1100.00005, inflow: 99.99995, outflow: 0 },
      { date: '2025-01-07', value: 1090, inflow: 0, outflow: 10.5 },
      { date: '2025-01-08', value: 1095, inflow: 0, outflow: 0 },
    ],
    warnings: [],
  };

  it("rounds money to 4 decimals and lists the period's pricing days, not the pack in force before it", () => {
    const s = historySeries({
      baseCurrency: 'USD',
      start: '2025-01-05',
      end: '2025-01-08',
      history,
      markets: MARKETS,
      benchmark: null,
    });
    assert.deepEqual(s.points[0], { date: '2025-01-05', value: 1000.1234, inflow: 0, outflow: 0 });
    assert.deepEqual(s.points[1], { date: '2025-01-06', value: 1100.0001, inflow: 100, outflow: 0 });
    assert.deepEqual(s.pricing_days, ['2025-01-06', '2025-01-07', '2025-01-08']);
    assert.equal(s.benchmark, null);
    assert.deepEqual(
      [s.base_currency, s.start_date, s.end_date, s.method],
      ['USD', '2025-01-05', '2025-01-08', HISTORY_METHOD],
    );
  });

  it("gives the benchmark's closes on the pricing days that have one, in its own currency", () => {
    const s = historySeries({
      baseCurrency: 'EUR',
      start: '2025-01-05',
      end: '2025-01-08',
      history,
      markets: MARKETS,
      benchmark: { symbol: 'SPY', currency: 'USD' },
    });
    assert.deepEqual(s.benchmark, {
      symbol: 'SPY',
      currency: 'USD',
      closes: [
        { date: '2025-01-06', close: 101 },
        { date: '2025-01-08', close: 99.5 },
      ],
    });
  });

  it('has no pricing days and no benchmark closes for a period without packs', () => {
    const s = historySeries({
      baseCurrency: 'USD',
      start: '2025-01-09',
      end: '2025-01-09',
      history: { points: [{ date: '2025-01-09', value: 0, inflow: 0, outflow: 0 }], warnings: [] },
      markets: MARKETS.slice(3),
      benchmark: { symbol: 'SPY', currency: 'USD' },
    });
    assert.deepEqual(s.pricing_days, []);
    assert.deepEqual(s.benchmark?.closes, []);
  });
});
