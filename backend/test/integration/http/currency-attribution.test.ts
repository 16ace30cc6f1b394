import assert from 'node:assert/strict';
import { describeEachDb } from '../../support/databases.js';
import { useSeededServer } from '../../support/server.js';

const LOOKBACK = 20;
const HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';
/** Returns are rounded to 10 decimals, so recomputed figures agree to within that. */
const ROUNDING = 1e-9;

interface PackBody {
  id: string;
  date: string;
  prices: { symbol: string; close: number }[];
  fx: { base: string; quote: string; rate: number }[];
}

interface Returns {
  r_local: number;
  r_fx: number;
  interaction: number;
  r_base: number;
  contribution: { local: number; fx: number; interaction: number; total: number };
}

const near = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < ROUNDING, `${what}: ${actual} vs ${expected}`);

const closeIn = (pack: PackBody, symbol: string): number => pack.prices.find((p) => p.symbol === symbol)!.close;

/** Units of `to` per unit of `from`, from the pack's row for the pair or its inverse. */
function rateIn(pack: PackBody, from: string, to: string): number {
  const direct = pack.fx.find((r) => r.base === from && r.quote === to);
  if (direct) return direct.rate;
  const inverse = pack.fx.find((r) => r.base === to && r.quote === from);
  assert.ok(inverse, `${pack.id} has a rate for ${from}/${to}`);
  return 1 / inverse.rate;
}

describeEachDb('currency attribution pattern over HTTP', (dialect) => {
  const t = useSeededServer(dialect);

  const run = (inputs: Record<string, unknown>) =>
    t.srv.request('POST', '/v1/execute', { body: { pattern_id: 'currency_attribution', inputs } });
  const pack = async (id: string): Promise<PackBody> => (await t.srv.request('GET', `/v1/packs/${id}`)).body;
  /** Fresh packs, newest first. */
  const recentPacks = async (n: number): Promise<{ id: string; date: string }[]> =>
    (await t.srv.request('GET', `/v1/packs?limit=${n}&status=fresh`)).body.packs;

  it('splits every holding of a EUR portfolio into local, FX and interaction returns that add up', async () => {
    const res = await run({ portfolio_id: 'pf_demo_eur', lookback_days: LOOKBACK });
    assert.equal(res.status, 200, res.text);
    const a = res.body.result.attribution;

    const packs = await recentPacks(LOOKBACK + 1);
    assert.deepEqual(a.period, {
      start_date: packs[LOOKBACK]!.date,
      end_date: packs[0]!.date,
      trading_days: LOOKBACK,
      start_pricing_pack_id: packs[LOOKBACK]!.id,
      end_pricing_pack_id: packs[0]!.id,
    });
    assert.equal(a.base_currency, 'EUR');
    assert.match(a.method, /buy-and-hold/);
    assert.deepEqual(a.identity.tolerance, 1e-5);
    assert.ok(a.identity.max_residual < 1e-5);

    const holdings = a.holdings as (Returns & { symbol: string; kind: string; currency: string; weight: number })[];
    assert.deepEqual(new Set(holdings.map((h) => h.currency)), new Set(['EUR', 'GBP', 'JPY', 'USD']));
    assert.ok(holdings.some((h) => h.kind === 'cash'));
    near(
      holdings.reduce((s, h) => s + h.weight, 0),
      1,
      'weights',
    );
    for (const h of holdings) {
      near(h.r_base, h.r_local + h.r_fx + h.r_local * h.r_fx, `${h.symbol} identity`);
      near(h.interaction, h.r_local * h.r_fx, `${h.symbol} interaction`);
      near(h.contribution.total, h.weight * h.r_base, `${h.symbol} contribution`);
      if (h.kind === 'cash') assert.equal(h.r_local, 0, `${h.symbol} earns no price return`);
      if (h.currency === 'EUR') {
        assert.equal(h.r_fx, 0, `${h.symbol} is in the base currency`);
        assert.equal(h.interaction, 0);
      }
    }
    const total = holdings.reduce((s, h) => s + h.contribution.total, 0);
    near(total, a.portfolio.return, 'contributions add up to the portfolio return');
    near(a.portfolio.contribution.total, a.portfolio.return, 'portfolio contribution');
    near(a.portfolio.return, a.portfolio.end_value / a.portfolio.start_value - 1, 'portfolio return from values');

    const byCurrency = a.by_currency as (Returns & { currency: string; weight: number })[];
    assert.deepEqual(
      byCurrency.map((c) => c.currency),
      ['EUR', 'GBP', 'JPY', 'USD'],
    );
    for (const c of byCurrency) {
      const members = holdings.filter((h) => h.currency === c.currency);
      near(
        c.contribution.total,
        members.reduce((s, h) => s + h.contribution.total, 0),
        `${c.currency} contribution`,
      );
      near(c.r_base, c.r_local + c.r_fx + c.r_local * c.r_fx, `${c.currency} identity`);
    }

    // NVDA, recomputed from the two packs' own numbers.
    const [start, end] = await Promise.all([pack(packs[LOOKBACK]!.id), pack(packs[0]!.id)]);
    const nvda = holdings.find((h) => h.symbol === 'NVDA')!;
    assert.equal(nvda.currency, 'USD');
    near(nvda.r_local, closeIn(end, 'NVDA') / closeIn(start, 'NVDA') - 1, 'NVDA r_local');
    near(nvda.r_fx, rateIn(end, 'USD', 'EUR') / rateIn(start, 'USD', 'EUR') - 1, 'NVDA r_fx');
  });

  describe('a USD portfolio holding one EUR security', () => {
    let id: string;
    let packs: { id: string; date: string }[];
    before(async () => {
      packs = await recentPacks(12);
      const created = await t.srv.request('POST', '/v1/portfolios', {
        body: { name: 'attribution', base_currency: 'USD' },
      });
      assert.equal(created.status, 201, created.text);
      id = created.body.id;
      const rows = [`${packs[8]!.date},DEPOSIT,,,,1500,EUR,,`, `${packs[5]!.date},BUY,SAP.DE,10,100,,EUR,,`];
      const imported = await t.srv.request('POST', `/v1/portfolios/${id}/transactions`, {
        raw: [HEADER, ...rows].join('\n'),
        headers: { 'content-type': 'text/csv' },
      });
      assert.equal(imported.status, 201, imported.text);
    });

    it('matches the figures worked out by hand from the two packs', async () => {
      const res = await run({ portfolio_id: id, lookback_days: 3 });
      assert.equal(res.status, 200, res.text);
      const a = res.body.result.attribution;
      assert.equal(a.period.start_date, packs[3]!.date);
      assert.ok(!res.body.warnings.some((w: { code: string }) => w.code === 'trades_in_period'));

      const [start, end] = await Promise.all([pack(packs[3]!.id), pack(packs[0]!.id)]);
      const p0 = closeIn(start, 'SAP.DE');
      const p1 = closeIn(end, 'SAP.DE');
      const x0 = rateIn(start, 'EUR', 'USD');
      const x1 = rateIn(end, 'EUR', 'USD');
      // 10 shares and 500 EUR of cash left from the 1500 deposited.
      const weight = (10 * p0) / (10 * p0 + 500);
      const rLocal = p1 / p0 - 1;
      const rFx = x1 / x0 - 1;
      const rBase = (p1 * x1) / (p0 * x0) - 1;

      const [sap, cash] = a.holdings as (Returns & { symbol: string; weight: number })[];
      assert.equal(sap!.symbol, 'SAP.DE');
      near(sap!.weight, weight, 'weight');
      near(sap!.r_local, rLocal, 'r_local');
      near(sap!.r_fx, rFx, 'r_fx');
      near(sap!.interaction, rLocal * rFx, 'interaction');
      near(sap!.r_base, rBase, 'r_base');
      near(sap!.contribution.total, weight * rBase, 'contribution');
      near(sap!.contribution.fx, weight * rFx, 'FX contribution');

      assert.equal(cash!.symbol, 'CASH:EUR');
      near(cash!.weight, 1 - weight, 'cash weight');
      assert.equal(cash!.r_local, 0);
      near(cash!.r_fx, rFx, 'cash r_fx');
      near(cash!.contribution.total, (1 - weight) * rFx, 'cash contribution');

      near(a.portfolio.return, ((10 * p1 + 500) * x1) / ((10 * p0 + 500) * x0) - 1, 'portfolio return');
      assert.deepEqual(
        a.by_currency.map((c: { currency: string }) => c.currency),
        ['EUR'],
      );
      near(a.by_currency[0].r_fx, rFx, 'EUR r_fx');
    });

    it('attributes the start positions only, and says so when the period has trades', async () => {
      const res = await run({ portfolio_id: id, lookback_days: 6 });
      assert.equal(res.status, 200, res.text);
      const a = res.body.result.attribution;
      assert.deepEqual(
        a.holdings.map((h: { symbol: string; weight: number }) => [h.symbol, h.weight]),
        [['CASH:EUR', 1]],
      );
      const warning = res.body.warnings.find((w: { code: string }) => w.code === 'trades_in_period');
      assert.ok(warning, JSON.stringify(res.body.warnings));
      assert.match(warning.message, /^1 /);
    });

    it('400 when the portfolio held nothing at the start of the period', async () => {
      const res = await run({ portfolio_id: id, lookback_days: 10 });
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.message, /not positive/);
    });
  });

  it('400 for a lookback of 0 days', async () => {
    const res = await run({ portfolio_id: 'pf_demo_eur', lookback_days: 0 });
    assert.equal(res.status, 400, res.text);
    assert.match(res.body.message, /lookback_days/);
  });
});
