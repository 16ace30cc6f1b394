import assert from 'node:assert/strict';
import { AnalyticsInputError } from '../../../src/domain/analytics/input.js';
import { xirr, xnpv, type CashFlow, type XirrResult } from '../../../src/domain/analytics/xirr.js';
import { prng } from './prng.js';

function rateOf(result: XirrResult): number {
  assert.ok(result.ok, JSON.stringify(result));
  return result.rate;
}

/** 20 years of monthly contributions on irregular days, some withdrawals, and the final value. */
function twentyYears(): CashFlow[] {
  const rand = prng(42);
  const flows: CashFlow[] = [];
  for (let m = 0; m < 240; m++) {
    const y = 2000 + Math.floor(m / 12);
    const date = `${y}-${String((m % 12) + 1).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
    flows.push({ date, amount: rand() < 0.1 ? 300 + rand() * 2_000 : -(200 + rand() * 800) });
  }
  flows.push({ date: '2020-01-15', amount: 250_000 });
  return flows;
}

describe('domain/analytics xirr', () => {
  it('matches Excel: -200 on 2010-01-01 and +210 on 2010-12-31 is 0.050140747', () => {
    const r = xirr([
      { date: '2010-01-01', amount: -200 },
      { date: '2010-12-31', amount: 210 },
    ]);
    assert.ok(r.ok && r.method === 'newton', JSON.stringify(r));
    assert.ok(Math.abs(r.rate - 0.050140747) < 1e-8, String(r.rate));
    // The exact rate: 1.05 over 364 days, Actual/365.
    assert.ok(Math.abs(r.rate - (1.05 ** (365 / 364) - 1)) < 1e-9, String(r.rate));
  });

  it('converges near -100%: -1000 then +1 a year later is -99.9%', () => {
    const flows = [
      { date: '2010-01-01', amount: -1000 },
      { date: '2011-01-01', amount: 1 },
    ];
    assert.ok(Math.abs(rateOf(xirr(flows)) + 0.999) < 1e-9);
    assert.ok(Math.abs(rateOf(xirr([flows[0]!, { date: '2011-01-01', amount: 0.001 }])) + 0.999999) < 1e-9);
  });

  it('falls back to bisection when Newton from the default guess leaves the domain', () => {
    // From 10%, Newton's first step for a 75% loss lands at about -364%.
    const r = xirr([
      { date: '2018-01-01', amount: -1000 },
      { date: '2019-01-01', amount: 250 },
    ]);
    assert.ok(r.ok && r.method === 'bisection', JSON.stringify(r));
    assert.ok(Math.abs(r.rate + 0.75) < 1e-9, String(r.rate));
  });

  it('solves a 20-year monthly irregular series: NPV at the rate is zero', () => {
    const flows = twentyYears();
    const rate = rateOf(xirr(flows));
    // scipy.optimize.brentq on the same flows, xtol 1e-15.
    assert.ok(Math.abs(rate - 0.08058653234682296) < 1e-9, String(rate));
    const discounted = flows.reduce(
      (s, f) =>
        s + Math.abs(f.amount) * (1 + rate) ** -((Date.parse(f.date) - Date.parse(flows[0]!.date)) / 86_400_000 / 365),
      0,
    );
    assert.ok(Math.abs(xnpv(flows, rate)) <= 1e-10 * discounted, String(xnpv(flows, rate)));
  });

  it('reaches the same rate by bisection when Newton runs out of steps', () => {
    const flows = twentyYears();
    const newton = xirr(flows);
    const fallback = xirr(flows, { max_newton_iterations: 1 });
    assert.ok(newton.ok && newton.method === 'newton');
    assert.ok(fallback.ok && fallback.method === 'bisection', JSON.stringify(fallback));
    assert.ok(Math.abs(newton.rate - fallback.rate) < 1e-9);
  });

  it('converges for very large rates instead of stopping where a big flow dwarfs the NPV', () => {
    const r = rateOf(
      xirr([
        { date: '2017-01-01', amount: -1 },
        { date: '2018-01-01', amount: 1e9 },
      ]),
    );
    assert.ok(Math.abs(r / (1e9 - 1) - 1) < 1e-9, String(r));
  });

  it('with two roots, the fallback takes the one nearest the guess', () => {
    // -1 + 2.2 / (1 + r) - 1.2075 / (1 + r)^2 is zero at 5% and at 15%.
    const flows = [
      { date: '2017-01-01', amount: -1 },
      { date: '2018-01-01', amount: 2.2 },
      { date: '2019-01-01', amount: -1.2075 },
    ];
    for (const [guess, root] of [
      [0, 0.05],
      [0.2, 0.15],
    ] as const) {
      const r = xirr(flows, { guess, max_newton_iterations: 0 });
      assert.ok(r.ok && r.method === 'bisection' && Math.abs(r.rate - root) < 1e-9, JSON.stringify(r));
    }
  });

  it('accepts several flows on one day', () => {
    const r = xirr([
      { date: '2021-01-01', amount: -60 },
      { date: '2021-01-01', amount: -40 },
      { date: '2022-01-01', amount: 110 },
    ]);
    assert.ok(Math.abs(rateOf(r) - 0.1) < 1e-9);
  });

  it('returns a typed failure, never NaN, when there is no rate', () => {
    const cases: [CashFlow[], string][] = [
      [[], 'too_few_flows'],
      [[{ date: '2020-01-01', amount: -100 }], 'too_few_flows'],
      [
        [
          { date: '2020-01-01', amount: 0 },
          { date: '2021-01-01', amount: 0 },
        ],
        'all_zero',
      ],
      [
        [
          { date: '2020-01-01', amount: 100 },
          { date: '2021-01-01', amount: 5 },
        ],
        'no_sign_change',
      ],
      [
        [
          { date: '2020-01-01', amount: -100 },
          { date: '2021-01-01', amount: 0 },
        ],
        'no_sign_change',
      ],
      // A 99% loss in one day is a rate of 0.01^365 - 1, closer to -100% than a double can tell.
      [
        [
          { date: '2020-01-01', amount: -100 },
          { date: '2020-01-02', amount: 1 },
        ],
        'no_root_found',
      ],
    ];
    for (const [flows, reason] of cases) {
      const r = xirr(flows);
      assert.ok(
        !r.ok && r.reason === reason && r.message.length > 0,
        `${JSON.stringify(flows)} -> ${JSON.stringify(r)}`,
      );
    }
  });

  it('rejects malformed input with AnalyticsInputError', () => {
    const ok = { date: '2020-01-01', amount: -1 };
    const bad: [unknown[], object][] = [
      [[ok, { date: '2019-12-31', amount: 2 }], {}],
      [[ok, { date: '2020-13-01', amount: 2 }], {}],
      [[ok, { date: '2021-01-01', amount: Number.NaN }], {}],
      [[ok, { date: '2021-01-01', amount: 2 }], { guess: -1 }],
      [[ok, { date: '2021-01-01', amount: 2 }], { tolerance: 0 }],
      [[ok, { date: '2021-01-01', amount: 2 }], { max_newton_iterations: 1.5 }],
    ];
    for (const [flows, opts] of bad) {
      assert.throws(() => xirr(flows as CashFlow[], opts), AnalyticsInputError, JSON.stringify([flows, opts]));
    }
  });

  it('xnpv discounts Actual/365 from the first date', () => {
    const flows = [
      { date: '2021-01-01', amount: -100 },
      { date: '2022-01-01', amount: 110 },
    ];
    assert.ok(Math.abs(xnpv(flows, 0.1)) < 1e-12);
    assert.ok(Math.abs(xnpv(flows, 0) - 10) < 1e-12);
    assert.throws(() => xnpv(flows, -1), AnalyticsInputError);
  });
});
