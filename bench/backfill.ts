/**
 * Backfill benchmark: three years of packs (753 NYSE trading days, 2022-01-03 to 2024-12-31)
 * for 5,000 securities and 30 FX pairs, read from per-symbol history files (eod) and an ECB
 * history file (ecb), registered from a mapping file, built, reconciled and marked fresh on
 * SQLite and on a scratch PostgreSQL database. Prints wall time, seconds per date, rows per
 * second, CPU seconds per date (this process, and on PostgreSQL also the server's backends
 * when they run on this machine), peak RSS and the load average; the targets are under 180 s
 * and 500 MB for each database. On a machine busy with other work the wall time grows with
 * the load, while the CPU time per date does not.
 *
 *   npm run bench:backfill    (FOLIO_BENCH_PG_ADMIN_URL for PostgreSQL; FOLIO_BENCH_BACKFILL_DAYS
 *                              for a shorter range while profiling)
 *
 * The files are synthetic fixtures written to a scratch directory; nothing here touches a real database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { loadConfig } from '../backend/src/config.js';
import { dialectOf, migrateLatest } from '../backend/src/db/knex.js';
import { tradingDays } from '../backend/src/domain/calendar.js';
import { createLogger } from '../backend/src/observability/logger.js';
import { BreakerRegistry } from '../backend/src/providers/breakers.js';
import { createMarketData } from '../backend/src/providers/index.js';
import { backfill } from '../backend/src/services/packs/backfill.js';
import { packJobSettings } from '../backend/src/services/packs/build.js';
import { writeEcbHistory, writeEodHistories, writeMapping } from '../backend/test/support/market-history.js';
import { BENCH_CURRENCIES, onScratchDatabases } from './databases.js';

const SECURITIES = 5_000;
const TARGET_SECONDS = 180;
const TARGET_RSS_MB = 500;
const ALL_DAYS = tradingDays('2022-01-03', '2024-12-31');
const DAYS = ALL_DAYS.slice(0, Number(process.env.FOLIO_BENCH_BACKFILL_DAYS ?? ALL_DAYS.length));
const FROM = DAYS[0]!;
const TO = DAYS.at(-1)!;

const listings = Array.from({ length: SECURITIES }, (_, i) => ({
  symbol: `BX${String(i).padStart(5, '0')}`,
  // One listing in ten trades in one of the 30 currencies, the rest in USD, as in bench/packs.ts.
  currency: i % 10 === 0 ? BENCH_CURRENCIES[(i / 10) % BENCH_CURRENCIES.length]! : 'USD',
}));
/** The ECB quotes against EUR: USD and the other 29 make 30 rates a day. */
const ECB_CURRENCIES = ['USD', ...BENCH_CURRENCIES.filter((c) => c !== 'EUR')];

/**
 * CPU seconds the scratch database's PostgreSQL backends have used, read from /proc when the
 * server runs on this machine (null otherwise); they live as long as the pool's connections.
 */
async function serverCpuSeconds(db: Knex): Promise<number | null> {
  if (dialectOf(db) !== 'postgres') return null;
  const { rows } = await db.raw<{ rows: { pid: number }[] }>(
    'select pid from pg_stat_activity where datname = current_database()',
  );
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      // Fields 14 and 15 (utime, stime) in clock ticks, counted after the parenthesised command name.
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return null;
    }
  }
  return ticks / CLOCK_TICKS;
}
/** USER_HZ: Linux reports process times in hundredths of a second. */
const CLOCK_TICKS = 100;

/** Resident set size, sampled while the backfill runs, and its peak. */
function rssPeak(): { stop: () => number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

async function benchOn(label: string, db: Knex, env: Record<string, string>, mapping: string): Promise<void> {
  await migrateLatest(db);
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const ctx = { db, logger: createLogger({ level: 'silent', pretty: false }) };
  const serverBefore = await serverCpuSeconds(db);
  const rss = rssPeak();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const report = await backfill(ctx, packJobSettings(config), {
    from: FROM,
    to: TO,
    provider: createMarketData(config, { prices: 'eod', fx: 'ecb' }, new BreakerRegistry()),
    markFresh: true,
    prefetch: config.FOLIO_BACKFILL_PREFETCH,
    registerSecurities: { file: mapping, csv: fs.readFileSync(mapping, 'utf8') },
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const peakMb = rss.stop() / 2 ** 20;
  const serverAfter = await serverCpuSeconds(db);
  const server =
    serverBefore !== null && serverAfter !== null
      ? `  server CPU ${((serverAfter - serverBefore) / DAYS.length).toFixed(3)} s/date`
      : '';
  if (report.status !== 'success') throw new Error(`${label}: ${report.message}`);
  const rows = Number(report.details.rows);
  const over = [
    seconds > TARGET_SECONDS ? `OVER the ${TARGET_SECONDS} s target` : '',
    peakMb > TARGET_RSS_MB ? `OVER the ${TARGET_RSS_MB} MB target` : '',
  ].filter(Boolean);
  console.log(
    `${label.padEnd(10)} eod+ecb ${DAYS.length} dates  ${rows} rows  wall ${seconds.toFixed(1)} s  ` +
      `${(seconds / DAYS.length).toFixed(3)} s/date  ${Math.round(rows / seconds)} rows/s  ` +
      `CPU ${cpuSeconds.toFixed(1)} s = ${(cpuSeconds / DAYS.length).toFixed(3)} s/date${server}  ` +
      `peak RSS ${Math.round(peakMb)} MB  load ${loadAverage()}` +
      (over.length ? `  ${over.join(', ')}` : ''),
  );
}

const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function main(): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-bench-backfill-'));
  try {
    const written = performance.now();
    // Histories start a week early so the first dates have nothing to carry forward from outside the files.
    const fileDays = tradingDays('2021-12-27', TO);
    writeEodHistories(path.join(scratch, 'eod'), listings, fileDays);
    writeEcbHistory(path.join(scratch, 'ecb.csv'), ECB_CURRENCIES, fileDays);
    const mapping = path.join(scratch, 'mapping.csv');
    writeMapping(mapping, listings);
    const env = {
      FOLIO_PROVIDER_EOD_SOURCE: path.join(scratch, 'eod'),
      FOLIO_PROVIDER_ECB_SOURCE: path.join(scratch, 'ecb.csv'),
    };
    console.log(
      `backfill: ${DAYS.length} trading days ${FROM}..${TO} x ${SECURITIES} securities + ${ECB_CURRENCIES.length} FX pairs from per-symbol CSV files ` +
        `(written in ${((performance.now() - written) / 1000).toFixed(1)} s), register + fetch + write + reconcile + mark fresh; ` +
        `load average ${loadAverage()} on ${os.cpus().length} CPUs`,
    );
    await onScratchDatabases(scratch, (label, db) => benchOn(label, db, env, mapping));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
