import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { runCli } from '../../../../jobs/cli.js';
import { createUserWithKey } from '../../../src/db/repositories/users.js';
import { tradingDays } from '../../../src/domain/calendar.js';
import { DEMO_KEY, describeEachDb } from '../../support/databases.js';
import { runFolio, tempDir, type TempDir } from '../../support/folio-process.js';
import { MARKET_FIXTURES } from '../../support/market-fixtures.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { jobsDatabase, type JobsDb } from './support.js';

const FROM = '2024-03-25';
const TO = '2024-04-12';
/** Good Friday (2024-03-29) is an NYSE holiday: 14 trading days. */
const DAYS = tradingDays(FROM, TO);

const LEDGER = `date,type,symbol,quantity,price,amount,currency,fee,note
2024-03-25,DEPOSIT,,,,100000,USD,,funding
2024-03-25,DEPOSIT,,,,10000,EUR,,euro funding
2024-03-26,BUY,ACME,100,401.25,,USD,1,
2024-03-27,BUY,BETA.DE,150,45.10,,EUR,1,
2024-04-08,SPLIT,ACME,4,,,USD,,4-for-1
`;

describe('build-pack with a range: usage', () => {
  it('refuses a range that ends before it starts, ends in the future, comes with --date, or lacks an end, with exit 2', async () => {
    for (const args of [
      ['--from', TO, '--to', FROM],
      ['--from', FROM, '--to', '2999-01-04'],
      ['--from', FROM, '--to', TO, '--date', TO],
      ['--from', FROM],
    ]) {
      const err: string[] = [];
      const code = await runCli(['build-pack', ...args], { out: () => {}, err: (s) => err.push(s) });
      assert.equal(code, 2, `${args.join(' ')}: ${err.join('\n')}`);
      assert.match(err[0]!, /--from|--to|--date/);
    }
  });
});

describeEachDb('backfill end to end: empty database to performance and risk', (dialect) => {
  let t: JobsDb;
  let db: Knex;
  let files: TempDir;
  let env: Record<string, string>;
  let srv: TestServer | undefined;

  before(async () => {
    t = await jobsDatabase(dialect, { seeded: false });
    db = t.open();
    files = tempDir('folio-backfill-e2e-');
    fs.writeFileSync(
      path.join(files.path, 'mapping.csv'),
      'symbol,currency,name,sector\nACME,USD,Acme Corp,Industrials\nBETA.DE,EUR,Beta AG,Materials\nGAPPY,USD,,\n',
    );
    fs.writeFileSync(path.join(files.path, 'ledger.csv'), LEDGER);
    env = {
      ...t.env,
      FOLIO_PROVIDER_EOD_SOURCE: path.join(MARKET_FIXTURES, 'eod'),
      FOLIO_PROVIDER_ECB_SOURCE: path.join(MARKET_FIXTURES, 'ecb', 'eurofxref-hist.csv'),
      FOLIO_FX_PROVIDER: 'ecb',
    };
  });
  after(async () => {
    await srv?.close();
    await db?.destroy();
    await t?.drop();
    files?.remove();
  });

  it('registers the securities, backfills every trading day, and answers performance and risk over the range', async function () {
    this.timeout(120_000);
    const mapping = path.join(files.path, 'mapping.csv');
    const built = await runFolio(
      [
        'build-pack',
        '--from',
        FROM,
        '--to',
        TO,
        '--provider',
        'eod',
        '--mark-fresh',
        '--register-securities',
        mapping,
        '--json',
      ],
      { env, timeoutMs: 90_000 },
    );
    assert.equal(built.code, 0, `${built.stdout}\n${built.stderr}`);
    const lines = built.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>);
    const summary = lines.pop()!.backfill;
    assert.deepEqual(
      lines.map((l) => [l.date, l.status, l.pack_id]),
      DAYS.map((d) => [d, 'success', `PP_${d}`]),
    );
    assert.equal(summary.status, 'success');
    assert.equal(summary.details.calendar.name, 'XNYS');
    assert.deepEqual(summary.details.calendar.holidays, ['2024-03-29']);
    assert.equal(summary.details.calendar.trading_days, DAYS.length);
    assert.equal(summary.details.registration.registered, 3);
    const securities = await db('securities').orderBy('symbol').select('symbol', 'currency', 'name', 'sector');
    assert.deepEqual(securities, [
      { symbol: 'ACME', currency: 'USD', name: 'Acme Corp', sector: 'Industrials' },
      { symbol: 'BETA.DE', currency: 'EUR', name: 'Beta AG', sector: 'Materials' },
      { symbol: 'GAPPY', currency: 'USD', name: 'GAPPY', sector: 'Unclassified' },
    ]);
    // The run record states the calendar, as stored (not only as printed).
    const run = await db('job_runs').where({ job: 'backfill' }).first('status', 'details');
    assert.equal(run.status, 'success');
    assert.equal(JSON.parse(run.details).calendar.rule.includes('NYSE'), true);

    // A second run has nothing left to do.
    const again = await runFolio(['build-pack', '--from', FROM, '--to', TO, '--provider', 'eod', '--mark-fresh'], {
      env,
    });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`0 built, ${DAYS.length} already fresh`));

    await createUserWithKey(db, 'analyst', DEMO_KEY);
    srv = await startTestServer(t, env);
    const created = await srv.request('POST', '/v1/portfolios', { body: { name: 'Backfilled', base_currency: 'USD' } });
    assert.equal(created.status, 201, created.text);
    const portfolio = created.body.id as string;
    const imported = await runFolio(
      ['ledger', 'import', '--portfolio', portfolio, path.join(files.path, 'ledger.csv')],
      {
        env,
      },
    );
    assert.equal(imported.code, 0, imported.stderr);

    const perf = await srv.request('POST', '/v1/execute', {
      body: { pattern_id: 'performance', inputs: { portfolio_id: portfolio, start_date: FROM, end_date: TO } },
    });
    assert.equal(perf.status, 200, perf.text);
    assert.equal(perf.body.metadata.pricing_pack_id, `PP_${TO}`);
    const twr = perf.body.result.performance.twr;
    assert.equal(typeof twr.cumulative, 'number');
    // The 4-for-1 split is in the ledger, so the close dropping from ~400 to ~101 is no loss.
    assert.ok(Math.abs(twr.cumulative) < 0.1, `cumulative TWR ${twr.cumulative}`);

    const risk = await srv.request('POST', '/v1/execute', {
      body: { pattern_id: 'risk', inputs: { portfolio_id: portfolio, lookback_days: DAYS.length - 1 } },
    });
    assert.equal(risk.status, 200, risk.text);
    assert.equal(risk.body.result.risk.period.end_date, TO);
    assert.equal(risk.body.result.risk.period.pricing_days, DAYS.length);
  });
});
