import assert from 'node:assert/strict';
import { AnalyticsInputError } from '../../../src/domain/analytics/input.js';
import { timeWeightedReturn, type TwrPoint } from '../../../src/domain/analytics/twr.js';
import { addDays } from '../../../src/domain/dates.js';
import { prng } from './prng.js';

const day = (date: string, value: number, inflow = 0, outflow = 0): TwrPoint => ({ date, value, inflow, outflow });

describe('domain/analytics timeWeightedReturn', () => {
  it('links daily returns geometrically: 100k -> 110k -> 121k is 21%', () => {
    const r = timeWeightedReturn([day('2024-01-01', 100_000), day('2024-01-02', 110_000), day('2024-01-03', 121_000)]);
    assert.ok(Math.abs(r.cumulative - 0.21) < 1e-12, String(r.cumulative));
    assert.deepEqual(
      r.daily.map((d) => d.date),
      ['2024-01-01', '2024-01-02', '2024-01-03'],
    );
    assert.equal(r.daily[0]!.return, 0);
    assert.ok(Math.abs(r.daily[1]!.return - 0.1) < 1e-12);
    assert.ok(Math.abs(r.daily[2]!.cumulative - 0.21) < 1e-12);
    assert.equal(r.days, 2);
    assert.equal(r.annualized, null);
    assert.deepEqual(r.warnings, []);
  });

  it('counts an inflow at the start of its day and an outflow at the end', () => {
    // Day 2: 50 arrives in the morning and 150 grows to 160: 160/150 - 1 = 1/15.
    // Day 3: 160 grows to 180 and 80 leaves in the evening: (100 + 80)/160 - 1 = 1/8.
    // Linked: 16/15 x 9/8 = 1.2.
    const r = timeWeightedReturn([day('2024-03-01', 100), day('2024-03-02', 160, 50), day('2024-03-03', 100, 0, 80)]);
    assert.ok(Math.abs(r.daily[1]!.return - 1 / 15) < 1e-15);
    assert.ok(Math.abs(r.daily[2]!.return - 1 / 8) < 1e-15);
    assert.ok(Math.abs(r.cumulative - 0.2) < 1e-15);
  });

  it('ignores the first day flows, which are already in its value', () => {
    const a = timeWeightedReturn([day('2024-03-01', 100, 100), day('2024-03-02', 110)]);
    assert.equal(a.daily[0]!.return, 0);
    assert.ok(Math.abs(a.cumulative - 0.1) < 1e-15);
  });

  it('annualises periods of a year or more only', () => {
    const twoYears = timeWeightedReturn([day('2021-01-01', 100), day('2023-01-01', 121)]);
    assert.equal(twoYears.days, 730);
    assert.ok(Math.abs(twoYears.annualized! - 0.1) < 1e-12);

    const oneYear = timeWeightedReturn([day('2021-01-01', 100), day('2022-01-01', 107)]);
    assert.equal(oneYear.days, 365);
    assert.ok(Math.abs(oneYear.annualized! - 0.07) < 1e-12);

    const underAYear = timeWeightedReturn([day('2021-01-01', 100), day('2021-12-31', 107)]);
    assert.equal(underAYear.days, 364);
    assert.equal(underAYear.annualized, null);
  });

  it('gives a day with nothing invested a return of 0 and a warning naming the date', () => {
    // An account opened empty and funded on the third day.
    const r = timeWeightedReturn([day('2024-05-01', 0), day('2024-05-02', 0), day('2024-05-03', 110, 100)]);
    assert.deepEqual(
      r.daily.map((d) => d.return),
      [0, 0, 0.10000000000000009],
    );
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0]!.code, 'twr_zero_base');
    assert.match(r.warnings[0]!.message, /2024-05-02/);
  });

  it('warns instead of dividing by a negative base', () => {
    const r = timeWeightedReturn([day('2024-05-01', -10), day('2024-05-02', 5)]);
    assert.equal(r.daily[1]!.return, 0);
    assert.equal(r.warnings[0]!.code, 'twr_negative_base');
  });

  it('keeps a total loss permanent and still annualises it', () => {
    const r = timeWeightedReturn([
      day('2020-01-01', 100),
      day('2020-06-01', 0),
      day('2020-06-02', 50, 50),
      day('2021-06-01', 60),
    ]);
    assert.equal(r.cumulative, -1);
    assert.equal(r.annualized, -1);
  });

  it('reports a cumulative return below -100% as not annualisable instead of NaN', () => {
    const r = timeWeightedReturn([day('2020-01-01', 100), day('2021-06-01', -50)]);
    assert.equal(r.cumulative, -1.5);
    assert.equal(r.annualized, null);
    assert.equal(r.warnings[0]!.code, 'twr_not_annualizable');
  });

  it('handles a single day', () => {
    const r = timeWeightedReturn([day('2024-01-01', 100)]);
    assert.equal(r.cumulative, 0);
    assert.equal(r.days, 0);
    assert.equal(r.annualized, null);
  });

  it('states its convention', () => {
    assert.match(
      timeWeightedReturn([day('2024-01-01', 1)]).method,
      /inflows at the start of the day, outflows at the end/,
    );
  });

  it('rejects bad input with AnalyticsInputError instead of guessing', () => {
    const bad: unknown[][] = [
      [],
      [day('2024-01-02', 1), day('2024-01-01', 1)],
      [day('2024-01-01', 1), day('2024-01-01', 1)],
      [day('2024-02-30', 1)],
      [day('24-01-01', 1)],
      [day('2024-01-01', Number.NaN)],
      [day('2024-01-01', Number.POSITIVE_INFINITY)],
      [day('2024-01-01', 1, -5)],
      [day('2024-01-01', 1, 0, -5)],
      [{ date: '2024-01-01', value: 1, inflow: 0 }],
    ];
    for (const series of bad) {
      assert.throws(() => timeWeightedReturn(series as TwrPoint[]), AnalyticsInputError, JSON.stringify(series));
    }
  });

  it('is unchanged by deposits and withdrawals on any days (200 seeded random cases)', () => {
    const rand = prng(20_240_601);
    let flowDays = 0;
    for (let c = 0; c < 200; c++) {
      const n = 2 + Math.floor(rand() * 80);
      let date = addDays('2015-01-01', Math.floor(rand() * 3000));
      const dates = [date];
      for (let i = 1; i < n; i++) dates.push((date = addDays(date, 1 + Math.floor(rand() * 4))));
      const growth = dates.map(() => 1 + (rand() - 0.5) * 0.1);

      // The same investment path, without flows and with them: each day's growth applies to
      // what is invested through the day, the previous value plus the morning's deposit.
      const start = 1_000 + rand() * 1_000_000;
      const plain: TwrPoint[] = [day(dates[0]!, start)];
      const flowed: TwrPoint[] = [day(dates[0]!, start, rand() < 0.5 ? rand() * start : 0)];
      for (let i = 1; i < n; i++) {
        plain.push(day(dates[i]!, plain[i - 1]!.value * growth[i]!));
        const deposit = rand() < 0.3 ? rand() * 2 * flowed[i - 1]!.value : 0;
        const grown = (flowed[i - 1]!.value + deposit) * growth[i]!;
        const withdrawal = rand() < 0.3 ? rand() * 0.9 * grown : 0;
        if (deposit > 0 || withdrawal > 0) flowDays++;
        flowed.push(day(dates[i]!, grown - withdrawal, deposit, withdrawal));
      }

      const a = timeWeightedReturn(plain);
      const b = timeWeightedReturn(flowed);
      assert.ok(Math.abs(a.cumulative - b.cumulative) < 1e-12, `case ${c}: ${a.cumulative} vs ${b.cumulative}`);
      for (let i = 0; i < n; i++) {
        assert.ok(Math.abs(a.daily[i]!.return - b.daily[i]!.return) < 1e-12, `case ${c} day ${i}`);
      }
      assert.equal(a.annualized === null, b.annualized === null);
      if (a.annualized !== null && b.annualized !== null) assert.ok(Math.abs(a.annualized - b.annualized) < 1e-12);
    }
    assert.ok(flowDays > 1000, `only ${flowDays} days with flows`);
  });
});
