import type { Knex } from 'knex';
import * as ledger from '../db/repositories/ledger.js';
import * as packs from '../db/repositories/packs.js';
import * as portfolios from '../db/repositories/portfolios.js';
import * as securities from '../db/repositories/securities.js';
import * as users from '../db/repositories/users.js';
import type { DemoData } from '../demo/generator.js';
import { hashApiKey } from '../domain/apikey.js';
import { packIdFor } from '../domain/pack.js';

export const DEMO_USER = { id: 'usr_demo', username: 'demo' } as const;
const DEMO_KEY_ID = 'key_demo';
const SOURCE = 'demo';

export interface SeededPortfolio {
  id: string;
  name: string;
  base_currency: string;
  commits: number;
  transactions: number;
  head: string;
}

export type SeedSummary =
  | { seeded: false; reason: string }
  | {
      seeded: true;
      user_id: string;
      username: string;
      securities: number;
      packs: number;
      first_pack: string;
      newest_pack: string;
      prices: number;
      fx_rates: number;
      portfolios: SeededPortfolio[];
    };

/** True before anyone, demo or real, has an account. */
export async function isDatabaseEmpty(db: Knex): Promise<boolean> {
  return !(await users.anyUser(db));
}

/**
 * Writes the demo data set in one transaction, all or nothing. Every timestamp is derived
 * from the data's own dates, so the same seed leaves the same bytes in any database.
 * Writes nothing when the demo user already exists. The generator is loaded only here, so
 * a process that never seeds never loads it.
 */
export async function seedDemo(db: Knex, opts: { apiKey: string; seed: number }): Promise<SeedSummary> {
  return db.transaction(async (trx) => {
    if (await users.findByUsername(trx, DEMO_USER.username)) {
      return { seeded: false, reason: `user "${DEMO_USER.username}" already exists` };
    }
    const { generateDemo } = await import('../demo/generator.js');
    const data = generateDemo({ seed: opts.seed });
    const firstDate = data.days[0]?.date;
    const lastDate = data.days.at(-1)?.date;
    if (firstDate === undefined || lastDate === undefined) throw new Error('demo data has no trading days');

    const clash = await packs.firstIdBetween(trx, firstDate, lastDate);
    if (clash)
      throw new Error(
        `pricing pack ${clash} already exists; demo data can only be seeded where no packs cover ${firstDate}..${lastDate}`,
      );

    const openedAt = `${firstDate}T00:00:00.000Z`;
    await users.insertAccount(trx, {
      user: { ...DEMO_USER, created_at: openedAt },
      key: { id: DEMO_KEY_ID, key_hash: hashApiKey(opts.apiKey), label: 'demo', created_at: openedAt },
    });
    await securities.insertMissing(trx, data.securities);
    const seeded = await writeLedgers(trx, data, openedAt);
    const counts = await packs.insertPublished(trx, data.days, SOURCE);
    return {
      seeded: true,
      user_id: DEMO_USER.id,
      username: DEMO_USER.username,
      securities: data.securities.length,
      packs: data.days.length,
      first_pack: packIdFor(firstDate),
      newest_pack: packIdFor(lastDate),
      ...counts,
      portfolios: seeded,
    };
  });
}

async function writeLedgers(trx: Knex.Transaction, data: DemoData, openedAt: string): Promise<SeededPortfolio[]> {
  await portfolios.insertMany(
    trx,
    data.portfolios.map((p) => ({
      id: p.id,
      user_id: DEMO_USER.id,
      name: p.name,
      base_currency: p.base_currency,
      created_at: openedAt,
    })),
  );
  const seeded: SeededPortfolio[] = [];
  for (const p of data.portfolios) {
    const chain = await ledger.insertChain(trx, p.id, p.batches, SOURCE);
    seeded.push({
      id: p.id,
      name: p.name,
      base_currency: p.base_currency,
      commits: p.batches.length,
      transactions: chain.transactions,
      head: chain.head,
    });
  }
  return seeded;
}
