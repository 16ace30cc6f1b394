/**
 * Pricing-pack build benchmark: one pack of 5,000 securities and 30 FX pairs, built (fetched,
 * written, reconciled, marked fresh) from the csv provider and from a local HTTP provider
 * server, on SQLite and on a scratch PostgreSQL database that is dropped afterwards.
 * Prints wall time and rows written per second; the target is under 5 s per build.
 *
 *   npm run bench    (FOLIO_BENCH_PG_ADMIN_URL for PostgreSQL)
 *
 * The listings and their closes are synthetic benchmark fixtures written to a scratch
 * database; nothing here touches a real one.
 */
import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { loadConfig } from '../backend/src/config.js';
import { migrateLatest } from '../backend/src/db/knex.js';
import { insertMissing } from '../backend/src/db/repositories/securities.js';
import type { PackFx, PackPrice } from '../backend/src/domain/pack.js';
import { createLogger } from '../backend/src/observability/logger.js';
import { BreakerRegistry } from '../backend/src/providers/breakers.js';
import { createProvider, type ProviderName } from '../backend/src/providers/index.js';
import { buildPack } from '../backend/src/services/packs/build.js';
import { BENCH_CURRENCIES, onScratchDatabases } from './databases.js';

const SECURITIES = 5_000;
const DATES: Record<'csv' | 'http', string> = { csv: '2030-01-02', http: '2030-01-03' };

const securities = Array.from({ length: SECURITIES }, (_, i) => ({
  symbol: `BX${String(i).padStart(5, '0')}`,
  name: `Benchmark listing ${i}`,
  sector: 'Benchmark',
  // One listing in ten trades in one of the 30 currencies, the rest in USD.
  currency: i % 10 === 0 ? BENCH_CURRENCIES[(i / 10) % BENCH_CURRENCIES.length]! : 'USD',
  asset_class: 'equity',
}));
const prices: PackPrice[] = securities.map((s, i) => ({
  symbol: s.symbol,
  close: 5 + ((i * 7919) % 100_000) / 100,
  currency: s.currency,
}));
const fx: PackFx[] = BENCH_CURRENCIES.map((c, i) => ({ base: c, quote: 'USD', rate: 0.05 + i / 17 }));

function writeCsv(dir: string): void {
  for (const date of Object.values(DATES)) {
    fs.mkdirSync(path.join(dir, date), { recursive: true });
    fs.writeFileSync(
      path.join(dir, date, 'prices.csv'),
      ['symbol,close,currency', ...prices.map((p) => `${p.symbol},${p.close},${p.currency}`)].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, date, 'fx.csv'),
      ['base,quote,rate', ...fx.map((r) => `${r.base},${r.quote},${r.rate}`)].join('\n'),
    );
  }
}

async function httpSource(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const date = /^\/snapshots\/(\d{4}-\d{2}-\d{2})$/.exec(req.url ?? '')?.[1];
    if (!date) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ date, prices, fx }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function benchOn(label: string, db: Knex, env: Record<string, string>): Promise<void> {
  await migrateLatest(db);
  await db.transaction((trx) => insertMissing(trx, securities));
  const config = loadConfig({ NODE_ENV: 'test', ...env, FOLIO_PROVIDER_RATE_LIMIT_PER_SECOND: '0' });
  const ctx = { db, logger: createLogger({ level: 'silent', pretty: false }) };
  for (const name of ['csv', 'http'] as const satisfies readonly ProviderName[]) {
    const started = performance.now();
    const outcome = await buildPack(
      ctx,
      { minCoverage: 1, lockTtlSeconds: 60 },
      {
        date: DATES[name],
        provider: createProvider(name, config, new BreakerRegistry()),
        markFresh: true,
        force: false,
      },
    );
    const seconds = (performance.now() - started) / 1000;
    if (!outcome.ok) throw new Error(`${label} ${name}: ${outcome.build.message}`);
    const rows = Number(outcome.build.details.price_count) + Number(outcome.build.details.fx_count);
    console.log(
      `${label.padEnd(10)} ${name.padEnd(5)} ${rows} rows  wall ${seconds.toFixed(2)} s  ${Math.round(rows / seconds)} rows/s  ` +
        `(build ${outcome.build.duration_seconds.toFixed(2)} s, reconcile ${outcome.reconcile?.duration_seconds.toFixed(2)} s, mark-fresh ${outcome.markFresh?.duration_seconds.toFixed(2)} s)${seconds > 5 ? '  OVER the 5 s target' : ''}`,
    );
  }
}

async function main(): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-bench-packs-'));
  const csvDir = path.join(scratch, 'csv');
  writeCsv(csvDir);
  const source = await httpSource();
  const env = { FOLIO_PROVIDER_CSV_DIR: csvDir, FOLIO_PROVIDER_HTTP_URL: source.url };
  console.log(`pack build: ${SECURITIES} securities, ${fx.length} FX pairs, fetch + write + reconcile + mark fresh`);
  try {
    await onScratchDatabases(scratch, (label, db) => benchOn(label, db, env));
  } finally {
    await source.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
