import assert from 'node:assert/strict';
import { createUserWithKey } from '../../../src/db/repositories/users.js';
import { describeEachDb } from '../../support/databases.js';
import { useSeededServer } from '../../support/server.js';

const USD = 'pf_demo_usd';
const overview = (extra: Record<string, unknown> = {}) => ({
  pattern_id: 'portfolio_overview',
  inputs: { portfolio_id: USD },
  ...extra,
});

describeEachDb('POST /v1/execute', (dialect) => {
  const t = useSeededServer(dialect);

  it('values the demo portfolio with the newest fresh pack and records provenance', async () => {
    const res = await t.srv.request('POST', '/v1/execute', {
      body: overview(),
      headers: { 'x-request-id': `ov-${dialect}-1` },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('x-request-id'), `ov-${dialect}-1`);
    const { result, metadata, warnings } = res.body;
    assert.equal(metadata.pattern_id, 'portfolio_overview');
    assert.equal(metadata.pattern_version, '2.0.0');
    assert.match(metadata.pricing_pack_id, /^PP_\d{4}-\d{2}-\d{2}$/);
    assert.equal(metadata.asof_date, metadata.pricing_pack_id.slice(3));
    assert.match(metadata.ledger_commit_hash, /^[0-9a-f]{64}$/);
    assert.match(metadata.result_hash, /^[0-9a-f]{64}$/);
    assert.match(metadata.trace_id, /^[0-9a-f]{32}$/);
    assert.equal(metadata.request_id, `ov-${dialect}-1`);
    assert.equal(metadata.cached, false);
    assert.deepEqual(warnings, []);

    const packs = await t.srv.request('GET', '/v1/packs?limit=1');
    assert.equal(metadata.pricing_pack_id, packs.body.packs[0].id, 'newest pack is used by default');
    const portfolio = await t.srv.request('GET', `/v1/portfolios/${USD}`);
    assert.equal(
      metadata.ledger_commit_hash,
      portfolio.body.ledger_commit_hash,
      'head of the portfolio chain is pinned',
    );

    const v = result.valuation;
    assert.equal(v.totals.base_currency, 'USD');
    assert.equal(v.totals.complete, true);
    assert.ok(v.holdings.length >= 30, `largest demo portfolio has many positions (${v.holdings.length})`);
    const sum =
      v.holdings.reduce((s: number, h: any) => s + h.market_value_base, 0) +
      v.cash.reduce((s: number, c: any) => s + c.value_base, 0);
    assert.ok(Math.abs(sum - v.totals.total_value) < 0.01 * (v.holdings.length + v.cash.length), 'totals add up');
    for (const h of v.holdings) {
      assert.ok(h.price > 0 && h.quantity > 0, `${h.symbol} priced`);
      assert.ok(
        Math.abs(h.market_value - h.quantity * h.price) < 0.0001 + 1e-9 * h.market_value,
        `${h.symbol} value = q * p`,
      );
    }
    const ledger = result.ledger;
    assert.equal(ledger.open_positions, v.holdings.length);
    assert.ok(ledger.transaction_count > 500);
    assert.ok(
      ledger.closed_positions.some((c: any) => c.symbol === 'PFE'),
      'a position sold outright is listed as closed',
    );
    for (const key of ['realized_pnl', 'income', 'fees', 'external_flows']) {
      assert.ok(
        ledger[key].some((x: any) => x.currency === 'USD' && x.amount !== 0),
        `${key} in USD`,
      );
    }
    const weights = result.allocation.by_sector.reduce((s: number, b: any) => s + b.weight, 0);
    assert.ok(Math.abs(weights - 1) < 1e-4, `sector weights sum to 1 (${weights})`);
    assert.equal(result.allocation.top_holdings.length, 10);

    const stored = await t.srv.request('GET', `/v1/executions/ov-${dialect}-1`);
    assert.equal(stored.status, 200);
    assert.equal(stored.body.result_hash, metadata.result_hash);
    assert.equal(stored.body.pricing_pack_id, metadata.pricing_pack_id);
    assert.equal(stored.body.ledger_commit_hash, metadata.ledger_commit_hash);
    assert.equal(stored.body.status, 'ok');
    assert.deepEqual(stored.body.inputs, {
      portfolio_id: USD,
      top_n: 10,
      metrics_lookback_days: 252,
      risk_free_rate: 0,
    });
  });

  it('gives the same result_hash twice, the second from the cache, and replay matches', async () => {
    const a = await t.srv.request('POST', '/v1/execute', {
      body: overview({ inputs: { portfolio_id: USD, top_n: 5 } }),
    });
    const b = await t.srv.request('POST', '/v1/execute', {
      body: overview({ inputs: { top_n: 5, portfolio_id: USD } }),
    });
    assert.equal(a.status, 200);
    assert.equal(b.body.metadata.result_hash, a.body.metadata.result_hash);
    assert.equal(b.body.metadata.cached, true);
    assert.deepEqual(b.body.result, a.body.result);
    assert.notEqual(b.body.metadata.request_id, a.body.metadata.request_id);

    const replay = await t.srv.request('POST', `/v1/executions/${a.body.metadata.request_id}/replay`);
    assert.equal(replay.status, 200, replay.text);
    assert.equal(replay.body.match, true);
    assert.equal(replay.body.metadata.cached, false, 'replay recomputes');
    assert.equal(replay.body.metadata.result_hash, a.body.metadata.result_hash);
    assert.equal(replay.body.replay_of, a.body.metadata.request_id);
  });

  it('answers without the portfolio name, so a rename changes no answer and an earlier one still replays', async () => {
    const a = await t.srv.request('POST', '/v1/execute', {
      body: overview({ inputs: { portfolio_id: USD, top_n: 3 } }),
    });
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.body.result.portfolio, { id: USD, base_currency: 'USD' });
    const before = (await t.srv.request('GET', `/v1/portfolios/${USD}`)).body.name;
    const rename = (name: string) => t.srv.request('PATCH', `/v1/portfolios/${USD}`, { body: { name } });
    assert.equal((await rename('Renamed while answers stand')).status, 200);
    try {
      const replay = await t.srv.request('POST', `/v1/executions/${a.body.metadata.request_id}/replay`);
      assert.equal(replay.status, 200, replay.text);
      assert.equal(replay.body.match, true);
      assert.equal(replay.body.metadata.result_hash, a.body.metadata.result_hash);
    } finally {
      assert.equal((await rename(before)).status, 200);
    }
  });

  it('refuses to execute against a deleted portfolio once the current-state TTL has passed', async () => {
    const created = await t.srv.request('POST', '/v1/portfolios', {
      body: { name: 'Made by mistake', base_currency: 'USD' },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    const run = () => t.srv.request('POST', '/v1/execute', { body: overview({ inputs: { portfolio_id: id } }) });
    assert.equal((await run()).status, 200);
    assert.equal((await t.srv.request('DELETE', `/v1/portfolios/${id}`)).status, 204);
    // FOLIO_CURRENT_STATE_TTL_MS (1 s by default) bounds how long any process may still know it.
    await new Promise((r) => setTimeout(r, 1100));
    const gone = await run();
    assert.equal(gone.status, 404, gone.text);
    assert.equal(gone.body.error, 'portfolio_not_found');
  });

  it('answers from an older pack when pinned to it, and that answer replays', async () => {
    const list = await t.srv.request('GET', '/v1/packs?limit=30');
    const older = list.body.packs[25];
    const latest = await t.srv.request('POST', '/v1/execute', { body: overview() });
    const pinned = await t.srv.request('POST', '/v1/execute', { body: overview({ pricing_pack_id: older.id }) });
    assert.equal(pinned.status, 200, pinned.text);
    assert.equal(pinned.body.metadata.pricing_pack_id, older.id);
    assert.equal(pinned.body.metadata.asof_date, older.date);
    assert.notEqual(pinned.body.result.valuation.totals.total_value, latest.body.result.valuation.totals.total_value);
    assert.notEqual(pinned.body.metadata.result_hash, latest.body.metadata.result_hash);
    const again = await t.srv.request('POST', '/v1/execute', { body: overview({ pricing_pack_id: older.id }) });
    assert.equal(again.body.metadata.result_hash, pinned.body.metadata.result_hash);
    const replay = await t.srv.request('POST', `/v1/executions/${pinned.body.metadata.request_id}/replay`);
    assert.equal(replay.body.match, true);
  });

  it('asof_date picks the newest fresh pack on or before it', async () => {
    const list = await t.srv.request('GET', '/v1/packs?limit=10');
    const friday = list.body.packs.find((p: any) => new Date(`${p.date}T00:00:00Z`).getUTCDay() === 5);
    const saturday = new Date(Date.parse(`${friday.date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const res = await t.srv.request('POST', '/v1/execute', { body: overview({ asof_date: saturday }) });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.metadata.pricing_pack_id, friday.id);
    assert.equal(res.body.metadata.asof_date, saturday);
    assert.deepEqual(
      res.body.warnings.map((w: any) => w.code),
      ['prices_older_than_asof'],
    );
  });

  it('pins a ledger commit: an earlier commit gives the earlier holdings', async () => {
    const portfolio = await t.srv.request('GET', `/v1/portfolios/${USD}`);
    const commits = portfolio.body.commits;
    assert.ok(commits.length >= 2);
    const first = commits[0].hash;
    const res = await t.srv.request('POST', '/v1/execute', { body: overview({ ledger_commit_hash: first }) });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.metadata.ledger_commit_hash, first);
    const head = await t.srv.request('POST', '/v1/execute', { body: overview() });
    assert.ok(
      res.body.result.ledger.transaction_count < head.body.result.ledger.transaction_count,
      'fewer transactions at the first commit',
    );
  });

  it('holdings_detail shows one holding with lots and transactions', async () => {
    const ov = await t.srv.request('POST', '/v1/execute', { body: overview() });
    const top = ov.body.result.valuation.holdings.find(
      (h: any) => h.symbol === ov.body.result.allocation.top_holdings[0].symbol,
    );
    const res = await t.srv.request('POST', '/v1/execute', {
      body: { pattern_id: 'holdings_detail', inputs: { portfolio_id: USD, symbol: top.symbol } },
    });
    assert.equal(res.status, 200, res.text);
    const h = res.body.result.holding;
    assert.equal(h.symbol, top.symbol);
    assert.equal(h.quantity, top.quantity);
    assert.equal(h.market_value_base, top.market_value_base);
    assert.equal(h.weight, top.weight);
    const lotQty = h.lots.reduce((s: number, l: any) => s + l.quantity, 0);
    assert.ok(Math.abs(lotQty - h.quantity) < 1e-9, 'lots add up to the position');
    assert.ok(res.body.result.transactions.items.length > 0);
    assert.ok(res.body.result.transactions.items.every((t: any) => t.symbol === top.symbol));
  });

  describe('errors', () => {
    const cases: [string, () => Promise<{ status: number; body: any; headers: Headers }>, number, string][] = [
      [
        'malformed JSON',
        () =>
          t.srv.request('POST', '/v1/execute', {
            raw: '{"pattern_id": ',
            headers: { 'content-type': 'application/json' },
          }),
        400,
        'invalid_request',
      ],
      ['a JSON array body', () => t.srv.request('POST', '/v1/execute', { body: [1, 2] }), 400, 'invalid_request'],
      [
        'pattern_id of the wrong type',
        () => t.srv.request('POST', '/v1/execute', { body: { pattern_id: 42, inputs: {} } }),
        400,
        'invalid_request',
      ],
      [
        'an unknown top-level field',
        () => t.srv.request('POST', '/v1/execute', { body: { ...overview(), extra: 1 } }),
        400,
        'invalid_request',
      ],
      [
        'an unknown input',
        () => t.srv.request('POST', '/v1/execute', { body: overview({ inputs: { portfolio_id: USD, nope: 1 } }) }),
        400,
        'invalid_request',
      ],
      [
        'a missing input',
        () => t.srv.request('POST', '/v1/execute', { body: overview({ inputs: {} }) }),
        400,
        'invalid_request',
      ],
      [
        'an input of the wrong type',
        () => t.srv.request('POST', '/v1/execute', { body: overview({ inputs: { portfolio_id: USD, top_n: '5' } }) }),
        400,
        'invalid_request',
      ],
      [
        'an impossible date',
        () => t.srv.request('POST', '/v1/execute', { body: overview({ asof_date: '2024-02-30' }) }),
        400,
        'invalid_request',
      ],
      [
        'a future date',
        () => t.srv.request('POST', '/v1/execute', { body: overview({ asof_date: '2999-01-01' }) }),
        400,
        'invalid_request',
      ],
      [
        'a malformed commit hash',
        () => t.srv.request('POST', '/v1/execute', { body: overview({ ledger_commit_hash: "' OR 1=1 --" }) }),
        400,
        'invalid_request',
      ],
      [
        'no API key',
        () => t.srv.request('POST', '/v1/execute', { body: overview(), headers: { authorization: '' } }),
        401,
        'unauthorized',
      ],
      [
        'an unknown API key',
        () =>
          t.srv.request('POST', '/v1/execute', { body: overview(), headers: { authorization: 'Bearer nope-nope' } }),
        401,
        'unauthorized',
      ],
      [
        'an unknown pattern',
        () => t.srv.request('POST', '/v1/execute', { body: { pattern_id: 'nope', inputs: {} } }),
        404,
        'pattern_not_found',
      ],
      [
        'an unknown portfolio',
        () =>
          t.srv.request('POST', '/v1/execute', {
            body: overview({ inputs: { portfolio_id: "x'; drop table portfolios; --" } }),
          }),
        404,
        'portfolio_not_found',
      ],
      [
        'an unknown pack',
        () => t.srv.request('POST', '/v1/execute', { body: overview({ pricing_pack_id: 'PP_1999-01-01' }) }),
        404,
        'pricing_pack_not_found',
      ],
      [
        'an asof_date before any pack',
        () => t.srv.request('POST', '/v1/execute', { body: overview({ asof_date: '1999-01-01' }) }),
        404,
        'pricing_pack_not_found',
      ],
      [
        'a commit of another chain',
        () => t.srv.request('POST', '/v1/execute', { body: overview({ ledger_commit_hash: 'a'.repeat(64) }) }),
        404,
        'ledger_commit_not_found',
      ],
      [
        'a body over the limit',
        () =>
          t.srv.request('POST', '/v1/execute', {
            body: { ...overview(), inputs: { portfolio_id: 'x'.repeat(2_000_000) } },
          }),
        413,
        'payload_too_large',
      ],
    ];
    for (const [what, call, status, code] of cases) {
      it(`${status} ${code} for ${what}`, async () => {
        const res = await call();
        assert.equal(res.status, status, JSON.stringify(res.body));
        assert.equal(res.body.error, code);
        assert.equal(typeof res.body.message, 'string');
        assert.ok(res.body.request_id && res.body.trace_id, 'error carries request and trace ids');
        assert.equal(res.headers.get('x-request-id'), res.body.request_id);
      });
    }

    it('404 portfolio_not_found for a portfolio that belongs to someone else', async () => {
      const k = t.db.open();
      const other = await createUserWithKey(k, `other-${dialect}`);
      await k.destroy();
      const res = await t.srv.request('POST', '/v1/execute', {
        body: overview(),
        headers: { authorization: `Bearer ${other.apiKey}` },
      });
      assert.equal(res.status, 404);
      assert.equal(res.body.error, 'portfolio_not_found');
      const mine = await t.srv.request('GET', `/v1/portfolios/${USD}`, {
        headers: { authorization: `Bearer ${other.apiKey}` },
      });
      assert.equal(mine.status, 404);
    });

    it('stores the provenance of a rejected request without keeping huge inputs', async () => {
      const headers = { 'x-request-id': `huge-${dialect}` };
      const res = await t.srv.request('POST', '/v1/execute', {
        body: overview({ inputs: { portfolio_id: USD, junk: 'x'.repeat(100_000) } }),
        headers,
      });
      assert.equal(res.status, 400);
      const rec = await t.srv.request('GET', `/v1/executions/huge-${dialect}`);
      assert.equal(rec.status, 200);
      assert.equal(rec.body.status, 'error');
      assert.equal(rec.body.error_code, 'invalid_request');
      assert.match(rec.body.inputs._omitted, /not stored/);
    });

    it('409 conflict when an X-Request-ID is reused', async () => {
      const headers = { 'x-request-id': `dup-${dialect}` };
      assert.equal((await t.srv.request('POST', '/v1/execute', { body: overview(), headers })).status, 200);
      const again = await t.srv.request('POST', '/v1/execute', { body: overview(), headers });
      assert.equal(again.status, 409);
      assert.equal(again.body.error, 'conflict');
    });

    it('replaces an X-Request-ID that is not well formed instead of echoing it', async () => {
      const res = await t.srv.request('GET', '/health/live', { headers: { 'x-request-id': 'bad id <script>' } });
      assert.match(res.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
    });

    it('honours traceparent', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const res = await t.srv.request('POST', '/v1/execute', {
        body: overview(),
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      });
      assert.equal(res.body.metadata.trace_id, traceId);
    });
  });
});
