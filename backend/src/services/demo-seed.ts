import type { Knex } from 'knex';
import { insertChunked } from '../db/bulk.js';
import { hashApiKey } from '../domain/apikey.js';
import { commitHash, genesisParent } from '../domain/ledger/commit.js';
import { packContentHash, packIdFor } from '../domain/pack.js';
import type { Transaction } from '../domain/ledger/types.js';
import { generateDemo, type DemoData } from '../demo/generator.js';

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

/**
 * The rows of one portfolio's hash chain, a commit per batch. Commit timestamps come from the
 * batch's last date, so the same batches always give the same rows.
 */
export function chainRows(portfolioId: string, batches: readonly Transaction[][], source: string) {
  const commits: object[] = [];
  const transactions: object[] = [];
  let parent = genesisParent(portfolioId);
  batches.forEach((batch, i) => {
    const seq = i + 1;
    const hash = commitHash(parent, batch);
    commits.push({
      hash,
      portfolio_id: portfolioId,
      parent_hash: parent,
      seq,
      tx_count: batch.length,
      source,
      created_at: `${batch.at(-1)?.date ?? ''}T23:00:00.000Z`,
    });
    batch.forEach((tx, rowIndex) => {
      transactions.push({ commit_hash: hash, portfolio_id: portfolioId, commit_seq: seq, row_index: rowIndex, ...tx });
    });
    parent = hash;
  });
  return { commits, transactions, head: parent };
}

/** True before anyone, demo or real, has an account. */
export async function isDatabaseEmpty(db: Knex): Promise<boolean> {
  return (await db('users').first('id')) === undefined;
}

/**
 * Writes the demo data set in one transaction, all or nothing. Every timestamp is derived
 * from the data's own dates, so the same seed leaves the same bytes in any database.
 * Writes nothing when the demo user already exists.
 */
export async function seedDemo(db: Knex, opts: { apiKey: string; seed: number }): Promise<SeedSummary> {
  return db.transaction(async (trx) => {
    if (await trx('users').where({ username: DEMO_USER.username }).first('id')) {
      return { seeded: false, reason: `user "${DEMO_USER.username}" already exists` };
    }
    const data = generateDemo({ seed: opts.seed });
    const firstDate = data.days[0]?.date;
    const lastDate = data.days.at(-1)?.date;
    if (firstDate === undefined || lastDate === undefined) throw new Error('demo data has no trading days');

    const clash = await trx('pricing_packs')
      .whereBetween('date', [firstDate, lastDate])
      .first<{ id: string } | undefined>('id');
    if (clash)
      throw new Error(
        `pricing pack ${clash.id} already exists; demo data can only be seeded where no packs cover ${firstDate}..${lastDate}`,
      );

    const openedAt = `${firstDate}T00:00:00.000Z`;
    await trx('users').insert({ ...DEMO_USER, created_at: openedAt });
    await trx('api_keys').insert({
      id: DEMO_KEY_ID,
      user_id: DEMO_USER.id,
      key_hash: hashApiKey(opts.apiKey),
      label: 'demo',
      created_at: openedAt,
      revoked_at: null,
    });

    // Securities are shared reference data: ones already known are left as they are.
    const known = new Set((await trx('securities').select('symbol')).map((r: { symbol: string }) => r.symbol));
    await insertChunked(
      trx,
      'securities',
      data.securities.filter((s) => !known.has(s.symbol)),
    );

    const portfolios = await writeLedgers(trx, data, openedAt);
    const counts = await writePacks(trx, data.days, SOURCE);
    return {
      seeded: true,
      user_id: DEMO_USER.id,
      username: DEMO_USER.username,
      securities: data.securities.length,
      packs: data.days.length,
      first_pack: packIdFor(firstDate),
      newest_pack: packIdFor(lastDate),
      ...counts,
      portfolios,
    };
  });
}

async function writeLedgers(trx: Knex.Transaction, data: DemoData, openedAt: string): Promise<SeededPortfolio[]> {
  await insertChunked(
    trx,
    'portfolios',
    data.portfolios.map((p) => ({
      id: p.id,
      user_id: DEMO_USER.id,
      name: p.name,
      base_currency: p.base_currency,
      created_at: openedAt,
    })),
  );
  const commits: object[] = [];
  const transactions: object[] = [];
  const summaries = data.portfolios.map((p) => {
    const chain = chainRows(p.id, p.batches, SOURCE);
    commits.push(...chain.commits);
    transactions.push(...chain.transactions);
    return {
      id: p.id,
      name: p.name,
      base_currency: p.base_currency,
      commits: p.batches.length,
      transactions: chain.transactions.length,
      head: chain.head,
    };
  });
  await insertChunked(trx, 'ledger_commits', commits);
  await insertChunked(trx, 'transactions', transactions);
  return summaries;
}

/** One fresh pack per day with its prices and FX, as a pack build would publish it. */
export async function writePacks(
  trx: Knex.Transaction,
  days: DemoData['days'],
  source: string,
): Promise<{ prices: number; fx_rates: number }> {
  const packs: object[] = [];
  const prices: object[] = [];
  const fx: object[] = [];
  for (const day of days) {
    const id = packIdFor(day.date);
    // Every demo pack is published whole; the newest one is what requests resolve to.
    packs.push({
      id,
      date: day.date,
      status: 'fresh',
      content_hash: packContentHash(day.date, day.prices, day.fx),
      source,
      price_count: day.prices.length,
      fx_count: day.fx.length,
      created_at: `${day.date}T21:30:00.000Z`,
      fresh_at: `${day.date}T22:00:00.000Z`,
      error: null,
    });
    for (const p of day.prices) prices.push({ pack_id: id, symbol: p.symbol, close: p.close, currency: p.currency });
    for (const r of day.fx) fx.push({ pack_id: id, base: r.base, quote: r.quote, rate: r.rate });
  }
  await insertChunked(trx, 'pricing_packs', packs);
  await insertChunked(trx, 'prices', prices);
  await insertChunked(trx, 'fx_rates', fx);
  return { prices: prices.length, fx_rates: fx.length };
}
