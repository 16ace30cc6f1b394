import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson, sha256Hex } from '../../../src/domain/canonical.js';
import { describeEachDb } from '../../support/databases.js';
import { useSeededCliAndServer } from '../../support/cli-server.js';

const HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';
const FIELDS = ['date', 'type', 'symbol', 'quantity', 'price', 'amount', 'currency', 'fee', 'note'] as const;

/** Three commits with what an export must carry exactly: quoted notes, tiny and fractional numbers. */
const COMMITS = [
  [
    '2025-06-02,DEPOSIT,,,,100000,USD,,"initial, ""seed"" funding"',
    '2025-06-03,BUY,AAPL,10,195.5,,USD,1.25,',
    '2025-06-03,BUY,MSFT,5,410.1,2050.5,USD,0,"two\nlines"',
  ],
  ['2025-07-01,SELL,AAPL,3,210,,USD,1,', '2025-07-02,DIVIDEND,MSFT,,,4.15,USD,,', '2025-07-03,FEE,,,,0.0000001,USD,,'],
  ['2025-08-01,BUY,NVDA,0.123456789012345,120.75,,USD,,fractional', '2025-08-04,INTEREST,,,,12.5,USD,,'],
];

describeEachDb('the ledger read back: transactions, commits, export and re-import', (dialect) => {
  const t = useSeededCliAndServer(dialect);
  const state = {} as { a: string; commits: any[]; rows: any[]; exported: string };

  const newPortfolio = async (name: string) => {
    const r = await t.srv.request('POST', '/v1/portfolios', { body: { name, base_currency: 'USD' } });
    assert.equal(r.status, 201, r.text);
    return r.body.id as string;
  };
  const importCsv = (id: string, text: string) =>
    t.srv.request('POST', `/v1/portfolios/${id}/transactions`, { raw: text, headers: { 'content-type': 'text/csv' } });
  /** Every page of a cursor listing, checking no page is larger than asked. */
  const allPages = async (url: string, key: string, limit: number) => {
    const items: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep = url.includes('?') ? '&' : '?';
      const r = await t.srv.request(
        'GET',
        `${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      assert.equal(r.status, 200, r.text);
      assert.ok(r.body[key].length <= limit);
      items.push(...r.body[key]);
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor);
    return { items, pages };
  };

  before(async () => {
    state.a = await newPortfolio('Book');
    for (const rows of COMMITS) {
      const r = await importCsv(state.a, [HEADER, ...rows].join('\n'));
      assert.equal(r.status, 201, r.text);
    }
  });

  it('lists every transaction page by page in chain order, with its commit and row', async () => {
    const { items, pages } = await allPages(`/v1/portfolios/${state.a}/transactions`, 'transactions', 3);
    assert.equal(pages, 3);
    state.rows = items;
    assert.deepEqual(
      items.map((x) => [x.seq, x.row, x.date, x.type, x.symbol]),
      [
        [1, 1, '2025-06-02', 'DEPOSIT', null],
        [1, 2, '2025-06-03', 'BUY', 'AAPL'],
        [1, 3, '2025-06-03', 'BUY', 'MSFT'],
        [2, 1, '2025-07-01', 'SELL', 'AAPL'],
        [2, 2, '2025-07-02', 'DIVIDEND', 'MSFT'],
        [2, 3, '2025-07-03', 'FEE', null],
        [3, 1, '2025-08-01', 'BUY', 'NVDA'],
        [3, 2, '2025-08-04', 'INTEREST', null],
      ],
    );
    assert.deepEqual(items[0], {
      commit: items[0].commit,
      seq: 1,
      row: 1,
      date: '2025-06-02',
      type: 'DEPOSIT',
      symbol: null,
      quantity: null,
      price: null,
      amount: 100000,
      currency: 'USD',
      fee: 0,
      note: 'initial, "seed" funding',
    });
    assert.equal(items[2].note, 'two\nlines');
    assert.equal(items[5].amount, 0.0000001);
    assert.equal(items[6].quantity, 0.123456789012345);
  });

  it('filters by type, symbol (any case), date range and commit, paging within the filter', async () => {
    const url = `/v1/portfolios/${state.a}/transactions`;
    const pick = (items: any[]) => items.map((x) => `${x.seq}.${x.row}`);
    assert.deepEqual(pick((await allPages(`${url}?type=buy`, 'transactions', 1)).items), ['1.2', '1.3', '3.1']);
    assert.deepEqual(pick((await allPages(`${url}?symbol=aapl`, 'transactions', 1)).items), ['1.2', '2.1']);
    assert.deepEqual(pick((await allPages(`${url}?from=2025-06-03&to=2025-07-02`, 'transactions', 2)).items), [
      '1.2',
      '1.3',
      '2.1',
      '2.2',
    ]);
    const second = state.rows[3].commit;
    assert.deepEqual(pick((await allPages(`${url}?commit=${second}&type=SELL`, 'transactions', 5)).items), ['2.1']);
  });

  it('answers 400 for bad filters, limits and cursors and 404 for a commit of another chain', async () => {
    const url = `/v1/portfolios/${state.a}/transactions`;
    for (const q of [
      'limit=0',
      'limit=1001',
      'type=BOUGHT',
      'from=2025-02-30',
      'symbol=A%5EB',
      'cursor=abc',
      'commit=XYZ',
      'x=1',
    ]) {
      const r = await t.srv.request('GET', `${url}?${q}`);
      assert.equal(r.status, 400, `${q}: ${r.text}`);
    }
    const foreign = await t.srv.request('GET', `${url}?commit=${'0'.repeat(64)}`);
    assert.equal(foreign.status, 404, foreign.text);
    assert.equal(foreign.body.error, 'ledger_commit_not_found');
    assert.equal((await t.srv.request('GET', '/v1/portfolios/pf_nope/transactions')).status, 404);
    assert.equal((await t.srv.request('GET', `/v1/portfolios/${state.a}/commits?cursor=e30`)).status, 400);
  });

  it('lists commits page by page with parent, time, row count and a transactions hash the rows recompute', async () => {
    const { items, pages } = await allPages(`/v1/portfolios/${state.a}/commits`, 'commits', 2);
    assert.equal(pages, 2);
    state.commits = items;
    assert.deepEqual(
      items.map((c) => [c.seq, c.tx_count, c.source]),
      [
        [1, 3, 'api'],
        [2, 3, 'api'],
        [3, 2, 'api'],
      ],
    );
    for (const c of items) {
      const batch = state.rows
        .filter((x) => x.seq === c.seq)
        .map((x) => Object.fromEntries(FIELDS.map((f) => [f, x[f]])));
      assert.equal(c.transactions_hash, sha256Hex(canonicalJson(batch)));
      assert.equal(c.hash, sha256Hex(c.parent_hash + canonicalJson(batch)));
      assert.match(c.created_at, /^\d{4}-\d{2}-\d{2}T/);
    }
    assert.equal(items[1].parent_hash, items[0].hash);
  });

  it('exports the ledger over HTTP and with the CLI, byte for byte the same', async () => {
    const r = await t.srv.request('GET', `/v1/portfolios/${state.a}/ledger.csv`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^text\/csv/);
    assert.equal(r.headers.get('x-ledger-commit-hash'), state.commits[2].hash);
    state.exported = r.text;
    const lines = r.text.split('\n');
    assert.equal(lines[0], `${HEADER},commit`);
    assert.equal(lines[1], `2025-06-02,DEPOSIT,,,,100000,USD,0,"initial, ""seed"" funding",${state.commits[0].hash}`);
    assert.ok(r.text.includes(`2025-07-03,FEE,,,,0.0000001,USD,0,,${state.commits[1].hash}`));

    const file = path.join(t.dir.path, 'export.csv');
    const cli = await t.folio(['ledger', 'export', '--portfolio', state.a, '--out', file, '--json']);
    assert.deepEqual(JSON.parse(cli.stdout), {
      portfolio_id: state.a,
      ledger_commit_hash: state.commits[2].hash,
      commits: 3,
      transactions: 8,
      file,
    });
    assert.equal(cli.stderr, '', 'no progress when stderr is not a terminal');
    assert.equal(fs.readFileSync(file, 'utf8'), state.exported);
    const piped = await t.folio(['ledger', 'export', '--portfolio', state.a]);
    assert.equal(piped.stdout, state.exported);
  });

  it('re-imports into a new portfolio (CLI and HTTP): same transactions hashes, positions and analytics', async () => {
    const file = path.join(t.dir.path, 'export.csv');
    const b = await newPortfolio('Book');
    const viaCli = JSON.parse((await t.folio(['ledger', 'import', '--portfolio', b, file, '--json'])).stdout);
    assert.equal(viaCli.count, 8);
    assert.deepEqual(
      viaCli.commits.map((c: { seq: number; count: number }) => [c.seq, c.count]),
      [
        [1, 3],
        [2, 3],
        [3, 2],
      ],
    );
    const c = await newPortfolio('Book');
    const viaHttp = await importCsv(c, state.exported);
    assert.equal(viaHttp.status, 201, viaHttp.text);

    for (const id of [b, c]) {
      const commits = (await allPages(`/v1/portfolios/${id}/commits`, 'commits', 100)).items;
      assert.deepEqual(
        commits.map((x) => [x.seq, x.tx_count, x.transactions_hash]),
        state.commits.map((x) => [x.seq, x.tx_count, x.transactions_hash]),
      );
      commits.forEach((x, i) => assert.notEqual(x.hash, state.commits[i].hash, 'each chain has its own root'));
      const again = await t.srv.request('GET', `/v1/portfolios/${id}/ledger.csv`);
      const strip = (text: string) => text.replace(/,[0-9a-f]{64}$/gm, '');
      assert.equal(strip(again.text), strip(state.exported), 'exporting the copy gives the same rows');

      for (const pattern of ['portfolio_overview', 'holdings_detail', 'performance', 'risk']) {
        const extra: Record<string, Record<string, unknown>> = {
          holdings_detail: { symbol: 'MSFT' },
          performance: { start_date: '2025-06-02', end_date: '2025-09-30', include_series: true },
        };
        const run = (pid: string) =>
          t.srv.request('POST', '/v1/execute', {
            body: { pattern_id: pattern, inputs: { portfolio_id: pid, ...extra[pattern] } },
          });
        const orig = await run(state.a);
        const copy = await run(id);
        assert.equal(orig.status, 200, orig.text);
        assert.equal(copy.status, 200, copy.text);
        assert.equal(
          JSON.stringify(copy.body.result).replaceAll(id, state.a),
          JSON.stringify(orig.body.result),
          `${pattern}: the same answer`,
        );
        assert.deepEqual(copy.body.warnings, orig.body.warnings);
      }
    }
  });

  it('names the file row when one commit of a multi-commit file cannot apply, and writes nothing', async () => {
    const d = await newPortfolio('Broken');
    const text = [
      `${HEADER},commit`,
      '2025-06-02,DEPOSIT,,,,1000,USD,,,one',
      '2025-06-03,BUY,AAPL,2,100,,USD,,,one',
      '2025-06-04,SELL,AAPL,5,100,,USD,,,two',
    ].join('\n');
    const r = await importCsv(d, text);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.details.errors[0].row, 3);
    assert.match(r.body.message, /^row 3: /);
    const split = await importCsv(
      d,
      [
        `${HEADER},commit`,
        '2025-06-02,DEPOSIT,,,,1,USD,,,one',
        '2025-06-03,DEPOSIT,,,,1,USD,,,two',
        '2025-06-04,DEPOSIT,,,,1,USD,,,one',
      ].join('\n'),
    );
    assert.equal(split.status, 400, split.text);
    assert.match(split.body.message, /row 3: commit "one" appears again after other commits' rows/);
    assert.deepEqual((await t.srv.request('GET', `/v1/portfolios/${d}/commits`)).body, {
      commits: [],
      next_cursor: null,
    });
  });
});
