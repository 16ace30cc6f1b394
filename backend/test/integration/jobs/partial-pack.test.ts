import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import * as securities from '../../../src/db/repositories/securities.js';
import { positionsOnDate } from '../../../src/services/packs/positions.js';
import { describeEachDb } from '../../support/databases.js';
import { runFolio, tempDir } from '../../support/folio-process.js';
import { startTestServer } from '../../support/server.js';
import { jobRuns, jobsDatabase, packsOn, providerFor, writeCsvDay, type JobsDb } from './support.js';

/** The first trading day after the seeded demo data (which ends on Friday 2025-10-24). */
const DATE = '2025-10-27';
const overview = (portfolio_id: string) => ({ pattern_id: 'portfolio_overview', inputs: { portfolio_id } });

describeEachDb('jobs: a pack that lacks one portfolio’s price or rate blocks no one else', (dialect) => {
  let t: JobsDb;
  let db: Knex;
  beforeEach(async () => {
    t = await jobsDatabase(dialect);
    db = t.open();
  });
  afterEach(async () => {
    await db?.destroy();
    await t?.drop();
  });

  it('publishes the pack with the gap recorded; only the holder’s answers name the missing symbol, others are served as before', async () => {
    const held = await positionsOnDate(db, DATE, await securities.all(db));
    const holders = (symbol: string) => held.filter((h) => h.at.securities.has(symbol)).map((h) => h.portfolioId);
    const usd = held.find((h) => h.portfolioId === 'pf_demo_usd')!;
    const missing = [...usd.at.securities.keys()].find((s) => holders(s).length === 1)!;
    assert.ok(missing, 'pf_demo_usd holds a symbol no other portfolio holds');
    const others = held.map((h) => h.portfolioId).filter((id) => id !== 'pf_demo_usd');

    const snap = await providerFor('demo').snapshot({ date: DATE, symbols: [], pairs: [] });
    const dir = tempDir('folio-csv-');
    try {
      writeCsvDay(
        dir.path,
        DATE,
        snap.prices.filter((p) => p.symbol !== missing),
        snap.fx,
      );
      const r = await runFolio(['build-pack', '--date', DATE, '--provider', 'csv', '--mark-fresh', '--json'], {
        env: { ...t.env, FOLIO_PROVIDER_CSV_DIR: dir.path },
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const out = JSON.parse(r.stdout);
      assert.equal(out.build.status, 'success');
      assert.match(out.build.message, new RegExp(`missing prices: ${missing} \\(held by pf_demo_usd\\)`));
      assert.deepEqual(out.build.details.coverage.missing_symbols, [{ symbol: missing, portfolios: ['pf_demo_usd'] }]);
      assert.equal(out.reconcile.status, 'success', out.reconcile.message);
      assert.equal(out.mark_fresh.status, 'success');
    } finally {
      dir.remove();
    }
    assert.deepEqual(
      (await packsOn(db, DATE)).map((p) => [p.id, p.status]),
      [[`PP_${DATE}`, 'fresh']],
    );
    const [run] = await jobRuns(db, 'build-pack');
    assert.deepEqual(JSON.parse(run!.details!).coverage.missing_symbols, [
      { symbol: missing, portfolios: ['pf_demo_usd'] },
    ]);

    const srv = await startTestServer(t, { FOLIO_CURRENT_STATE_TTL_MS: '0' });
    try {
      const health = await srv.request('GET', '/health/pack');
      assert.equal(health.body.newest.id, `PP_${DATE}`);
      for (const id of others) {
        const served = await srv.request('POST', '/v1/execute', { body: overview(id) });
        assert.equal(served.status, 200, served.text);
        assert.equal(served.body.metadata.pricing_pack_id, `PP_${DATE}`);
        assert.deepEqual(
          served.body.warnings.filter((w: { code: string }) => w.code.startsWith('missing_')),
          [],
          id,
        );
      }
      const affected = await srv.request('POST', '/v1/execute', { body: overview('pf_demo_usd') });
      assert.equal(affected.status, 200, affected.text);
      assert.deepEqual(
        affected.body.warnings.filter((w: { code: string }) => w.code === 'missing_price'),
        [{ code: 'missing_price', message: `no price for ${missing} in the pricing pack` }],
      );
      assert.equal(JSON.stringify(affected.body).includes('"complete":false'), true, 'totals say they are incomplete');
    } finally {
      await srv.close();
    }
  });

  it('publishes a pack without the one rate a portfolio needs: its daily series and attribution carry the last rate forward, its valuation names the pair', async () => {
    const snap = await providerFor('demo').snapshot({ date: DATE, symbols: [], pairs: [] });
    // Only the euro portfolio holds yen; the demo quotes every currency against USD.
    const jpy = snap.fx.find((r) => r.base === 'JPY' || r.quote === 'JPY')!;
    assert.ok(jpy, 'the demo quotes a yen rate');
    const dir = tempDir('folio-csv-');
    try {
      writeCsvDay(
        dir.path,
        DATE,
        snap.prices,
        snap.fx.filter((r) => r !== jpy),
      );
      const r = await runFolio(['build-pack', '--date', DATE, '--provider', 'csv', '--mark-fresh', '--json'], {
        env: { ...t.env, FOLIO_PROVIDER_CSV_DIR: dir.path },
        timeoutMs: 60_000,
      });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const out = JSON.parse(r.stdout);
      assert.equal(out.mark_fresh.status, 'success');
      assert.deepEqual(out.build.details.coverage.missing_pairs, [{ pair: 'JPY/EUR', portfolios: ['pf_demo_eur'] }]);
    } finally {
      dir.remove();
    }

    const srv = await startTestServer(t, { FOLIO_CURRENT_STATE_TTL_MS: '0' });
    try {
      const run = async (pattern_id: string, portfolio_id: string, inputs: Record<string, unknown> = {}) => {
        const res = await srv.request('POST', '/v1/execute', {
          body: { pattern_id, inputs: { portfolio_id, ...inputs } },
        });
        assert.equal(res.status, 200, `${pattern_id} ${portfolio_id}: ${res.text}`);
        assert.equal(res.body.metadata.pricing_pack_id, `PP_${DATE}`);
        return res.body as { warnings: { code: string; message: string }[]; result: Record<string, unknown> };
      };
      const codes = (b: { warnings: { code: string }[] }) => b.warnings.map((w) => w.code);
      for (const id of ['pf_demo_usd', 'pf_demo_cad']) {
        const served = await run('portfolio_overview', id);
        assert.deepEqual(
          codes(served).filter((c) => c.startsWith('missing_') || c.endsWith('_carried_forward')),
          [],
          id,
        );
      }
      const carried = {
        code: 'fx_rate_carried_forward',
        message: `the pricing pack in force has no FX rate JPY/EUR on some days between ${DATE} and ${DATE}; its last known rate was carried forward`,
      };
      const overview = await run('portfolio_overview', 'pf_demo_eur');
      assert.ok(codes(overview).includes('missing_fx_rate'), JSON.stringify(overview.warnings));
      assert.ok(overview.result.metrics, 'the metrics strip is there');
      assert.deepEqual(
        overview.warnings.filter((w) => w.code === 'fx_rate_carried_forward'),
        [carried],
      );
      const performance = await run('performance', 'pf_demo_eur', { start_date: '2025-10-20', end_date: DATE });
      assert.deepEqual(
        performance.warnings.filter((w) => w.code === 'fx_rate_carried_forward'),
        [carried],
      );
      const attribution = await run('currency_attribution', 'pf_demo_eur', { lookback_days: 5 });
      assert.deepEqual(
        attribution.warnings.filter((w) => w.code === 'fx_rate_carried_forward').map((w) => w.message),
        [
          `pricing pack PP_${DATE} has no FX rate JPY/EUR; its last known rate, from PP_2025-10-24, was carried forward`,
        ],
      );
    } finally {
      await srv.close();
    }
  });
});
