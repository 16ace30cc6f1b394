import assert from 'node:assert/strict';
import {
  marketMissing,
  periodAttribution,
  type PackMarket,
  type PeriodAttributionInput,
} from '../../../src/domain/currency-attribution.js';
import { replayLedger } from '../../../src/domain/ledger/replay.js';
import type { LedgerEntry } from '../../../src/domain/ledger/types.js';
import { fraction } from '../../../src/domain/number.js';
import { AppError } from '../../../src/errors.js';
import { buy, commit, deposit, SECURITIES, sell, split, tx } from '../ledger/fixtures.js';

const START = '2025-01-02';
const END = '2025-01-10';

const pack = (date: string, closes: Record<string, number>, eurUsd: number | null): PackMarket => ({
  id: `PP_${date}`,
  date,
  closes: new Map(Object.entries(closes)),
  fx: eurUsd === null ? [] : [{ base: 'EUR', quote: 'USD', rate: eurUsd }],
});

// A USD portfolio: 20 AAPL (USD) and 10 SAP (EUR) bought on the first of January, with 6,000
// USD and 1,000 EUR of cash left over.
const LEDGER: LedgerEntry[] = commit(1, [
  deposit('2025-01-01', 10_000),
  deposit('2025-01-01', 2_000, 'EUR'),
  buy('2025-01-01', 'SAP', 10, 100, { currency: 'EUR' }),
  buy('2025-01-01', 'AAPL', 20, 200),
]);

function input(overrides: Partial<PeriodAttributionInput> = {}, entries = LEDGER): PeriodAttributionInput {
  return {
    baseCurrency: 'USD',
    lookbackDays: 6,
    tradingDays: 6,
    // AAPL falls 10%; SAP rises 10% in euros while the euro rises 10% (1.10 -> 1.21 USD).
    start: pack(START, { AAPL: 200, SAP: 100 }, 1.1),
    end: pack(END, { AAPL: 180, SAP: 110 }, 1.21),
    atStart: replayLedger(
      entries.filter((e) => e.date <= START),
      { securities: SECURITIES },
    ),
    entries,
    earlier: [],
    ...overrides,
  };
}

const appError = (code: string, message: RegExp, details?: Record<string, unknown>) => (e: unknown) => {
  assert.ok(e instanceof AppError, String(e));
  assert.equal(e.code, code);
  assert.match(e.message, message);
  if (details) assert.deepEqual(e.details, details);
  return true;
};

describe('domain periodAttribution (attribution.currency)', () => {
  it('weights every security and cash line by its start value in the base currency, with reference values', () => {
    const { output: a, warnings } = periodAttribution(input());
    assert.deepEqual(warnings, []);
    // Start: AAPL 4,000 + SAP 10 x 100 x 1.10 = 1,100 + EUR cash 1,100 + USD cash 6,000 = 12,200.
    // End:   AAPL 3,600 + SAP 10 x 110 x 1.21 = 1,331 + EUR cash 1,210 + USD cash 6,000 = 12,141.
    assert.equal(a.portfolio.start_value, 12_200);
    assert.equal(a.portfolio.end_value, 12_141);
    assert.equal(a.portfolio.return, fraction(-59 / 12_200));
    assert.deepEqual(
      a.holdings.map((h) => [h.symbol, h.kind, h.currency, h.weight]),
      [
        ['AAPL', 'security', 'USD', fraction(4_000 / 12_200)],
        ['SAP', 'security', 'EUR', fraction(1_100 / 12_200)],
        ['CASH:EUR', 'cash', 'EUR', fraction(1_100 / 12_200)],
        ['CASH:USD', 'cash', 'USD', fraction(6_000 / 12_200)],
      ],
    );
    const sap = a.holdings[1]!;
    assert.deepEqual([sap.r_local, sap.r_fx, sap.interaction, sap.r_base], [0.1, 0.1, 0.01, 0.21]);
    assert.equal(sap.contribution.total, fraction((1_100 / 12_200) * 0.21));
    const eurCash = a.holdings[2]!;
    assert.deepEqual([eurCash.r_local, eurCash.r_fx, eurCash.r_base], [0, 0.1, 0.1]);
    // The contributions add up to the portfolio's return: (-400 + 231 + 110) / 12,200.
    assert.equal(a.portfolio.contribution.total, fraction(-59 / 12_200));
    const eur = a.by_currency.find((c) => c.currency === 'EUR')!;
    assert.equal(eur.weight, fraction(2_200 / 12_200));
    assert.equal(eur.r_fx, 0.1);
    assert.equal(eur.contribution.fx, fraction(220 / 12_200));
    assert.deepEqual(a.period, {
      start_date: START,
      end_date: END,
      trading_days: 6,
      start_pricing_pack_id: `PP_${START}`,
      end_pricing_pack_id: `PP_${END}`,
    });
    assert.ok(a.identity.max_residual < a.identity.tolerance);
    assert.match(a.method, /buy-and-hold, in USD, of the positions and cash held at the end of 2025-01-02/);
  });

  it('gives every return 0 over an empty period (first day = last day)', () => {
    const same = pack(START, { AAPL: 200, SAP: 100 }, 1.1);
    const { output: a } = periodAttribution(input({ start: same, end: same, tradingDays: 0 }));
    assert.equal(a.portfolio.return, 0);
    assert.equal(a.portfolio.start_value, a.portfolio.end_value);
    for (const h of a.holdings) assert.deepEqual([h.r_local, h.r_fx, h.r_base, h.contribution.total], [0, 0, 0, 0]);
    assert.equal(a.period.trading_days, 0);
  });

  it('values a split before the period at post-split quantities, and warns about one within it', () => {
    const entries = commit(1, [
      deposit('2024-12-01', 5_000),
      buy('2024-12-02', 'AAPL', 10, 400),
      split('2024-12-20', 'AAPL', 2),
      split('2025-01-06', 'AAPL', 2),
      sell('2025-01-08', 'AAPL', 5, 95),
      buy('2025-01-11', 'AAPL', 1, 90),
    ]);
    const { output: a, warnings } = periodAttribution(
      input({ start: pack(START, { AAPL: 200 }, 1.1), end: pack(END, { AAPL: 90 }, 1.21) }, entries),
    );
    // 20 shares after the first split at 200 plus 1,000 cash; the second split halves the
    // close, so buy-and-hold of the start position reads as a loss of 55%: it is not attributed.
    assert.equal(a.portfolio.start_value, 5_000);
    assert.equal(a.holdings[0]!.weight, 0.8);
    assert.equal(a.holdings[0]!.r_local, -0.55);
    assert.deepEqual(warnings, [
      {
        code: 'trades_in_period',
        message:
          '2 BUY, SELL, transfer or split row(s) between 2025-01-02 and 2025-01-10 change the holdings within the period; ' +
          'they are not attributed: the attribution is of the positions held at the start, bought and held',
      },
    ]);
  });

  it('carries a missing close forward from the newest earlier pack, never from a later one, with a warning', () => {
    const earlier: PackMarket[] = [
      pack('2024-12-31', { AAPL: 199, SAP: 95 }, 1.1),
      pack(START, { AAPL: 200 }, 1.1),
      pack('2025-01-06', { AAPL: 190, SAP: 104 }, 1.2),
      pack('2025-01-08', { AAPL: 185, SAP: 106 }, 1.2),
      pack(END, { AAPL: 180 }, 1.21),
    ];
    const start = pack(START, { AAPL: 200 }, 1.1);
    const end = pack(END, { AAPL: 180 }, 1.21);
    const i = input({ start, end, earlier });
    assert.equal(marketMissing(i.atStart, start, end, 'USD'), true);
    const { output: a, warnings } = periodAttribution(i);
    const sap = a.holdings.find((h) => h.symbol === 'SAP')!;
    assert.equal(sap.r_local, fraction(106 / 95 - 1));
    assert.deepEqual(warnings, [
      {
        code: 'price_carried_forward',
        message:
          'SAP has no close in pricing pack PP_2025-01-02; its last known close, from PP_2024-12-31, was carried forward',
      },
      {
        code: 'price_carried_forward',
        message:
          'SAP has no close in pricing pack PP_2025-01-10; its last known close, from PP_2025-01-08, was carried forward',
      },
    ]);
  });

  it('needs no earlier packs when the start and end packs have every close and rate held', () => {
    const i = input();
    assert.equal(marketMissing(i.atStart, i.start, i.end, 'USD'), false);
    assert.equal(marketMissing(i.atStart, i.start, pack(END, { AAPL: 180, SAP: 110 }, null), 'USD'), true);
  });

  it('carries a missing FX rate forward from the newest earlier pack, once per currency, with a warning', () => {
    const end = pack(END, { AAPL: 180, SAP: 110 }, null);
    const earlier = [pack(START, { AAPL: 200, SAP: 100 }, 1.1), pack('2025-01-08', { AAPL: 185, SAP: 106 }, 1.2), end];
    const { output: a, warnings } = periodAttribution(input({ end, earlier }));
    const sap = a.holdings.find((h) => h.symbol === 'SAP')!;
    // SAP's euros at 1.2 USD, the rate of 8 January, against 1.1 at the start.
    assert.equal(sap.r_fx, fraction(1.2 / 1.1 - 1));
    assert.deepEqual(warnings, [
      {
        code: 'fx_rate_carried_forward',
        message:
          'pricing pack PP_2025-01-10 has no FX rate EUR/USD; its last known rate, from PP_2025-01-08, was carried forward',
      },
    ]);
  });

  it('is pricing_pack_not_found when no close exists on or before the day, even if a later pack has one', () => {
    const start = pack(START, { AAPL: 200 }, 1.1);
    assert.throws(
      () => periodAttribution(input({ start, earlier: [start, pack('2025-01-06', { SAP: 104 }, 1.2)] })),
      appError(
        'pricing_pack_not_found',
        /^no close for SAP on or before 2025-01-02, so the holding cannot be valued$/,
        {
          date: START,
          symbol: 'SAP',
        },
      ),
    );
  });

  it('is pricing_pack_not_found when neither a pack nor an earlier one has the FX rate of a currency held, naming pair and day', () => {
    assert.throws(
      () => periodAttribution(input({ end: pack(END, { AAPL: 180, SAP: 110 }, null) })),
      appError('pricing_pack_not_found', /^no FX rate EUR\/USD on or before 2025-01-10$/, {
        date: END,
        pair: 'EUR/USD',
      }),
    );
  });

  it('reads a rate quoted the other way round (USD/EUR) as its inverse', () => {
    const inverse = (m: PackMarket, usdEur: number): PackMarket => ({
      ...m,
      fx: [{ base: 'USD', quote: 'EUR', rate: usdEur }],
    });
    const i = input();
    const { output: a } = periodAttribution({ ...i, start: inverse(i.start, 1 / 1.1), end: inverse(i.end, 1 / 1.21) });
    assert.equal(a.holdings[2]!.r_fx, 0.1);
  });

  it('refuses a zero start value (nothing held at the start) as a bad request, suggesting a shorter lookback', () => {
    const emptied = commit(1, [deposit('2024-12-01', 1_000), tx('2024-12-15', 'WITHDRAWAL', { amount: 1_000 })]);
    assert.throws(
      () => periodAttribution(input({ lookbackDays: 30 }, emptied)),
      appError(
        'invalid_request',
        /at the end of 2025-01-02, the period's first day, is not positive.*shorter lookback_days/,
        {
          start_date: START,
          lookback_days: 30,
        },
      ),
    );
  });
});
