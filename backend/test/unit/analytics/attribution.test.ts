import assert from 'node:assert/strict';
import {
  AttributionIdentityError,
  currencyAttribution,
  IDENTITY_TOLERANCE,
  type AttributionHolding,
} from '../../../src/domain/analytics/attribution.js';
import { AnalyticsInputError } from '../../../src/domain/analytics/input.js';
import { prng } from './prng.js';

const close = (actual: number | undefined, expected: number, tol = 1e-15) =>
  assert.ok(actual !== undefined && Math.abs(actual - expected) < tol, `${actual} vs ${expected}`);

// A USD portfolio: a EUR stock up 10% while the euro gains 10% (1.10 -> 1.21 USD), euro cash,
// and a USD stock down 10%.
const HOLDINGS: AttributionHolding[] = [
  { symbol: 'SAP', currency: 'EUR', weight: 0.5, price_start: 100, price_end: 110, fx_start: 1.1, fx_end: 1.21 },
  { symbol: 'CASH:EUR', currency: 'EUR', weight: 0.1, price_start: 1, price_end: 1, fx_start: 1.1, fx_end: 1.21 },
  { symbol: 'IBM', currency: 'USD', weight: 0.4, price_start: 50, price_end: 45, fx_start: 1, fx_end: 1 },
];

describe('domain/analytics currencyAttribution', () => {
  it('splits each holding into local, FX and interaction effects', () => {
    const r = currencyAttribution(HOLDINGS, 'USD');
    const [sap, cash, ibm] = r.holdings;
    close(sap!.local_return, 0.1);
    close(sap!.fx_return, 0.1);
    close(sap!.interaction, 0.01);
    close(sap!.base_return, 0.21);
    close(sap!.contribution.total, 0.105);
    close(cash!.local_return, 0);
    close(cash!.base_return, 0.1);
    close(ibm!.base_return, -0.1);
    close(ibm!.contribution.total, -0.04);
  });

  it('gives a base-currency holding exactly zero FX effect', () => {
    const ibm = currencyAttribution(HOLDINGS, 'USD').holdings[2]!;
    assert.equal(ibm.fx_return, 0);
    assert.equal(ibm.interaction, 0);
    assert.equal(ibm.contribution.fx, 0);
    assert.equal(ibm.contribution.interaction, 0);
    assert.equal(ibm.base_return, ibm.local_return);
  });

  it('aggregates contributions per currency and for the portfolio', () => {
    const r = currencyAttribution(HOLDINGS, 'USD');
    assert.deepEqual(
      r.by_currency.map((c) => c.currency),
      ['EUR', 'USD'],
    );
    const eur = r.by_currency[0]!;
    close(eur.weight, 0.6);
    close(eur.contribution.local, 0.05);
    close(eur.contribution.fx, 0.06);
    close(eur.contribution.interaction, 0.005);
    close(eur.contribution.total, 0.115);
    // The euro sleeve: local 0.05 / 0.6, FX 10%, base 0.115 / 0.6 = (1 + 1/12) x 1.1 - 1.
    close(eur.returns!.local_return, 1 / 12);
    close(eur.returns!.fx_return, 0.1);
    close(eur.returns!.base_return, 0.115 / 0.6);
    close(r.portfolio.weight, 1);
    close(r.portfolio.contribution.total, 0.075);
    close(r.portfolio.contribution.fx, 0.06);
    assert.equal(r.base_currency, 'USD');
  });

  it('leaves a currency with zero net weight without returns', () => {
    const r = currencyAttribution(
      [
        {
          symbol: 'LONG',
          currency: 'JPY',
          weight: 0.2,
          price_start: 10,
          price_end: 11,
          fx_start: 0.007,
          fx_end: 0.0068,
        },
        {
          symbol: 'SHORT',
          currency: 'JPY',
          weight: -0.2,
          price_start: 10,
          price_end: 12,
          fx_start: 0.007,
          fx_end: 0.0068,
        },
      ],
      'USD',
    );
    assert.equal(r.by_currency[0]!.returns, null);
    close(r.by_currency[0]!.contribution.local, 0.02 - 0.04);
  });

  it('holds the identity within 0.1 bp and sums contributions to the portfolio return (1000 seeded random portfolios)', () => {
    const rand = prng(7);
    const logUniform = (lo: number, hi: number) => Math.exp(Math.log(lo) + rand() * (Math.log(hi) - Math.log(lo)));
    for (let c = 0; c < 1000; c++) {
      const currencies = ['USD', 'EUR', 'JPY', 'GBP', 'CHF'];
      const fx = new Map(
        currencies.map((ccy) => [ccy, ccy === 'USD' ? [1, 1] : [logUniform(0.001, 1000), 0]] as [string, number[]]),
      );
      for (const [ccy, rates] of fx) if (ccy !== 'USD') rates[1] = rates[0]! * logUniform(0.3, 3);
      const n = 1 + Math.floor(rand() * 8);
      const raw = Array.from({ length: n }, () => rand());
      const total = raw.reduce((s, x) => s + x, 0);
      const holdings: AttributionHolding[] = raw.map((w, i) => {
        const ccy = currencies[Math.floor(rand() * currencies.length)]!;
        const price = logUniform(0.01, 10_000);
        const [x0, x1] = fx.get(ccy)!;
        return {
          symbol: `S${i}`,
          currency: ccy,
          weight: w / total,
          price_start: price,
          price_end: price * logUniform(0.2, 5),
          fx_start: x0!,
          fx_end: x1!,
        };
      });
      const r = currencyAttribution(holdings, 'USD');
      let portfolioReturn = 0;
      for (const [i, h] of r.holdings.entries()) {
        const input = holdings[i]!;
        assert.ok(h.identity_residual < IDENTITY_TOLERANCE, `case ${c}`);
        assert.ok(Math.abs(h.base_return - (h.local_return + h.fx_return + h.interaction)) < 1e-12, `case ${c}`);
        if (h.currency === 'USD') assert.equal(h.fx_return, 0);
        portfolioReturn += input.weight * ((input.price_end * input.fx_end) / (input.price_start * input.fx_start) - 1);
      }
      const p = r.portfolio.contribution;
      assert.ok(Math.abs(p.total - portfolioReturn) < 1e-12, `case ${c}`);
      assert.ok(Math.abs(p.total - (p.local + p.fx + p.interaction)) < 1e-12, `case ${c}`);
      const byCurrency = r.by_currency.reduce((s, x) => s + x.contribution.total, 0);
      assert.ok(Math.abs(byCurrency - p.total) < 1e-12, `case ${c}`);
      for (const ccy of r.by_currency)
        assert.ok(ccy.returns === null || ccy.returns.identity_residual < 1e-12, `case ${c}`);
    }
  });

  it('throws AttributionIdentityError when doubles cannot carry the decomposition', () => {
    const huge = {
      symbol: 'X',
      currency: 'EUR',
      weight: 1,
      price_start: 1,
      price_end: 1e12 + 0.3,
      fx_start: 0.3,
      fx_end: 0.7,
    };
    assert.throws(() => currencyAttribution([huge], 'USD'), AttributionIdentityError);
  });

  it('rejects inconsistent or invalid input', () => {
    const [sap, , ibm] = HOLDINGS;
    const bad: AttributionHolding[][] = [
      [{ ...ibm!, fx_end: 1.01 }],
      [sap!, { ...sap!, symbol: 'BMW', fx_end: 1.2 }],
      [sap!, sap!],
      [{ ...sap!, price_start: 0 }],
      [{ ...sap!, price_end: -1 }],
      [{ ...sap!, fx_start: Number.NaN }],
      [{ ...sap!, weight: Number.POSITIVE_INFINITY }],
      [{ ...sap!, symbol: '' }],
      [{ ...sap!, currency: '' }],
    ];
    for (const holdings of bad)
      assert.throws(() => currencyAttribution(holdings, 'USD'), AnalyticsInputError, JSON.stringify(holdings));
    assert.throws(() => currencyAttribution(HOLDINGS, ''), AnalyticsInputError);
  });
});
