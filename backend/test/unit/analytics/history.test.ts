import assert from 'node:assert/strict';
import {
  calendarDays,
  HistoryDataError,
  valuationHistory,
  type DayMarket,
  type IndexedCloses,
} from '../../../src/domain/history.js';
import type { FxRate } from '../../../src/domain/fx.js';
import type { LedgerEntry } from '../../../src/domain/ledger/types.js';
import { buy, commit, deposit, SECURITIES, tx } from '../ledger/fixtures.js';

const pack = (closes: Record<string, number>, eurUsd: number | null): DayMarket => ({
  closes: new Map(Object.entries(closes)),
  fx: eurUsd === null ? [] : ([{ base: 'EUR', quote: 'USD', rate: eurUsd }] satisfies FxRate[]),
});

/** The pack in force on each day: the newest dated on or before it. */
const series =
  (packs: [string, DayMarket][]) =>
  (day: string): DayMarket | null => {
    let found: DayMarket | null = null;
    for (const [date, p] of packs) if (date <= day) found = p;
    return found;
  };

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);

describe('domain valuationHistory', () => {
  // Base EUR; EUR/USD 1.25 means a dollar is worth 0.8 EUR.
  const entries: LedgerEntry[] = commit(1, [
    deposit('2024-01-03', 10_000, 'EUR'),
    deposit('2024-01-03', 5_000, 'USD'),
    buy('2024-01-03', 'SAP', 10, 100, { currency: 'EUR' }),
    buy('2024-01-04', 'AAPL', 10, 200),
    deposit('2024-01-08', 1_000, 'USD'),
    tx('2024-01-08', 'INTEREST', { amount: 12, currency: 'EUR' }),
    tx('2024-01-09', 'WITHDRAWAL', { amount: 500, currency: 'EUR' }),
    tx('2024-01-09', 'TRANSFER_IN', { symbol: 'SAP', quantity: 5, price: 104, currency: 'EUR' }),
  ]);
  const packs: [string, DayMarket][] = [
    ['2024-01-04', pack({ SAP: 100, AAPL: 200 }, 1.25)],
    ['2024-01-05', pack({ SAP: 102, AAPL: 210 }, 1.25)],
    // Monday and Tuesday have no AAPL close: Friday's 210 is carried.
    ['2024-01-08', pack({ SAP: 105 }, 1.2)],
    ['2024-01-09', pack({ SAP: 104 }, 1.25)],
  ];

  it("values cash and positions per calendar day in the base currency, flows at their day's FX", () => {
    const h = valuationHistory({
      entries,
      securities: SECURITIES,
      baseCurrency: 'EUR',
      days: calendarDays('2024-01-05', '2024-01-09'),
      marketOn: series(packs),
    });
    assert.deepEqual(
      h.points.map((p) => p.date),
      ['2024-01-05', '2024-01-06', '2024-01-07', '2024-01-08', '2024-01-09'],
    );
    // Fri: EUR cash 9000 + USD cash 3000 x 0.8 + SAP 10 x 102 + AAPL 10 x 210 x 0.8 = 9000 + 2400 + 1020 + 1680.
    // The flows of 3 and 4 January are before the period: already in the value, not flows of any day in it.
    const friday = 14_100;
    for (const i of [0, 1, 2]) {
      close(h.points[i]!.value, friday, `day ${i} (the weekend keeps Friday's pack)`);
      assert.equal(h.points[i]!.inflow, 0);
      assert.equal(h.points[i]!.outflow, 0);
    }
    // Mon at 1.2: EUR cash 9000 + 12 interest; USD cash 4000 / 1.2; SAP 10 x 105; AAPL 10 x 210 (carried) / 1.2.
    close(h.points[3]!.value, 9012 + 4000 / 1.2 + 1050 + 2100 / 1.2, 'monday value');
    close(
      h.points[3]!.inflow,
      1000 / 1.2,
      "monday inflow: the USD deposit at that day's rate; interest is performance",
    );
    assert.equal(h.points[3]!.outflow, 0);
    // Tue at 1.25: EUR cash 9012 - 500; USD 4000 x 0.8; SAP 15 x 104; AAPL 2100 x 0.8.
    close(h.points[4]!.value, 8512 + 3200 + 1560 + 1680, 'tuesday value');
    close(h.points[4]!.inflow, 5 * 104, 'securities transfer in at its recorded price');
    close(h.points[4]!.outflow, 500, 'withdrawal');
    assert.deepEqual(h.warnings, [
      {
        code: 'price_carried_forward',
        message:
          'AAPL has no close in the pricing pack in force on some days between 2024-01-08 and 2024-01-09; its last known close was carried forward',
      },
    ]);
  });

  it('carries a close from a pack before the period', () => {
    const h = valuationHistory({
      entries,
      securities: SECURITIES,
      baseCurrency: 'EUR',
      days: calendarDays('2024-01-08', '2024-01-08'),
      marketOn: series([packs[0]!, packs[2]!]),
    });
    // AAPL's last close before Monday is Thursday's 200.
    close(h.points[0]!.value, 9012 + 4000 / 1.2 + 1050 + 2000 / 1.2, 'value');
    assert.equal(h.warnings.length, 1);
  });

  it('carries the newest earlier close through packs and weekends that lack it, up to the last day carried', () => {
    const h = valuationHistory({
      entries,
      securities: SECURITIES,
      baseCurrency: 'EUR',
      days: calendarDays('2024-01-05', '2024-01-10'),
      marketOn: series([
        ['2024-01-04', pack({ SAP: 100, AAPL: 200 }, 1.25)],
        ['2024-01-05', pack({ SAP: 102 }, 1.25)],
        ['2024-01-08', pack({ SAP: 105, AAPL: 220 }, 1.25)],
        ['2024-01-09', pack({ SAP: 104 }, 1.25)],
        ['2024-01-10', pack({ SAP: 103 }, 1.25)],
      ]),
    });
    // Fri: EUR 9000 + USD 3000 x 0.8 + SAP 10 x 102 + AAPL 10 x 200 (Thursday's, carried) x 0.8.
    close(h.points[0]!.value, 9000 + 2400 + 1020 + 1600, 'friday value');
    for (const i of [1, 2]) assert.equal(h.points[i]!.value, h.points[0]!.value, `weekend day ${i}`);
    // Wed: EUR 8512; USD 4000 x 0.8; SAP 15 x 103; AAPL 10 x 220 (Monday's, carried) x 0.8.
    close(h.points[5]!.value, 8512 + 3200 + 1545 + 1760, 'wednesday value');
    assert.deepEqual(h.warnings, [
      {
        code: 'price_carried_forward',
        message:
          'AAPL has no close in the pricing pack in force on some days between 2024-01-05 and 2024-01-10; its last known close was carried forward',
      },
    ]);
  });

  it('never takes a close from a later pack', () => {
    const later = commit(1, [deposit('2024-01-05', 1_000), buy('2024-01-05', 'MSFT', 2, 300)]);
    const run = () =>
      valuationHistory({
        entries: later,
        securities: SECURITIES,
        baseCurrency: 'USD',
        days: calendarDays('2024-01-05', '2024-01-09'),
        marketOn: series([
          ['2024-01-05', pack({ AAPL: 1 }, 1.25)],
          ['2024-01-08', pack({ MSFT: 310 }, 1.25)],
        ]),
      });
    assert.throws(run, (e: unknown) => {
      assert.ok(e instanceof HistoryDataError);
      assert.equal(e.date, '2024-01-05');
      assert.deepEqual(e.missing, { symbol: 'MSFT' });
      assert.match(e.message, /MSFT.*2024-01-05/);
      return true;
    });
  });

  it('carries a missing FX rate forward from the pack before, flows included, never from a later one, with a warning', () => {
    const h = valuationHistory({
      entries,
      securities: SECURITIES,
      baseCurrency: 'EUR',
      days: calendarDays('2024-01-05', '2024-01-09'),
      marketOn: series([
        ['2024-01-05', packs[1]![1]],
        // Monday's pack has its closes but no EUR/USD: Friday's 1.25 is in force, not Tuesday's.
        ['2024-01-08', pack({ SAP: 105, AAPL: 220 }, null)],
        ['2024-01-09', pack({ SAP: 104, AAPL: 230 }, 1.2)],
      ]),
    });
    // Mon at 1.25: EUR cash 9012; USD cash 4000 x 0.8; SAP 10 x 105; AAPL 10 x 220 x 0.8.
    close(h.points[3]!.value, 9012 + 3200 + 1050 + 1760, 'monday value at the carried rate');
    close(h.points[3]!.inflow, 800, "monday's USD deposit at the carried rate");
    // Tue: the pack's own rate again.
    close(h.points[4]!.value, 8512 + 4000 / 1.2 + 1560 + 2300 / 1.2, 'tuesday value at its own rate');
    assert.deepEqual(h.warnings, [
      {
        code: 'fx_rate_carried_forward',
        message:
          'the pricing pack in force has no FX rate USD/EUR on some days between 2024-01-08 and 2024-01-08; its last known rate was carried forward',
      },
    ]);
  });

  it('fails on an FX rate that no pack so far has had, naming the pair and the day', () => {
    const run = () =>
      valuationHistory({
        entries,
        securities: SECURITIES,
        baseCurrency: 'EUR',
        days: calendarDays('2024-01-05', '2024-01-09'),
        marketOn: series([
          ['2024-01-05', pack({ SAP: 102, AAPL: 210 }, null)],
          ['2024-01-08', packs[2]![1]],
        ]),
      });
    assert.throws(run, (e: unknown) => {
      assert.ok(e instanceof HistoryDataError);
      assert.equal(e.date, '2024-01-05');
      assert.deepEqual(e.missing, { pair: 'USD/EUR' });
      assert.match(
        e.message,
        /USD\/EUR on 2024-01-05: neither the pricing pack in force nor an earlier one has a rate for it/,
      );
      return true;
    });
  });

  it('values closes that share a symbol index exactly as plain maps, carried closes included', () => {
    // Packs with the same symbols share one index object, as the packs of one symbol list do.
    const indexes = new Map<string, Map<string, number>>();
    const indexed = (m: DayMarket): DayMarket => {
      const symbols = [...m.closes.keys()].sort();
      let index = indexes.get(symbols.join());
      if (!index) indexes.set(symbols.join(), (index = new Map(symbols.map((sym, k) => [sym, k]))));
      const values = symbols.map((sym) => m.closes.get(sym)!);
      const closes: IndexedCloses = Object.assign(new Map(m.closes), { index, at: (slot: number) => values[slot]! });
      return { closes, fx: m.fx };
    };
    const run = (ps: [string, DayMarket][]) =>
      valuationHistory({
        entries,
        securities: SECURITIES,
        baseCurrency: 'EUR',
        days: calendarDays('2024-01-04', '2024-01-09'),
        marketOn: series(ps),
      });
    const plain = run(packs);
    assert.deepEqual(run(packs.map(([d, m]) => [d, indexed(m)])), plain);
    assert.ok(plain.warnings.some((w) => w.code === 'price_carried_forward'));
  });

  it('needs no pack for base-currency cash, but does for foreign cash', () => {
    const cash = commit(1, [deposit('2024-01-02', 100, 'EUR'), deposit('2024-01-03', 50, 'EUR')]);
    const h = valuationHistory({
      entries: cash,
      securities: SECURITIES,
      baseCurrency: 'EUR',
      days: calendarDays('2024-01-02', '2024-01-03'),
      marketOn: () => null,
    });
    assert.deepEqual(h.points, [
      { date: '2024-01-02', value: 100, inflow: 100, outflow: 0 },
      { date: '2024-01-03', value: 150, inflow: 50, outflow: 0 },
    ]);
    assert.throws(
      () =>
        valuationHistory({
          entries: cash,
          securities: SECURITIES,
          baseCurrency: 'USD',
          days: ['2024-01-02'],
          marketOn: () => null,
        }),
      /no FX rate EUR\/USD on 2024-01-02: no pricing pack is in force/,
    );
  });
});
