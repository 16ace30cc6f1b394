/**
 * Latency of the `performance` and `risk` patterns on a 500-position, 3-year portfolio, one
 * client at a time with the result and history caches off (every request computes its
 * history again from the cached ledger and packs), on SQLite and on PostgreSQL, while a second
 * client polls GET /health/live to show whether the history computation blocks other
 * requests. Figures are printed, never asserted.
 *
 * The data set is synthetic and deterministic: securities BENCH0001..BENCH0500 priced by the
 * demo market model on the demo trading calendar, with one pricing pack per trading day.
 *
 *   npm run bench:analytics     (BENCH_REQUESTS=20 by default; FOLIO_BENCH_PG_ADMIN_URL for PostgreSQL)
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { createDb, migrateLatest } from '../backend/src/db/knex.js';
import { spanStart } from '../backend/src/domain/dates.js';
import { tradingDays } from '../backend/src/domain/calendar.js';
import { DEMO_END_DATE } from '../backend/src/demo/generator.js';
import { simulateFx, simulatePrices } from '../backend/src/demo/market.js';
import { batchByQuarter } from '../backend/src/demo/portfolios.js';
import { insertChain } from '../backend/src/db/repositories/ledger.js';
import { insertPublished } from '../backend/src/db/repositories/packs.js';
import { insertMany as insertPortfolios } from '../backend/src/db/repositories/portfolios.js';
import { insertMissing as insertSecurities } from '../backend/src/db/repositories/securities.js';
import { insertAccount } from '../backend/src/db/repositories/users.js';
import { Random } from '../backend/src/demo/random.js';
import type { DemoSecurity } from '../backend/src/demo/universe.js';
import { hashApiKey } from '../backend/src/domain/apikey.js';
import type { Transaction } from '../backend/src/domain/ledger/types.js';
import { round } from '../backend/src/domain/number.js';
import type { PackFx, PackPrice } from '../backend/src/domain/pack.js';
import { cpuMs, rssMb } from './load.js';
import { runtimeNote, start, stop } from './server.js';

const SEED = 20251024;
const POSITIONS = 500;
const YEARS = 3;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20);
const RISK_LOOKBACK = 750;
const HEALTH_INTERVAL_MS = 5;
/** Issue targets: the first request on empty caches, the steady state after it, and the service's memory. */
const TARGET_FIRST_MS = 250;
const TARGET_P95_MS = 100;
const TARGET_RSS_MB = 250;
const PG_ADMIN_URL = process.env.FOLIO_BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const API_KEY = 'bench-analytics-key-0123456789';
const USER_ID = 'usr_bench';
const PORTFOLIO_ID = 'pf_bench_500';

const SECTORS = [
  'Information Technology',
  'Communication Services',
  'Consumer Discretionary',
  'Consumer Staples',
  'Health Care',
  'Financials',
  'Industrials',
  'Energy',
  'Materials',
  'Utilities',
  'Real Estate',
];

interface Dataset {
  securities: DemoSecurity[];
  days: { date: string; prices: PackPrice[]; fx: PackFx[] }[];
  batches: Transaction[][];
}

/** One in ten listings is in EUR and one in ten in GBP, so the USD history converts every day. */
const currencyOf = (i: number): string => (i % 10 === 3 ? 'EUR' : i % 10 === 7 ? 'GBP' : 'USD');

function buildDataset(): Dataset {
  const params = Random.stream(SEED, 'bench-securities');
  const securities: DemoSecurity[] = Array.from({ length: POSITIONS }, (_, i) => {
    const n = String(i + 1).padStart(4, '0');
    return {
      symbol: `BENCH${n}`,
      name: `Bench Security ${n}`,
      sector: SECTORS[i % SECTORS.length]!,
      currency: currencyOf(i),
      asset_class: 'equity',
      startPrice: round(params.uniform(10, 500), 2),
      dividendYield: i % 5 === 0 ? 0.03 : 0,
      paymentsPerYear: 4,
    };
  });
  const dates = tradingDays(spanStart(DEMO_END_DATE, YEARS), DEMO_END_DATE);
  const prices = simulatePrices(SEED, securities, dates);
  const fx = simulateFx(SEED, dates);
  const days = dates.map((date, i) => ({ date, prices: prices[i]!, fx: fx[i]! }));

  // Everything is bought on the first day, paid from deposits in each listing currency.
  const first = dates[0]!;
  const buys: Transaction[] = [];
  const spent = new Map<string, number>();
  const quantities = securities.map((s, i) => {
    const price = prices[0]![i]!.close;
    const quantity = Math.max(1, Math.floor(10_000 / price));
    buys.push({
      date: first,
      type: 'BUY',
      symbol: s.symbol,
      quantity,
      price,
      amount: null,
      currency: s.currency,
      fee: 1,
      note: null,
    });
    spent.set(s.currency, (spent.get(s.currency) ?? 0) + quantity * price + 1);
    return quantity;
  });
  const cash = (date: string, type: 'DEPOSIT' | 'WITHDRAWAL', currency: string, amount: number): Transaction => ({
    date,
    type,
    symbol: null,
    quantity: null,
    price: null,
    amount: round(amount, 2),
    currency,
    fee: 0,
    note: null,
  });
  const txs: Transaction[] = [
    ...[...spent].map(([currency, amount]) => cash(first, 'DEPOSIT', currency, amount * 1.02)),
    ...buys,
  ];

  // Quarterly contributions and dividends, and one withdrawal halfway, so flows punctuate the returns.
  let quarter = `${first.slice(0, 4)}-${Math.ceil(Number(first.slice(5, 7)) / 3)}`;
  dates.forEach((date, d) => {
    const q = `${date.slice(0, 4)}-${Math.ceil(Number(date.slice(5, 7)) / 3)}`;
    if (q !== quarter) {
      quarter = q;
      txs.push(cash(date, 'DEPOSIT', 'USD', 50_000));
      securities.forEach((s, i) => {
        if (s.dividendYield === 0) return;
        const amount = round((quantities[i]! * s.startPrice * s.dividendYield) / s.paymentsPerYear, 2);
        txs.push({
          date,
          type: 'DIVIDEND',
          symbol: s.symbol,
          quantity: null,
          price: null,
          amount,
          currency: s.currency,
          fee: 0,
          note: null,
        });
      });
    }
    if (d === Math.floor(dates.length / 2)) txs.push(cash(date, 'WITHDRAWAL', 'USD', 150_000));
  });
  return { securities, days, batches: batchByQuarter(txs) };
}

async function writeDataset(db: Knex, data: Dataset): Promise<number> {
  await migrateLatest(db);
  const opened = `${data.days[0]!.date}T00:00:00.000Z`;
  let priceRows = 0;
  await db.transaction(async (trx) => {
    await insertAccount(trx, {
      user: { id: USER_ID, username: 'bench', created_at: opened },
      key: { id: 'key_bench', key_hash: hashApiKey(API_KEY), label: 'bench', created_at: opened },
    });
    await insertSecurities(trx, data.securities);
    await insertPortfolios(trx, [
      { id: PORTFOLIO_ID, user_id: USER_ID, name: 'Bench 500', base_currency: 'USD', created_at: opened },
    ]);
    await insertChain(trx, PORTFOLIO_ID, data.batches, 'bench');
    const { prices } = await insertPublished(trx, data.days, 'bench');
    priceRows = prices;
  });
  return priceRows;
}

const pct = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const ms = (v: number): string => `${v.toFixed(1).padStart(7)} ms`;

interface Run {
  first: number;
  rest: number[];
  health: number[];
  /** Service CPU time (all threads, 10 ms ticks) for the first request, and per request for the rest, in ms. */
  firstCpuMs: number;
  restCpuMs: number;
  rssMb: number;
}

/**
 * Sends `REQUESTS` requests one after another to a freshly started service, so the first
 * one meets empty read caches, while a second client polls /health/live every few
 * milliseconds on its own connection.
 */
async function measure(env: Record<string, string>, inputs: object, patternId: string): Promise<Run> {
  const { child, port } = await start(['dist/jobs/folio.js', 'serve'], {
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    FOLIO_SEED_DEMO: 'false',
    FOLIO_RESULT_CACHE_SIZE: '0',
    FOLIO_CACHE_HISTORY_POINTS: '0',
    FOLIO_RATE_LIMIT_PER_MINUTE: '0',
    ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  const health: number[] = [];
  let running = true;
  const poll = (async () => {
    while (running) {
      const t0 = performance.now();
      const res = await fetch(`${base}/health/live`);
      await res.arrayBuffer();
      health.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, HEALTH_INTERVAL_MS));
    }
  })();
  const latencies: number[] = [];
  const cpu: number[] = [];
  const pid = child.pid!;
  let rss = 0;
  try {
    for (let i = 0; i < REQUESTS; i++) {
      if (i <= 1) cpu.push(cpuMs(pid));
      const t0 = performance.now();
      const res = await fetch(`${base}/v1/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ pattern_id: patternId, inputs }),
      });
      const body = await res.text();
      latencies.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`${patternId} answered ${res.status}: ${body.slice(0, 500)}`);
      rss = Math.max(rss, rssMb(pid));
    }
    cpu.push(cpuMs(pid));
  } finally {
    running = false;
    await poll;
    await stop(child);
  }
  return {
    first: latencies[0]!,
    rest: latencies.slice(1).sort((a, b) => a - b),
    health: health.sort((a, b) => a - b),
    firstCpuMs: cpu[1]! - cpu[0]!,
    restCpuMs: (cpu[2]! - cpu[1]!) / Math.max(1, REQUESTS - 1),
    rssMb: rss,
  };
}

const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');
const loadAverage = (): string => `load average ${os.loadavg()[0]!.toFixed(2)}`;

function report(label: string, run: Run): void {
  const { rest, health } = run;
  const p95 = pct(rest, 0.95);
  console.log(`  ${label}`);
  console.log(
    `    first request (empty caches) ${ms(run.first)}   cpu ${ms(run.firstCpuMs)}   ` +
      `(target < ${TARGET_FIRST_MS} ms: ${verdict(run.first < TARGET_FIRST_MS)})   ${loadAverage()}`,
  );
  console.log(
    `    next ${rest.length}: p50 ${ms(pct(rest, 0.5))}  p95 ${ms(p95)}  p99 ${ms(pct(rest, 0.99))}  max ${ms(rest.at(-1)!)}   ` +
      `cpu ${ms(run.restCpuMs)}/request   (target p95 < ${TARGET_P95_MS} ms: ${verdict(p95 < TARGET_P95_MS)})`,
  );
  console.log(
    `    service RSS peak ${run.rssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB: ${verdict(run.rssMb < TARGET_RSS_MB)})`,
  );
  console.log(
    `    /health/live meanwhile (${health.length} polls): p50 ${ms(pct(health, 0.5))}  p99 ${ms(pct(health, 0.99))}  max ${ms(health.at(-1)!)}`,
  );
}

async function runOn(name: string, env: Record<string, string>, data: Dataset): Promise<void> {
  const start_date = data.days[0]!.date;
  const end_date = data.days.at(-1)!.date;
  const patterns = [
    [`performance ${start_date}..${end_date}`, 'performance', { portfolio_id: PORTFOLIO_ID, start_date, end_date }],
    [`risk lookback_days ${RISK_LOOKBACK}`, 'risk', { portfolio_id: PORTFOLIO_ID, lookback_days: RISK_LOOKBACK }],
  ] as const;
  console.log(`\n${name}`);
  // Side by side: the start-up warm-up is what separates the two first requests.
  for (const [label, patternId, inputs] of patterns) {
    for (const warmUp of ['false', 'true']) {
      const run = await measure({ ...env, FOLIO_WARM_UP: warmUp }, inputs, patternId);
      report(`${label}, start-up warm-up ${warmUp === 'true' ? 'on (the default)' : 'off'}`, run);
    }
  }
}

async function load(db: Knex, data: Dataset): Promise<number> {
  try {
    return await writeDataset(db, data);
  } finally {
    await db.destroy();
  }
}

async function main() {
  let t0 = performance.now();
  const data = buildDataset();
  const generated = performance.now() - t0;
  const transactions = data.batches.reduce((n, b) => n + b.length, 0);
  console.log(
    `data set: ${data.securities.length} securities, ${data.days.length} trading days (${data.days[0]!.date}..${data.days.at(-1)!.date}), ` +
      `${data.securities.length * data.days.length} price rows, ${transactions} transactions in ${data.batches.length} commits; generated in ${generated.toFixed(0)} ms`,
  );
  console.log(
    `single client, ${REQUESTS} sequential requests per pattern, result and history caches off; node ${process.version}, ${os.cpus().length} cores;\n${runtimeNote()}`,
  );

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-bench-analytics-'));
  try {
    t0 = performance.now();
    const rows = await load(createDb({ sqliteFile: path.join(dataDir, 'folio.sqlite') }), data);
    console.log(`\nSQLite: wrote ${rows} price rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await runOn('SQLite', { FOLIO_DATA_DIR: dataDir }, data);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const admin = knexFactory({
    client: 'pg',
    connection: { connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 },
    pool: { min: 0, max: 1 },
  });
  const dbName = `folio_bench_${randomBytes(4).toString('hex')}`;
  try {
    await admin.raw(`CREATE DATABASE ${dbName}`);
  } catch (e) {
    console.log(
      `\nPostgreSQL: skipped, ${PG_ADMIN_URL.replace(/\/\/[^@]*@/, '//')} is unreachable (${(e as Error).message})`,
    );
    await admin.destroy();
    return;
  }
  try {
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${dbName}`;
    t0 = performance.now();
    const rows = await load(createDb({ DATABASE_URL: url.toString(), sqliteFile: ':memory:' }), data);
    console.log(`\nPostgreSQL: wrote ${rows} price rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await runOn('PostgreSQL', { DATABASE_URL: url.toString() }, data);
  } finally {
    await admin.raw(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
