import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { loadConfig, type Config } from '../../../src/config.js';
import { createDb, type Dialect } from '../../../src/db/knex.js';
import type { PackFx, PackPrice } from '../../../src/domain/pack.js';
import { createLogger } from '../../../src/observability/logger.js';
import { BreakerRegistry } from '../../../src/providers/breakers.js';
import { createProvider, type ProviderName } from '../../../src/providers/index.js';
import type { JobContext } from '../../../src/services/packs/job-runs.js';
import { migratedDatabase, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { tempDir, type TempDir } from '../../support/folio-process.js';

/** A seeded database the CLI can open too: SQLite at $FOLIO_DATA_DIR/folio.sqlite, or DATABASE_URL. */
export interface JobsDb extends TestDatabase {
  env: Record<string, string>;
}

/** The demo data set copied in, or (`seeded: false`) a migrated database with nothing in it. */
export async function jobsDatabase(dialect: Dialect, opts: { seeded?: boolean } = {}): Promise<JobsDb> {
  const seeded = opts.seeded === false ? await migratedDatabase(dialect) : await seededDatabase(dialect);
  const dataDir: TempDir = tempDir('folio-jobs-');
  if (dialect === 'sqlite') {
    const file = path.join(dataDir.path, 'folio.sqlite');
    fs.copyFileSync(seeded.config.sqliteFile, file);
    await seeded.drop();
    return {
      dialect,
      config: { sqliteFile: file },
      env: { FOLIO_DATA_DIR: dataDir.path },
      open: () => createDb({ sqliteFile: file }),
      drop: async () => dataDir.remove(),
    };
  }
  return {
    ...seeded,
    env: { DATABASE_URL: seeded.config.DATABASE_URL!, FOLIO_DATA_DIR: dataDir.path },
    drop: async () => {
      dataDir.remove();
      await seeded.drop();
    },
  };
}

export const quietCtx = (db: Knex): JobContext => ({ db, logger: createLogger({ level: 'silent', pretty: false }) });

export const testConfig = (env: Record<string, string> = {}): Config => loadConfig({ NODE_ENV: 'test', ...env });

/** A real provider behind its own breakers, so one test's failures cannot open another's circuit. */
export const providerFor = (name: ProviderName, env: Record<string, string> = {}) =>
  createProvider(name, testConfig(env), new BreakerRegistry());

/** One date of the csv provider's directory layout: <dir>/<date>/prices.csv and fx.csv. */
export function writeCsvDay(dir: string, date: string, prices: readonly PackPrice[], fx: readonly PackFx[]): void {
  fs.mkdirSync(path.join(dir, date), { recursive: true });
  fs.writeFileSync(
    path.join(dir, date, 'prices.csv'),
    ['symbol,close,currency', ...prices.map((p) => `${p.symbol},${p.close},${p.currency}`)].join('\n') + '\n',
  );
  fs.writeFileSync(
    path.join(dir, date, 'fx.csv'),
    ['base,quote,rate', ...fx.map((r) => `${r.base},${r.quote},${r.rate}`)].join('\n') + '\n',
  );
}

export async function jobRuns(
  db: Knex,
  job?: string,
): Promise<{ job: string; status: string; pack_id: string | null; error: string | null; details: string | null }[]> {
  const q = db('job_runs').orderBy('started_at');
  if (job) q.where({ job });
  return q.select('job', 'status', 'pack_id', 'error', 'details');
}

export async function packsOn(
  db: Knex,
  date: string,
): Promise<{ id: string; status: string; price_count: number; error: string | null }[]> {
  const rows = await db('pricing_packs').where({ date }).orderBy('id').select('id', 'status', 'price_count', 'error');
  return rows.map((r) => ({ ...r, price_count: Number(r.price_count) }));
}
