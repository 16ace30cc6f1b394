import assert from 'node:assert/strict';
import { localDateTime, previousTradingDay, zonedInstant } from '../../../src/domain/calendar.js';
import {
  describeMissing,
  expectedPackDate,
  packDueAt,
  packFreshness,
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

  const utc = { timeZone: 'UTC', freshBy: '07:00' };
  const newYork = { timeZone: 'America/New_York', freshBy: '07:00' };

  it('expects the previous trading day only once the fresh-by time has passed', () => {
    assert.equal(expectedPackDate(new Date('2025-10-28T06:59:00Z'), utc), '2025-10-24');
    assert.equal(expectedPackDate(new Date('2025-10-28T07:00:00Z'), utc), '2025-10-27');
    // 06:30 UTC is 02:30 in New York, before a 07:00 deadline there.
    assert.equal(expectedPackDate(new Date('2025-10-29T06:30:00Z'), newYork), '2025-10-27');
  });

  it('turns a wall-clock time in a zone into an instant, across daylight-saving changes', () => {
    assert.equal(zonedInstant('2025-10-28', '07:00', 'UTC').toISOString(), '2025-10-28T07:00:00.000Z');
    // EDT (UTC-4) before 2025-11-02, EST (UTC-5) after.
    assert.equal(zonedInstant('2025-11-01', '07:00', 'America/New_York').toISOString(), '2025-11-01T11:00:00.000Z');
    assert.equal(zonedInstant('2025-11-03', '07:00', 'America/New_York').toISOString(), '2025-11-03T12:00:00.000Z');
    // 02:30 does not exist on 2025-03-09 in New York: the clock jumps from 02:00 to 03:00.
    assert.equal(zonedInstant('2025-03-09', '02:30', 'America/New_York').toISOString(), '2025-03-09T07:00:00.000Z');
    // 01:30 happens twice on 2025-11-02: the first time counts.
    assert.equal(zonedInstant('2025-11-02', '01:30', 'America/New_York').toISOString(), '2025-11-02T05:30:00.000Z');
    assert.equal(zonedInstant('2025-10-28', '07:00', 'Asia/Tokyo').toISOString(), '2025-10-27T22:00:00.000Z');
  });

  it("makes a pack due at the fresh-by time on the day after its date, a Friday's on Saturday", () => {
    assert.equal(packDueAt('2025-10-27', utc).toISOString(), '2025-10-28T07:00:00.000Z');
    assert.equal(packDueAt('2025-10-24', utc).toISOString(), '2025-10-25T07:00:00.000Z');
    assert.equal(packDueAt('2025-10-27', newYork).toISOString(), '2025-10-28T11:00:00.000Z');
    // The moment a pack becomes due is the moment it becomes the expected one.
    const due = packDueAt('2025-10-27', newYork);
    assert.equal(expectedPackDate(due, newYork), '2025-10-27');
    assert.equal(expectedPackDate(new Date(due.getTime() - 60_000), newYork), '2025-10-24');
  });

  it('judges freshness and age by one definition: age counts from when the newest fresh pack became due', () => {
    // Tuesday 08:00: Monday's pack (due 07:00) is expected.
    const tuesday = new Date('2025-10-28T08:00:00Z');
    assert.deepEqual(packFreshness(tuesday, utc, '2025-10-27', 'fresh'), {
      expectedDate: '2025-10-27',
      fresh: true,
      state: 'fresh',
      newestFreshDate: '2025-10-27',
      ageSeconds: 3600,
    });
    // Friday's pack is the newest fresh one: due Saturday 07:00, so 3 days and 1 hour old.
    assert.deepEqual(packFreshness(tuesday, utc, '2025-10-24', 'error'), {
      expectedDate: '2025-10-27',
      fresh: false,
      state: 'error',
      newestFreshDate: '2025-10-24',
      ageSeconds: 3 * 86_400 + 3600,
    });
    assert.equal(packFreshness(tuesday, utc, '2025-10-24', 'warming').state, 'warming');
    assert.equal(packFreshness(tuesday, utc, '2025-10-24', null).state, 'missing');
    // A later pack covers the expected date; one published before it was due is 0 s old.
    const early = packFreshness(tuesday, utc, '2025-10-28', null);
    assert.equal(early.fresh, true);
    assert.equal(early.state, 'fresh');
    assert.equal(early.ageSeconds, 0);
    assert.deepEqual(packFreshness(tuesday, utc, null, null), {
      expectedDate: '2025-10-27',
      fresh: false,
      state: 'missing',
      newestFreshDate: null,
      ageSeconds: null,
    });
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
