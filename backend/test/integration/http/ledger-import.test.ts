import assert from 'node:assert/strict';
import { canonicalJson, sha256Hex } from '../../../src/domain/canonical.js';
import { genesisParent } from '../../../src/domain/ledger/commit.js';
import { describeEachDb } from '../../support/databases.js';
import { useSeededServer } from '../../support/server.js';

const HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';

describeEachDb('ledger import over HTTP', (dialect) => {
  const t = useSeededServer(dialect);
  let pack: {
    id: string;
    date: string;
    prices: { symbol: string; close: number }[];
    fx: { base: string; quote: string; rate: number }[];
  };
  before(async () => {
    const list = await t.srv.request('GET', '/v1/packs?limit=1');
    pack = (await t.srv.request('GET', `/v1/packs/${list.body.packs[0].id}`)).body;
  });

  const newPortfolio = async (base = 'USD') => {
    const res = await t.srv.request('POST', '/v1/portfolios', { body: { name: `test ${base}`, base_currency: base } });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const importCsv = (id: string, rows: string[]) =>
    t.srv.request('POST', `/v1/portfolios/${id}/transactions`, {
      raw: [HEADER, ...rows].join('\n'),
      headers: { 'content-type': 'text/csv' },
    });
  const closeOf = (symbol: string) => pack.prices.find((p) => p.symbol === symbol)!.close;

  it('creates, lists and reads portfolios', async () => {
    const id = await newPortfolio('EUR');
    const list = await t.srv.request('GET', '/v1/portfolios');
    assert.ok(list.body.portfolios.some((p: any) => p.id === id && p.base_currency === 'EUR'));
    const one = await t.srv.request('GET', `/v1/portfolios/${id}`);
    assert.equal(one.body.ledger_commit_hash, genesisParent(id), 'an empty ledger is its genesis');
    assert.deepEqual(one.body.commits, []);
    const bad = await t.srv.request('POST', '/v1/portfolios', { body: { name: '', base_currency: 'usd' } });
    assert.equal(bad.status, 400);
  });

  it('imports a CSV as one commit whose hash chains from the genesis, then values it exactly', async () => {
    const id = await newPortfolio('USD');
    const d = pack.date;
    const rows = [`${d},DEPOSIT,,,,100000,USD,,initial funding`, `${d},BUY,AAPL,10,${closeOf('AAPL')},,USD,1.5,`];
    const res = await importCsv(id, rows);
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.count, 2);
    const batch = [
      {
        date: d,
        type: 'DEPOSIT',
        symbol: null,
        quantity: null,
        price: null,
        amount: 100000,
        currency: 'USD',
        fee: 0,
        note: 'initial funding',
      },
      {
        date: d,
        type: 'BUY',
        symbol: 'AAPL',
        quantity: 10,
        price: closeOf('AAPL'),
        amount: null,
        currency: 'USD',
        fee: 1.5,
        note: null,
      },
    ];
    assert.equal(res.body.ledger_commit_hash, sha256Hex(genesisParent(id) + canonicalJson(batch)));

    const ov = await t.srv.request('POST', '/v1/execute', {
      body: { pattern_id: 'portfolio_overview', inputs: { portfolio_id: id } },
    });
    assert.equal(ov.status, 200, ov.text);
    const v = ov.body.result.valuation;
    const aapl = v.holdings[0];
    assert.equal(aapl.symbol, 'AAPL');
    assert.equal(aapl.market_value, Math.round(10 * closeOf('AAPL') * 1e4) / 1e4);
    assert.equal(aapl.cost_basis, Math.round((10 * closeOf('AAPL') + 1.5) * 1e4) / 1e4);
    assert.equal(aapl.unrealized_pnl, -1.5, 'bought at the close: only the fee is lost');
    assert.deepEqual(
      v.cash.map((c: any) => [c.currency, c.balance]),
      [['USD', Math.round((100000 - 10 * closeOf('AAPL') - 1.5) * 1e4) / 1e4]],
    );
    assert.equal(v.totals.total_value, Math.round((100000 - 1.5) * 1e4) / 1e4);
    assert.equal(ov.body.metadata.ledger_commit_hash, res.body.ledger_commit_hash);

    const second = await t.srv.request('POST', `/v1/portfolios/${id}/transactions`, {
      body: {
        transactions: [
          { date: d, type: 'SELL', symbol: 'AAPL', quantity: '4', price: closeOf('AAPL'), currency: 'USD' },
        ],
      },
    });
    assert.equal(second.status, 201, second.text);
    assert.equal(second.body.parent_hash, res.body.ledger_commit_hash);
    assert.equal(second.body.seq, 2);
  });

  it('serialises concurrent imports into one unbroken chain', async () => {
    const id = await newPortfolio('USD');
    const d = pack.date;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => importCsv(id, [`${d},DEPOSIT,,,,${100 + i},USD,,batch ${i}`])),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      Array(8).fill(201),
      JSON.stringify(results.map((r) => r.body)),
    );
    const commits = (await t.srv.request('GET', `/v1/portfolios/${id}`)).body.commits;
    assert.deepEqual(
      commits.map((c: any) => c.seq),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    let parent = genesisParent(id);
    for (const c of commits) {
      assert.equal(c.parent_hash, parent, `commit ${c.seq} links to the one before`);
      parent = c.hash;
    }
    const ov = await t.srv.request('POST', '/v1/execute', {
      body: { pattern_id: 'portfolio_overview', inputs: { portfolio_id: id } },
    });
    assert.equal(ov.body.result.valuation.totals.total_value, 8 * 100 + 28, 'every deposit counted once');
    assert.equal(ov.body.metadata.ledger_commit_hash, parent, 'the newest commit is pinned at once');
  });

  it('values foreign holdings with the pack FX rate', async () => {
    const id = await newPortfolio('EUR');
    const d = pack.date;
    const res = await importCsv(id, [`${d},DEPOSIT,,,,5000,USD,,`, `${d},BUY,MSFT,2,${closeOf('MSFT')},,USD,,`]);
    assert.equal(res.status, 201, res.text);
    const ov = await t.srv.request('POST', '/v1/execute', {
      body: { pattern_id: 'portfolio_overview', inputs: { portfolio_id: id } },
    });
    const eurUsd = pack.fx.find((r) => r.base === 'EUR' && r.quote === 'USD')!.rate;
    const msft = ov.body.result.valuation.holdings[0];
    assert.ok(Math.abs(msft.fx_rate - 1 / eurUsd) < 1e-12);
    assert.ok(Math.abs(msft.market_value_base - (2 * closeOf('MSFT')) / eurUsd) < 1e-4);
    assert.ok(Math.abs(ov.body.result.valuation.totals.total_value - 5000 / eurUsd) < 1e-3);
  });

  describe('rejects the whole import, naming the row, and writes nothing', () => {
    const d = () => pack.date;
    const bad: [string, () => string[], number, RegExp][] = [
      ['a bad date', () => [`${d()},DEPOSIT,,,,100,USD,,`, `2024-02-30,DEPOSIT,,,,100,USD,,`], 2, /date/],
      ['a non-numeric amount', () => [`${d()},DEPOSIT,,,,abc,USD,,`], 1, /amount/],
      ['an unknown symbol', () => [`${d()},DEPOSIT,,,,1000,USD,,`, `${d()},BUY,NOPE,1,10,,USD,,`], 2, /NOPE/],
      [
        'selling more than held',
        () => [
          `${d()},DEPOSIT,,,,100000,USD,,`,
          `${d()},BUY,AAPL,1,${closeOf('AAPL')},,USD,,`,
          `${d()},SELL,AAPL,2,${closeOf('AAPL')},,USD,,`,
        ],
        3,
        /AAPL/,
      ],
      ['an unknown type', () => [`${d()},GIFT,,,,100,USD,,`], 1, /type/],
      ['a negative quantity', () => [`${d()},DEPOSIT,,,,1000,USD,,`, `${d()},BUY,AAPL,-1,10,,USD,,`], 2, /quantity/],
      ['an injection string', () => [`${d()},BUY,"AAPL'; DROP TABLE transactions; --",1,10,,USD,,`], 1, /symbol/],
    ];
    for (const [what, rows, row, pattern] of bad) {
      it(what, async () => {
        const id = await newPortfolio();
        const res = await importCsv(id, rows());
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.error, 'invalid_request');
        assert.match(res.body.message, new RegExp(`row ${row}\\b`));
        assert.match(res.body.message, pattern);
        const rowErrors = res.body.details.errors as { row: number }[];
        assert.ok(
          rowErrors.some((e) => e.row === row),
          JSON.stringify(res.body.details),
        );
        const after = await t.srv.request('GET', `/v1/portfolios/${id}`);
        assert.deepEqual(after.body.commits, [], 'nothing written');
      });
    }

    it('415 for a body that is neither CSV nor JSON', async () => {
      const id = await newPortfolio();
      const res = await t.srv.request('POST', `/v1/portfolios/${id}/transactions`, {
        raw: 'hello',
        headers: { 'content-type': 'text/plain' },
      });
      assert.equal(res.status, 415);
    });

    it('404 for another portfolio id', async () => {
      const res = await importCsv('pf_nope', [`${d()},DEPOSIT,,,,100,USD,,`]);
      assert.equal(res.status, 404);
      assert.equal(res.body.error, 'portfolio_not_found');
    });
  });
});
