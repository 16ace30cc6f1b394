import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describeEachDb } from '../../support/databases.js';
import { useSeededCliAndServer } from '../../support/cli-server.js';

const LEDGER_HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';

describeEachDb('securities: folio securities import and GET /v1/securities', (dialect) => {
  const t = useSeededCliAndServer(dialect);
  const file = (name: string, lines: string[]) => {
    const f = path.join(t.dir.path, name);
    fs.writeFileSync(f, `${lines.join('\n')}\n`);
    return f;
  };
  const importJson = async (f: string) => JSON.parse((await t.folio(['securities', 'import', f, '--json'])).stdout);

  it('registers new securities with their ISIN and FIGI; the API reads them by symbol in any case', async () => {
    const f = file('new.csv', [
      'symbol,name,currency,asset class,sector,isin,figi',
      'sap.f,SAP SE,EUR,Equity,Technology,DE0007164600,',
      'ZZLQ.L,Zed Listing plc,GBP,Equity,Industrials,,BBG000BLNNH6',
    ]);
    assert.deepEqual(await importJson(f), { securities: 2, inserted: 2, updated: 0, unchanged: 0 });
    const r = await t.srv.request('GET', '/v1/securities/sap.f');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, {
      symbol: 'SAP.F',
      name: 'SAP SE',
      currency: 'EUR',
      asset_class: 'Equity',
      sector: 'Technology',
      isin: 'DE0007164600',
      figi: null,
    });
    assert.equal((await t.srv.request('GET', '/v1/securities/ZZLQ.L')).body.figi, 'BBG000BLNNH6');
  });

  it('updates a known security in place, keeps the ISIN a blank cell does not give, and counts unchanged rows', async () => {
    const f = file('update.csv', [
      'symbol,name,currency,asset_class,sector,isin',
      'SAP.F,SAP SE (Frankfurt),EUR,Equity,Software,',
      'ZZLQ.L,Zed Listing plc,GBP,Equity,Industrials,',
    ]);
    assert.deepEqual(await importJson(f), { securities: 2, inserted: 0, updated: 1, unchanged: 1 });
    const sap = (await t.srv.request('GET', '/v1/securities/SAP.F')).body;
    assert.deepEqual([sap.name, sap.sector, sap.isin], ['SAP SE (Frankfurt)', 'Software', 'DE0007164600']);
  });

  it("changes an unreferenced security's currency, and refuses, naming the row, once a ledger refers to it", async () => {
    const moved = file('moved.csv', [
      'symbol,name,currency,asset_class,sector',
      'ZZLQ.L,Zed Listing plc,USD,Equity,Industrials',
    ]);
    assert.equal((await importJson(moved)).updated, 1);
    assert.equal((await t.srv.request('GET', '/v1/securities/ZZLQ.L')).body.currency, 'USD');

    const portfolio = (await t.srv.request('POST', '/v1/portfolios', { body: { name: 'refs', base_currency: 'USD' } }))
      .body.id;
    const imported = await t.srv.request('POST', `/v1/portfolios/${portfolio}/transactions`, {
      headers: { 'content-type': 'text/csv' },
      raw: [LEDGER_HEADER, '2024-01-02,DEPOSIT,,,,1000,USD,,', '2024-01-03,BUY,ZZLQ.L,2,10,,USD,,'].join('\n'),
    });
    assert.equal(imported.status, 201, imported.text);

    const refused = file('refused.csv', [
      'symbol,name,currency,asset_class,sector',
      'NEWCO,New Co,USD,Equity,Utilities',
      'ZZLQ.L,Zed Listing plc,GBP,Equity,Industrials',
      'AAPL,Apple Inc.,EUR,Equity,Technology',
    ]);
    const r = await t.folio(['securities', 'import', refused], 1);
    assert.match(
      r.stderr,
      /row 2: ZZLQ\.L: currency cannot change from USD to GBP: a ledger or a pricing pack already refers to ZZLQ\.L/,
    );
    assert.match(r.stderr, /row 3: AAPL: currency cannot change from USD to EUR/);
    assert.equal((await t.srv.request('GET', '/v1/securities/NEWCO')).status, 404, 'nothing of the file was written');
  });

  it('names every bad row: symbol grammar, ISIN and FIGI check digits, missing fields, duplicates', async () => {
    const bad = file('bad.csv', [
      'symbol,name,currency,asset_class,sector,isin,figi',
      'A^B,Caret,USD,Equity,Tech,,',
      'GOOD1,Good,USD,Equity,Tech,US0378331006,',
      'GOOD2,Good,USD,Equity,Tech,,BBG000B9XRY5',
      'GOOD3,,usd,Equity,Tech,,',
      'GOOD2,Again,USD,Equity,Tech,,',
    ]);
    const r = await t.folio(['securities', 'import', bad, '--json'], 1);
    assert.match(r.stderr, /row 1: symbol "A\^B" is not a symbol: 1-12 letters or digits/);
    assert.match(r.stderr, /row 2: GOOD1: ISIN US0378331006: the ISIN's check digit should be 5/);
    assert.match(r.stderr, /row 3: GOOD2: FIGI BBG000B9XRY5: the FIGI's check digit should be 4/);
    assert.match(r.stderr, /row 4: GOOD3: name is required/);
    assert.match(r.stderr, /row 5: GOOD2 appears twice \(also row 3\)/);
    assert.equal(r.stdout, '', '--json prints nothing on failure');
    assert.equal((await t.srv.request('GET', '/v1/securities/GOOD1')).status, 404);
    const header = await t.folio(['securities', 'import', file('hdr.csv', ['ticker,name']), '--json'], 1);
    assert.match(
      header.stderr,
      /the header must name symbol, name, currency, asset_class, sector and may add isin, figi/,
    );
    await t.folio(['securities', 'import', path.join(t.dir.path, 'missing.csv')], 2);
  });

  it('shows a progress line on a terminal, and none with --json or when not a terminal', async () => {
    const f = file('progress.csv', [
      'symbol,name,currency,asset_class,sector',
      ...Array.from({ length: 1200 }, (_, i) => `PRG${i},Progress ${i},USD,Equity,Tech`),
    ]);
    const screen = await t.folioOnTerminal(['securities', 'import', f]);
    // The line is redrawn in place: carriage return, erase to the end of the line, the count.
    const redraw = '\r\u001b[K';
    assert.ok(screen.includes(`${redraw}500/1200 securities written`), screen.slice(0, 200));
    assert.ok(screen.includes(`${redraw}1200/1200 securities written\r\n`), 'the last count ends the line');
    assert.match(screen, /securities: 1200 in the file, 1200 added, 0 updated, 0 unchanged/);
    const quiet = await t.folioOnTerminal(['securities', 'import', f, '--json']);
    assert.deepEqual(JSON.parse(quiet.trim()), { securities: 1200, inserted: 0, updated: 0, unchanged: 1200 });
    const piped = await t.folio(['securities', 'import', f]);
    assert.equal(piped.stderr, '');
  });

  it('keeps a ledger row naming an unregistered symbol a 400 naming the row and the symbol', async () => {
    const portfolio = (
      await t.srv.request('POST', '/v1/portfolios', { body: { name: 'unknown', base_currency: 'EUR' } })
    ).body.id;
    const r = await t.srv.request('POST', `/v1/portfolios/${portfolio}/transactions`, {
      headers: { 'content-type': 'text/csv' },
      raw: [LEDGER_HEADER, '2024-01-02,DEPOSIT,,,,1000,EUR,,', '2024-01-03,BUY,SHEL.AS,2,10,,EUR,,'].join('\n'),
    });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(r.body.details.errors, [{ row: 2, field: 'symbol', message: 'unknown symbol SHEL.AS' }]);
  });

  it('pages through every security in symbol order with an opaque cursor, and searches by symbol or name prefix', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await t.srv.request(
        'GET',
        `/v1/securities?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      assert.equal(r.status, 200, r.text);
      assert.ok(r.body.securities.length <= 50);
      seen.push(...r.body.securities.map((s: { symbol: string }) => s.symbol));
      cursor = r.body.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, [...seen].sort(), 'symbol order');
    assert.equal(new Set(seen).size, seen.length, 'no security twice');
    assert.ok(seen.length > 70 && seen.includes('SAP.DE') && seen.includes('BRK.B'));

    const bySymbol = await t.srv.request('GET', '/v1/securities?q=sap');
    assert.deepEqual(
      bySymbol.body.securities.map((s: { symbol: string }) => s.symbol),
      ['SAP.DE', 'SAP.F'],
    );
    const byName = await t.srv.request('GET', '/v1/securities?q=APPLE');
    assert.deepEqual(
      byName.body.securities.map((s: { symbol: string }) => s.symbol),
      ['AAPL'],
    );
    const none = await t.srv.request('GET', '/v1/securities?q=%25');
    assert.deepEqual(none.body, { securities: [], next_cursor: null }, 'a % is a character, not a wildcard');
  });

  it('answers 400 for a bad cursor, limit or symbol and 404 for an unknown symbol', async () => {
    for (const q of ['cursor=bm9wZQ', 'limit=0', 'limit=501', 'sort=name']) {
      const r = await t.srv.request('GET', `/v1/securities?${q}`);
      assert.equal(r.status, 400, `${q}: ${r.text}`);
      assert.equal(r.body.error, 'invalid_request');
    }
    const malformed = await t.srv.request('GET', '/v1/securities/A%5EB');
    assert.equal(malformed.status, 400, malformed.text);
    const missing = await t.srv.request('GET', '/v1/securities/NOPE.XX');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'security_not_found');
    assert.equal((await t.srv.request('GET', '/v1/securities', { headers: { authorization: '' } })).status, 401);
  });
});
