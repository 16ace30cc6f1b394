import assert from 'node:assert/strict';
import { localDateTime, previousTradingDay } from '../../../src/domain/calendar.js';
import {
  describeMissing,
  expectedPackDate,
  packCoverage,
  packDateOf,
  packIdFor,
  parsePackId,
} from '../../../src/domain/pack.js';
import { basisPointsApart, compareNavs, describeDiscrepancy, navOf } from '../../../src/domain/reconcile.js';

describe('domain/pack ids', () => {
  it('names the first version by its date and forced rebuilds .v2, .v3 ...', () => {
    assert.equal(packIdFor('2025-10-27'), 'PP_2025-10-27');
    assert.equal(packIdFor('2025-10-27', 2), 'PP_2025-10-27.v2');
    assert.deepEqual(parsePackId('PP_2025-10-27.v12'), { date: '2025-10-27', version: 12 });
    assert.deepEqual(parsePackId('PP_2025-10-27'), { date: '2025-10-27', version: 1 });
    assert.equal(packDateOf('PP_2025-10-27.v3'), '2025-10-27');
  });

  it('rejects anything that is not a pack id, including the never-written .v1', () => {
    for (const bad of [
      'PP_2025-10-27.v1',
      'PP_2025-10-27.v0',
      'PP_2025-10-27v2',
      'PP_20251027',
      'pp_2025-10-27',
      'PP_2025-10-27.v02',
    ]) {
      assert.equal(parsePackId(bad), null, bad);
    }
    assert.throws(() => packDateOf('PP_x'), /does not name a date/);
  });
});

describe('domain/pack coverage', () => {
  const fx = [
    { base: 'EUR', quote: 'USD', rate: 1.1 },
    { base: 'GBP', quote: 'USD', rate: 1.3 },
  ];
  const prices = [
    { symbol: 'AAA', close: 10, currency: 'USD' },
    { symbol: 'BBB', close: 20, currency: 'EUR' },
  ];

  it('counts distinct symbols and conversions; crosses through a shared currency count as present', () => {
    const c = packCoverage(
      [
        { portfolioId: 'p1', baseCurrency: 'USD', symbols: ['AAA', 'BBB'], currencies: ['USD', 'EUR'] },
        { portfolioId: 'p2', baseCurrency: 'GBP', symbols: ['BBB'], currencies: ['EUR', 'GBP'] },
      ],
      prices,
      fx,
    );
    // AAA, BBB, EUR/USD, EUR/GBP (crossed through USD)
    assert.deepEqual(
      { required: c.required, present: c.present, ratio: c.ratio },
      { required: 4, present: 4, ratio: 1 },
    );
  });

  it('names what is missing and who needs it', () => {
    const c = packCoverage(
      [
        { portfolioId: 'p1', baseCurrency: 'USD', symbols: ['AAA', 'ZZZ'], currencies: ['USD', 'JPY'] },
        { portfolioId: 'p2', baseCurrency: 'USD', symbols: ['ZZZ'], currencies: [] },
      ],
      prices,
      fx,
    );
    assert.equal(c.required, 3);
    assert.equal(c.present, 1);
    assert.deepEqual(c.missingSymbols, [{ symbol: 'ZZZ', portfolios: ['p1', 'p2'] }]);
    assert.deepEqual(c.missingPairs, [{ pair: 'JPY/USD', portfolios: ['p1'] }]);
    assert.equal(describeMissing(c), 'missing prices: ZZZ (held by p1, p2); missing FX: JPY/USD (needed by p1)');
  });

  it('needs nothing from a pack when nothing is held', () => {
    assert.equal(packCoverage([], [], []).ratio, 1);
  });
});

describe('domain/pack trading days and the freshness deadline', () => {
  it('skips weekends and NYSE holidays going back', () => {
    assert.equal(previousTradingDay('2025-10-27'), '2025-10-24'); // Monday -> Friday
    assert.equal(previousTradingDay('2025-11-28'), '2025-11-26'); // Friday after Thanksgiving
    assert.equal(previousTradingDay('2025-10-22'), '2025-10-21');
  });

  it('reads the wall clock in the schedule time zone', () => {
    assert.deepEqual(localDateTime(new Date('2025-10-28T03:30:00Z'), 'America/New_York'), {
      date: '2025-10-27',
      time: '23:30',
    });
  });

  it('expects the previous trading day only once the fresh-by time has passed', () => {
    assert.equal(expectedPackDate(new Date('2025-10-28T06:59:00Z'), 'UTC', '07:00'), '2025-10-24');
    assert.equal(expectedPackDate(new Date('2025-10-28T07:00:00Z'), 'UTC', '07:00'), '2025-10-27');
    // 06:30 UTC is 02:30 in New York, before a 07:00 deadline there.
    assert.equal(expectedPackDate(new Date('2025-10-29T06:30:00Z'), 'America/New_York', '07:00'), '2025-10-27');
  });
});

describe('domain/reconcile', () => {
  const closes = new Map([
    ['AAA', 10],
    ['BBB', 20],
  ]);
  const fx = [{ base: 'EUR', quote: 'USD', rate: 1.25 }];

  it('values positions and cash in the base currency and lists what it cannot value', () => {
    const nav = navOf(
      {
        securities: new Map([
          ['AAA', { currency: 'USD', quantity: 3 }],
          ['BBB', { currency: 'EUR', quantity: 2 }],
          ['CCC', { currency: 'USD', quantity: 1 }],
        ]),
        cash: new Map([
          ['EUR', 100],
          ['JPY', 5],
        ]),
      },
      closes,
      fx,
      'USD',
    );
    assert.equal(nav.value, 3 * 10 + 2 * 20 * 1.25 + 100 * 1.25);
    assert.deepEqual(nav.unvalued, ['CCC', 'cash JPY']);
  });

  it('measures distance in basis points of the larger amount', () => {
    assert.equal(basisPointsApart(10_000, 10_001), (1 / 10_001) * 10_000);
    assert.equal(basisPointsApart(0, 0), 0);
    assert.equal(basisPointsApart(-50, 50), 20_000);
  });

  it('agrees within 1 bp and names the portfolio, the check and the difference beyond it', () => {
    const ok = { portfolioId: 'p1', baseCurrency: 'USD', ledger: 1_000_000, positions: 1_000_099, recorded: 999_950 };
    assert.deepEqual(compareNavs([ok]), []);
    const off = compareNavs([{ ...ok, portfolioId: 'p2', positions: 1_000_200, recorded: Number.NaN }]);
    assert.deepEqual(
      off.map((d) => [d.portfolioId, d.check]),
      [
        ['p2', 'positions'],
        ['p2', 'prices'],
      ],
    );
    assert.equal(off[0]!.difference, 200);
    assert.ok(Math.abs(off[0]!.basisPoints - 1.9996) < 1e-4);
    assert.equal(
      describeDiscrepancy(off[0]!),
      'portfolio p2: ledger replay NAV 1000000.00 USD vs stored positions 1000200.00 USD (difference 200.00 USD, 2.00 bp)',
    );
  });
});
