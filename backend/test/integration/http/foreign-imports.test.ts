import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describeEachDb } from '../../support/databases.js';
import { useSeededServer } from '../../support/server.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../../fixtures/imports/${name}`, import.meta.url), 'utf8');

describeEachDb('ledger import from Portfolio Performance and Ghostfolio exports over HTTP', (dialect) => {
  const t = useSeededServer(dialect);

  const newPortfolio = async () => {
    const res = await t.srv.request('POST', '/v1/portfolios', { body: { name: 'imported', base_currency: 'USD' } });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const send = (id: string, format: string, body: string, contentType: string) =>
    t.srv.request('POST', `/v1/portfolios/${id}/transactions?format=${format}`, {
      raw: body,
      headers: { 'content-type': contentType },
    });
  const holdings = async (id: string) => {
    const res = await t.srv.request('POST', '/v1/execute', {
      body: { pattern_id: 'portfolio_overview', inputs: { portfolio_id: id } },
    });
    assert.equal(res.status, 200, res.text);
    const valued = res.body.result.valuation.holdings as { symbol: string; quantity: number }[];
    return Object.fromEntries(valued.map((h) => [h.symbol, h.quantity]));
  };

  it('imports the account and the portfolio transactions of Portfolio Performance as two commits', async () => {
    const id = await newPortfolio();
    const account = await send(id, 'portfolio-performance', fixture('pp-account-transactions.csv'), 'text/csv');
    assert.equal(account.status, 201, account.text);
    assert.equal(account.body.count, 8);
    const portfolio = await send(id, 'portfolio-performance', fixture('pp-portfolio-transactions.csv'), 'text/csv');
    assert.equal(portfolio.status, 201, portfolio.text);
    assert.equal(portfolio.body.seq, 2);
    assert.deepEqual(await holdings(id), { AAPL: 6, KO: 2, MSFT: 5 });
  });

  it('imports a Ghostfolio export', async () => {
    const id = await newPortfolio();
    const res = await send(id, 'ghostfolio', fixture('ghostfolio-export.json'), 'application/json');
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.count, 5);
    assert.deepEqual(await holdings(id), { AAPL: 6 });
  });

  it('refuses an export naming securities Folio does not know, listing them, and writes nothing', async () => {
    const id = await newPortfolio();
    const before = (await t.srv.request('GET', `/v1/portfolios/${id}`)).body.ledger_commit_hash;
    const text = fixture('pp-portfolio-transactions.csv').replace(/MSFT/g, 'NOPE.DE');
    const res = await send(id, 'portfolio-performance', text, 'text/csv');
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.error, 'invalid_request');
    assert.match(
      res.body.message,
      /1 security in the file is not known: NOPE\.DE Microsoft Corporation, US5949181045; import them first/,
    );
    assert.deepEqual(res.body.details.errors, [
      { row: 1, line: 2, field: 'symbol', message: 'unknown symbol NOPE.DE' },
    ]);
    const after = (await t.srv.request('GET', `/v1/portfolios/${id}`)).body.ledger_commit_hash;
    assert.equal(after, before, 'nothing written');
  });

  it('refuses an unknown format (400) and a format sent as the wrong media type (415)', async () => {
    const id = await newPortfolio();
    const unknown = await send(id, 'quicken', 'x', 'text/csv');
    assert.equal(unknown.status, 400, unknown.text);
    assert.match(unknown.body.message, /unknown format "quicken"/);
    const wrong = await send(id, 'ghostfolio', fixture('pp-account-transactions.csv'), 'text/csv');
    assert.equal(wrong.status, 415, wrong.text);
  });
});
