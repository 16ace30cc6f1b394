import type { Knex } from 'knex';
import { addDays } from '../../domain/dates.js';
import {
  expectedPackDate,
  packContentHash,
  packIdFor,
  packFreshness,
  PAST_PACK_STATUSES,
  type PackStatus,
  type FreshnessRule,
  type PackFreshness,
  type PackFx,
  type PackPrice,
} from '../../domain/pack.js';
import { insertChunked } from '../bulk.js';
import { writeCloses } from './pack-closes.js';
import { AppError } from '../../errors.js';
import { announce } from '../changes.js';
import { dialectOf } from '../knex.js';

export type { PackStatus };

export interface Pack {
  id: string;
  date: string;
  status: PackStatus;
  content_hash: string | null;
  source: string;
  price_count: number;
  fx_count: number;
  created_at: string;
  fresh_at: string | null;
  error: string | null;
}

export interface PackPriceRow {
  symbol: string;
  close: number;
  currency: string;
}

export interface PackFxRow {
  base: string;
  quote: string;
  rate: number;
}

const COLUMNS = [
  'id',
  'date',
  'status',
  'content_hash',
  'source',
  'price_count',
  'fx_count',
  'created_at',
  'fresh_at',
  'error',
] as const;

const toPack = (r: Record<string, unknown>): Pack => ({
  ...(r as unknown as Pack),
  price_count: Number(r.price_count),
  fx_count: Number(r.fx_count),
});

export async function get(db: Knex, id: string): Promise<Pack | null> {
  const row = await db('pricing_packs').where({ id }).first<Record<string, unknown> | undefined>(COLUMNS);
  return row ? toPack(row) : null;
}

/**
 * The newest pack that is still current (superseded versions are history, not candidates).
 * Within a date a fresh version wins, so a forced rebuild that is still warming (or failed)
 * does not hide the fresh version it is meant to replace.
 */
export async function newest(db: Knex): Promise<Pack | null> {
  const row = await db('pricing_packs')
    .whereNotIn('status', PAST_PACK_STATUSES)
    .orderBy('date', 'desc')
    .orderByRaw("case when status = 'fresh' then 0 else 1 end")
    .orderBy('created_at', 'desc')
    .first<Record<string, unknown> | undefined>(COLUMNS);
  return row ? toPack(row) : null;
}

/** Every version of one date's pack, oldest first. */
export async function forDate(db: Knex, date: string): Promise<Pack[]> {
  const rows = await db('pricing_packs')
    .where({ date })
    .orderBy('created_at', 'asc')
    .select<Record<string, unknown>[]>(COLUMNS);
  return rows.map(toPack);
}

export async function newestFresh(db: Knex, onOrBefore?: string): Promise<Pack | null> {
  const q = db('pricing_packs').where({ status: 'fresh' });
  if (onOrBefore) q.andWhere('date', '<=', onOrBefore);
  const row = await q.orderBy('date', 'desc').first<Record<string, unknown> | undefined>(COLUMNS);
  return row ? toPack(row) : null;
}

/** Whether the expected pack is fresh at `at`, by the one definition (domain/pack.ts). */
export async function freshness(db: Knex, at: Date, rule: FreshnessRule): Promise<PackFreshness> {
  const [newest, versions] = await Promise.all([newestFresh(db), forDate(db, expectedPackDate(at, rule))]);
  const current = versions.filter((v) => !PAST_PACK_STATUSES.includes(v.status)).at(-1);
  return packFreshness(at, rule, newest?.date ?? null, current?.status ?? null);
}

export async function list(
  db: Knex,
  opts: { limit: number; before?: string | undefined; status?: PackStatus | undefined },
): Promise<Pack[]> {
  const q = db('pricing_packs');
  if (opts.before) q.where('date', '<', opts.before);
  if (opts.status) q.where({ status: opts.status });
  const rows = await q
    .orderBy([
      { column: 'date', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(opts.limit)
    .select(COLUMNS);
  return rows.map(toPack);
}

export async function prices(db: Knex, packId: string): Promise<Map<string, PackPriceRow>> {
  const rows = await db('prices').where({ pack_id: packId }).select('symbol', 'close', 'currency');
  return new Map(
    rows.map((r: PackPriceRow) => [r.symbol, { symbol: r.symbol, close: Number(r.close), currency: r.currency }]),
  );
}

export async function fx(db: Knex, packId: string): Promise<PackFxRow[]> {
  const rows = await db('fx_rates')
    .where({ pack_id: packId })
    .orderBy(['base', 'quote'])
    .select('base', 'quote', 'rate');
  return rows.map((r: PackFxRow) => ({ base: r.base, quote: r.quote, rate: Number(r.rate) }));
}

/**
 * The fresh packs that price every day from `from` to `to`: those dated in that range, oldest
 * first, preceded by the newest one before `from`, which is in force on the range's first days.
 */
export async function freshCovering(db: Knex, from: string, to: string): Promise<Pack[]> {
  const [before, within] = await Promise.all([
    newestFresh(db, addDays(from, -1)),
    db('pricing_packs')
      .where({ status: 'fresh' })
      .andWhere('date', '>=', from)
      .andWhere('date', '<=', to)
      .orderBy('date', 'asc')
      .select(COLUMNS),
  ]);
  return [...(before ? [before] : []), ...within.map(toPack)];
}

/** The dates from `from` to `to` that have a fresh pack. */
export async function freshDates(db: Knex, from: string, to: string): Promise<Set<string>> {
  const rows = await db('pricing_packs')
    .where({ status: 'fresh' })
    .whereBetween('date', [from, to])
    .distinct<{ date: string }[]>('date');
  return new Set(rows.map((r) => r.date));
}

/**
 * Prices and FX of several packs in two queries, for a history spanning hundreds of packs
 * that would otherwise cost two round trips per pack. Packs without rows map to empty lists.
 */
export async function contentsOf(
  db: Knex,
  packIds: readonly string[],
): Promise<Map<string, { prices: PackPriceRow[]; fx: PackFxRow[] }>> {
  const [priceRows, fx] = await Promise.all([
    packIds.length === 0
      ? []
      : db('prices')
          .whereIn('pack_id', packIds)
          .select<(PackPriceRow & { pack_id: string })[]>('pack_id', 'symbol', 'close', 'currency'),
    fxOf(db, packIds),
  ]);
  const out = new Map(packIds.map((id) => [id, { prices: [] as PackPriceRow[], fx: fx.get(id)! }]));
  for (const r of priceRows)
    out.get(r.pack_id)!.prices.push({ symbol: r.symbol, close: Number(r.close), currency: r.currency });
  return out;
}

/**
 * The closes of `symbols` in each of `packIds` (packs without any of them are absent), in one
 * query: a history over hundreds of packs of a portfolio needs only its own symbols' closes,
 * and a row per close costs far more to decode than the same closes aggregated per pack.
 * The two aggregates see the pack's rows in the same order, so the lists align; symbols
 * never contain the unit separator (char 31), and both databases render a double as text
 * that parses back to the same double (SQLite 3.53 and PostgreSQL 12+ print round-trip digits).
 */
export async function closesOf(
  db: Knex,
  packIds: readonly string[],
  symbols: readonly string[],
): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  if (packIds.length === 0 || symbols.length === 0) return out;
  const [symbolList, closeList] =
    dialectOf(db) === 'postgres'
      ? ['string_agg(symbol, chr(31))', "string_agg(close::text, ',')"]
      : ['group_concat(symbol, char(31))', "group_concat(close, ',')"];
  const rows = await db('prices')
    .whereIn('pack_id', packIds)
    .whereIn('symbol', symbols)
    .groupBy('pack_id')
    .select<{ pack_id: string; symbols: string; closes: string }[]>(
      'pack_id',
      db.raw(`${symbolList} as symbols`),
      db.raw(`${closeList} as closes`),
    );
  for (const r of rows) {
    const names = r.symbols.split('\x1f');
    const closes = r.closes.split(',');
    out.set(r.pack_id, new Map(names.map((s, i) => [s, Number(closes[i])])));
  }
  return out;
}

/** The FX rates of each of `packIds`, in one query; packs without rates map to empty lists. */
export async function fxOf(db: Knex, packIds: readonly string[]): Promise<Map<string, PackFxRow[]>> {
  const out = new Map(packIds.map((id) => [id, [] as PackFxRow[]]));
  if (packIds.length === 0) return out;
  const rows = await db('fx_rates')
    .whereIn('pack_id', packIds)
    .orderBy(['pack_id', 'base', 'quote'])
    .select<(PackFxRow & { pack_id: string })[]>('pack_id', 'base', 'quote', 'rate');
  for (const r of rows) out.get(r.pack_id)!.push({ base: r.base, quote: r.quote, rate: Number(r.rate) });
  return out;
}

/** The first pack dated from `from` to `to`, if any. */
export async function firstIdBetween(db: Knex, from: string, to: string): Promise<string | null> {
  const row = await db('pricing_packs').whereBetween('date', [from, to]).first<{ id: string } | undefined>('id');
  return row?.id ?? null;
}

/**
 * Writes one fresh pack per day with its prices and FX, as a pack build would publish it,
 * timestamped from its date (created 21:30Z, fresh 22:00Z) so a generated data set is the
 * same bytes wherever it is written.
 */
export async function insertPublished(
  trx: Knex.Transaction,
  days: readonly { date: string; prices: readonly PackPrice[]; fx: readonly PackFx[] }[],
  source: string,
): Promise<{ prices: number; fx_rates: number }> {
  const packs: object[] = [];
  const prices: object[] = [];
  const fx: object[] = [];
  for (const day of days) {
    const id = packIdFor(day.date);
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
  await writeCloses(
    trx,
    days.map((d) => packIdFor(d.date)),
  );
  return { prices: prices.length, fx_rates: fx.length };
}

// ---- Building packs (services/packs/: build, reconcile, mark fresh) ----

/** What a build records beyond the public pack row. */
export interface BuildState {
  reconciled_at: string | null;
  fresh_forced: boolean;
}

export async function buildState(db: Knex, id: string): Promise<BuildState | null> {
  const row = await db('pricing_packs')
    .where({ id })
    .first<{ reconciled_at: string | null; fresh_forced: boolean | number } | undefined>(
      'reconciled_at',
      'fresh_forced',
    );
  return row ? { reconciled_at: row.reconciled_at ?? null, fresh_forced: Boolean(Number(row.fresh_forced)) } : null;
}

/**
 * Starts a build as a `warming` pack. `reuse` names a version that was never served (warming
 * or error): its rows are deleted and it starts over under the same id; otherwise the id is new.
 */
export async function startBuild(
  db: Knex,
  p: { id: string; date: string; source: string; now: string; reuse: boolean },
): Promise<void> {
  await db.transaction(async (trx) => {
    const fields = {
      status: 'warming',
      source: p.source,
      created_at: p.now,
      content_hash: null,
      price_count: 0,
      fx_count: 0,
      fresh_at: null,
      error: null,
      reconciled_at: null,
      fresh_forced: false,
    };
    await announce(trx, { kind: 'pack', id: p.id });
    if (!p.reuse) {
      await trx('pricing_packs').insert({ id: p.id, date: p.date, ...fields });
      return;
    }
    const reset = await trx('pricing_packs').where({ id: p.id }).whereIn('status', ['warming', 'error']).update(fields);
    if (reset !== 1)
      throw new AppError(
        'conflict',
        `pricing pack ${p.id} is no longer warming or error; it cannot be rebuilt in place`,
      );
    for (const table of ['pack_closes', 'prices', 'fx_rates', 'pack_portfolios', 'pack_positions'])
      await trx(table).where({ pack_id: p.id }).delete();
  });
}

/** The positions one portfolio held on the pack's date, replayed from one ledger commit when the pack was built. */
export interface PositionSnapshot {
  portfolioId: string;
  ledgerCommitHash: string;
  baseCurrency: string;
  /** Valued with the snapshot exactly as fetched, before it was written. */
  nav: number;
  positions: { kind: 'security' | 'cash'; code: string; currency: string; quantity: number }[];
}

export interface PackContent {
  prices: readonly PackPrice[];
  fx: readonly PackFx[];
  contentHash: string;
  snapshots: readonly PositionSnapshot[];
  /** Set when the content does not cover the portfolios: the pack ends in `error` with it. */
  error: string | null;
}

/** Rows per progress report; each slice is still written as multi-row inserts. */
const PROGRESS_ROWS = 2_000;

/**
 * Writes a build's rows, hash and counts in one transaction, so a crash leaves either nothing
 * or everything; the pack stays `warming` (only mark-fresh publishes it) or ends in `error`.
 */
export async function writeContent(
  db: Knex,
  id: string,
  content: PackContent,
  onRows: (written: number, total: number) => void = () => {},
): Promise<void> {
  const tables: [string, object[]][] = [
    ['prices', content.prices.map((r) => ({ pack_id: id, symbol: r.symbol, close: r.close, currency: r.currency }))],
    ['fx_rates', content.fx.map((r) => ({ pack_id: id, base: r.base, quote: r.quote, rate: r.rate }))],
    [
      'pack_portfolios',
      content.snapshots.map((s) => ({
        pack_id: id,
        portfolio_id: s.portfolioId,
        ledger_commit_hash: s.ledgerCommitHash,
        base_currency: s.baseCurrency,
        nav: s.nav,
      })),
    ],
    [
      'pack_positions',
      content.snapshots.flatMap((s) => s.positions.map((p) => ({ pack_id: id, portfolio_id: s.portfolioId, ...p }))),
    ],
  ];
  const total = tables.reduce((n, [, rows]) => n + rows.length, 0);
  await db.transaction(async (trx) => {
    const pack = await lockPack(trx, id);
    if (pack?.status !== 'warming')
      throw new AppError(
        'conflict',
        `pricing pack ${id} is ${pack?.status ?? 'missing'}, not warming; its build was taken over`,
      );
    let written = 0;
    for (const [table, rows] of tables) {
      for (let i = 0; i < rows.length; i += PROGRESS_ROWS) {
        const slice = rows.slice(i, i + PROGRESS_ROWS);
        await insertChunked(trx, table, slice);
        written += slice.length;
        onRows(written, total);
      }
    }
    await announce(trx, { kind: 'pack', id });
    await trx('pricing_packs')
      .where({ id })
      .update({
        content_hash: content.contentHash,
        price_count: content.prices.length,
        fx_count: content.fx.length,
        status: content.error === null ? 'warming' : 'error',
        error: content.error,
      });
    await writeCloses(trx, [id]);
  });
}

/** Puts an `error` pack out of every current view; false when it is not (or no longer) `error`. */
export async function retire(db: Knex, id: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const retired = (await trx('pricing_packs').where({ id, status: 'error' }).update({ status: 'retired' })) === 1;
    if (retired) await announce(trx, { kind: 'pack', id });
    return retired;
  });
}

/** Ends a build that never got its content (the provider failed); a pack that got further is left alone. */
export async function failBuild(db: Knex, id: string, message: string): Promise<void> {
  await db.transaction(async (trx) => {
    const failed = await trx('pricing_packs')
      .where({ id, status: 'warming' })
      .update({ status: 'error', error: message.slice(0, 2000) });
    if (failed > 0) await announce(trx, { kind: 'pack', id });
  });
}

export async function setReconciled(db: Knex, id: string, at: string | null): Promise<void> {
  await db('pricing_packs').where({ id }).update({ reconciled_at: at });
}

export async function snapshots(db: Knex, packId: string): Promise<PositionSnapshot[]> {
  const [heads, rows] = await Promise.all([
    db('pack_portfolios')
      .where({ pack_id: packId })
      .orderBy('portfolio_id')
      .select<Record<string, string>[]>('portfolio_id', 'ledger_commit_hash', 'base_currency', 'nav'),
    db('pack_positions')
      .where({ pack_id: packId })
      .orderBy(['portfolio_id', 'kind', 'code'])
      .select<{ portfolio_id: string; kind: 'security' | 'cash'; code: string; currency: string; quantity: number }[]>(
        'portfolio_id',
        'kind',
        'code',
        'currency',
        'quantity',
      ),
  ]);
  const byPortfolio = new Map<string, PositionSnapshot>(
    heads.map((h) => [
      h.portfolio_id!,
      {
        portfolioId: h.portfolio_id!,
        ledgerCommitHash: h.ledger_commit_hash!,
        baseCurrency: h.base_currency!,
        nav: Number(h.nav),
        positions: [],
      },
    ]),
  );
  for (const r of rows) {
    // A position row without its portfolio row is kept visible as its own (empty-headed) snapshot.
    let s = byPortfolio.get(r.portfolio_id);
    if (!s) {
      s = { portfolioId: r.portfolio_id, ledgerCommitHash: '', baseCurrency: '', nav: Number.NaN, positions: [] };
      byPortfolio.set(r.portfolio_id, s);
    }
    s.positions.push({ kind: r.kind, code: r.code, currency: r.currency, quantity: Number(r.quantity) });
  }
  return [...byPortfolio.values()];
}

/**
 * Publishes a warming pack: inside one transaction the stored rows are counted and hashed
 * again and must match what the build recorded, so a pack whose data is partial can never
 * become fresh; the date's previous fresh version becomes `superseded` in the same commit.
 */
export async function publish(
  db: Knex,
  id: string,
  opts: { now: string; forced: boolean },
): Promise<{ superseded: string[] }> {
  return db.transaction(async (trx) => {
    const pack = await lockPack(trx, id);
    if (!pack)
      throw new AppError('pricing_pack_not_found', `pricing pack ${id} does not exist`, { pricing_pack_id: id });
    if (pack.status !== 'warming')
      throw new AppError('conflict', `pricing pack ${id} is ${pack.status}; only a warming pack can be marked fresh`);
    const [priceRows, fxRows] = await Promise.all([prices(trx, id), fx(trx, id)]);
    const stored = [...priceRows.values()];
    if (pack.content_hash === null || stored.length !== pack.price_count || fxRows.length !== pack.fx_count) {
      throw new AppError(
        'conflict',
        `pricing pack ${id} is incomplete: ${stored.length}/${pack.price_count} prices, ${fxRows.length}/${pack.fx_count} FX rates stored`,
      );
    }
    const hash = packContentHash(pack.date, stored, fxRows);
    if (hash !== pack.content_hash) {
      throw new AppError(
        'conflict',
        `pricing pack ${id} rows hash to ${hash}, not the recorded ${pack.content_hash}; its data changed after the build`,
      );
    }
    const previous = await trx('pricing_packs')
      .where({ date: pack.date, status: 'fresh' })
      .whereNot({ id })
      .select('id');
    const superseded = previous.map((r: { id: string }) => r.id);
    if (superseded.length > 0) await trx('pricing_packs').whereIn('id', superseded).update({ status: 'superseded' });
    await trx('pricing_packs').where({ id }).update({ status: 'fresh', fresh_at: opts.now, fresh_forced: opts.forced });
    await announce(trx, { kind: 'pack', id });
    return { superseded };
  });
}

/** Reads a pack row for a change; on PostgreSQL the row stays locked until the transaction ends. */
async function lockPack(trx: Knex.Transaction, id: string): Promise<Pack | null> {
  const q = trx('pricing_packs').where({ id });
  if (dialectOf(trx) === 'postgres') q.forUpdate();
  // SQLite has no row locks. A transaction that reads first and writes later fails at once
  // ("database is locked") when another process wrote in between, without waiting; a write as
  // its first statement takes the database's write lock up front and waits for it instead.
  else await trx('pricing_packs').where({ id }).update({ id });
  const row = await q.first<Record<string, unknown> | undefined>(COLUMNS);
  return row ? toPack(row) : null;
}

/** Pack counts by status, and warming packs started before `staleBefore`. */
export async function statusCounts(
  db: Knex,
  staleBefore: string,
): Promise<{ byStatus: Map<PackStatus, number>; staleWarming: number }> {
  const [rows, stale] = await Promise.all([
    db('pricing_packs').groupBy('status').select('status').count({ n: '*' }),
    db('pricing_packs').where({ status: 'warming' }).andWhere('created_at', '<', staleBefore).count({ n: '*' }).first(),
  ]);
  return {
    byStatus: new Map((rows as { status: PackStatus; n: string | number }[]).map((r) => [r.status, Number(r.n)])),
    staleWarming: Number(stale?.n ?? 0),
  };
}

/** Warming packs started before `staleBefore`: builds that died or hang. */
export async function staleWarming(db: Knex, staleBefore: string): Promise<Pack[]> {
  const rows = await db('pricing_packs')
    .where({ status: 'warming' })
    .andWhere('created_at', '<', staleBefore)
    .orderBy('date')
    .select(COLUMNS);
  return rows.map(toPack);
}
