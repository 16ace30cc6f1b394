import { canonicalJson, sha256Hex } from './canonical.js';
import { FxTable } from './fx.js';
import { addDays } from './dates.js';
import { localDateTime, previousTradingDay, zonedInstant } from './calendar.js';

/**
 * A pack's life: built `warming`, published `fresh` (later `superseded` by a forced rebuild's
 * version), or `error` when its build failed; an operator `retired` an error pack to put it
 * out of every current view without deleting what it recorded.
 */
export const PACK_STATUSES = ['warming', 'fresh', 'error', 'superseded', 'retired'] as const;
export type PackStatus = (typeof PACK_STATUSES)[number];

/** Statuses that are history, never a candidate for the newest or expected pack. */
export const PAST_PACK_STATUSES: readonly PackStatus[] = ['superseded', 'retired'];

/** One close in a pricing pack, in the security's listing currency. */
export interface PackPrice {
  symbol: string;
  close: number;
  currency: string;
}

/** One unit of `base` costs `rate` units of `quote`. */
export interface PackFx {
  base: string;
  quote: string;
  rate: number;
}

/**
 * Pack ids name their date: `PP_<date>` for the first version of a date and `PP_<date>.v<n>`
 * (n >= 2) for forced rebuilds, so old pins keep naming the exact content they were served.
 */
export const packIdFor = (date: string, version = 1): string =>
  version === 1 ? `PP_${date}` : `PP_${date}.v${version}`;

const PACK_ID = /^PP_(\d{4}-\d{2}-\d{2})(?:\.v([1-9]\d*))?$/;

/** The date and version a pack id names; null for anything that is not a pack id. */
export function parsePackId(id: string): { date: string; version: number } | null {
  const m = PACK_ID.exec(id);
  if (!m) return null;
  const version = m[2] === undefined ? 1 : Number(m[2]);
  // `.v1` is never written, so accepting it would give one pack two ids.
  if (version < 2 && m[2] !== undefined) return null;
  return { date: m[1]!, version };
}

/** The date a pack id names; the one place pack ids are read as dates. */
export function packDateOf(id: string): string {
  const parsed = parsePackId(id);
  if (!parsed) throw new Error(`pricing pack id ${id} does not name a date`);
  return parsed.date;
}

// Code-unit order, not localeCompare: the hash must not depend on the process locale.
const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The content hash of a pack: canonical JSON of its date, prices sorted by symbol and FX
 * sorted by pair, so the same content hashes the same however it was read or built.
 * Only the listed fields count, so database rows with extra columns hash like plain values.
 * A duplicate symbol or pair is an error rather than a silent order-dependent choice.
 */
export function packContentHash(date: string, prices: readonly PackPrice[], fx: readonly PackFx[]): string {
  const p = [...prices].sort((a, b) => byKey(a.symbol, b.symbol));
  const f = [...fx].sort((a, b) => byKey(a.base, b.base) || byKey(a.quote, b.quote));
  assertUnique(
    p.map((x) => x.symbol),
    'price for symbol',
  );
  assertUnique(
    f.map((x) => `${x.base}/${x.quote}`),
    'FX rate for pair',
  );
  // The canonical JSON of { date, prices: [{ symbol, close, currency }], fx: [{ base, quote, rate }] },
  // written member by member in canonical (sorted) key order: a backfill hashes 5,000 prices
  // three times a date, and copying each row into a fresh object to hash it cost as much again.
  let text = `{"date":${canonicalJson(date)},"fx":[`;
  for (let i = 0; i < f.length; i++) {
    const r = f[i]!;
    text += `${i > 0 ? ',' : ''}{"base":${canonicalJson(r.base)},"quote":${canonicalJson(r.quote)},"rate":${canonicalJson(r.rate)}}`;
  }
  text += '],"prices":[';
  for (let i = 0; i < p.length; i++) {
    const r = p[i]!;
    text += `${i > 0 ? ',' : ''}{"close":${canonicalJson(r.close)},"currency":${canonicalJson(r.currency)},"symbol":${canonicalJson(r.symbol)}}`;
  }
  return sha256Hex(`${text}]}`);
}

function assertUnique(sortedKeys: readonly string[], what: string): void {
  for (let i = 1; i < sortedKeys.length; i++) {
    if (sortedKeys[i] === sortedKeys[i - 1]) throw new Error(`duplicate ${what} ${sortedKeys[i]}`);
  }
}

/** What one portfolio holds on a pack's date: the securities and the currencies it must value in its base currency. */
export interface HoldingsNeed {
  portfolioId: string;
  baseCurrency: string;
  symbols: readonly string[];
  /** Currencies of its positions and non-zero cash. */
  currencies: readonly string[];
}

export interface PackCoverage {
  /** Distinct symbols plus distinct `CCY/BASE` conversions the portfolios need. */
  required: number;
  present: number;
  /** present / required; 1 when nothing is needed. */
  ratio: number;
  missingSymbols: { symbol: string; portfolios: string[] }[];
  /** Conversions the pack's rates cannot make, directly, inverted or crossed, as valuation would. */
  missingPairs: { pair: string; portfolios: string[] }[];
}

/**
 * How much of what the portfolios hold a pack can value. A conversion counts as present when
 * the FX table used for valuation can make it, so a cross through USD is as good as a direct rate.
 */
export function packCoverage(
  needs: readonly HoldingsNeed[],
  prices: readonly PackPrice[],
  fx: readonly PackFx[],
): PackCoverage {
  const priced = new Set(prices.map((p) => p.symbol));
  const table = new FxTable(fx);
  const symbols = new Map<string, string[]>();
  const pairs = new Map<string, string[]>();
  const note = (map: Map<string, string[]>, key: string, portfolio: string) => {
    const list = map.get(key);
    if (list) list.push(portfolio);
    else map.set(key, [portfolio]);
  };
  for (const n of needs) {
    for (const s of new Set(n.symbols)) note(symbols, s, n.portfolioId);
    for (const c of new Set(n.currencies))
      if (c !== n.baseCurrency) note(pairs, `${c}/${n.baseCurrency}`, n.portfolioId);
  }
  const missingSymbols = [...symbols]
    .filter(([s]) => !priced.has(s))
    .map(([symbol, portfolios]) => ({ symbol, portfolios }));
  const missingPairs = [...pairs]
    .filter(([pair]) => {
      const [from, to] = pair.split('/') as [string, string];
      return table.rate(from, to) === null;
    })
    .map(([pair, portfolios]) => ({ pair, portfolios }));
  const bySymbol = (a: { symbol: string }, b: { symbol: string }) => byKey(a.symbol, b.symbol);
  const byPair = (a: { pair: string }, b: { pair: string }) => byKey(a.pair, b.pair);
  const required = symbols.size + pairs.size;
  const present = required - missingSymbols.length - missingPairs.length;
  return {
    required,
    present,
    ratio: required === 0 ? 1 : present / required,
    missingSymbols: missingSymbols.sort(bySymbol),
    missingPairs: missingPairs.sort(byPair),
  };
}

/** One line naming what a pack lacks, for the pack's `error` and the CLI. */
export function describeMissing(c: PackCoverage, maxEach = 20): string {
  const list = <T>(items: readonly T[], show: (x: T) => string): string => {
    const shown = items.slice(0, maxEach).map(show).join('; ');
    return items.length > maxEach ? `${shown}; and ${items.length - maxEach} more` : shown;
  };
  const parts: string[] = [];
  if (c.missingSymbols.length > 0) {
    parts.push(`missing prices: ${list(c.missingSymbols, (m) => `${m.symbol} (held by ${m.portfolios.join(', ')})`)}`);
  }
  if (c.missingPairs.length > 0) {
    parts.push(`missing FX: ${list(c.missingPairs, (m) => `${m.pair} (needed by ${m.portfolios.join(', ')})`)}`);
  }
  return parts.join('; ');
}

/** When packs are due: FOLIO_PACK_FRESH_BY (HH:MM) in FOLIO_PACK_SCHEDULE_TZ. */
export interface FreshnessRule {
  timeZone: string;
  freshBy: string;
}

/**
 * The date whose pack the freshness objective expects to be fresh at `at`: the previous
 * trading day once `freshBy` has passed today, else the one before.
 */
export function expectedPackDate(at: Date, rule: FreshnessRule): string {
  const local = localDateTime(at, rule.timeZone);
  return previousTradingDay(local.time >= rule.freshBy ? local.date : addDays(local.date, -1));
}

/**
 * When the pack of `date` becomes the expected one: `freshBy` on the calendar day after it
 * (a Friday's pack is due on Saturday morning and stays expected over the weekend).
 */
export const packDueAt = (date: string, rule: FreshnessRule): Date =>
  zonedInstant(addDays(date, 1), rule.freshBy, rule.timeZone);

/** The state of the expected pack: fresh (or a later one is), else its newest version's status, or missing. */
export type ExpectedPackState = 'fresh' | 'warming' | 'error' | 'missing';
export const EXPECTED_PACK_STATES: readonly ExpectedPackState[] = ['fresh', 'warming', 'error', 'missing'];

export interface PackFreshness {
  /** The date the freshness objective expects a fresh pack for now. */
  expectedDate: string;
  /** The newest fresh pack covers the expected date: the SLI of the freshness objective. */
  fresh: boolean;
  state: ExpectedPackState;
  newestFreshDate: string | null;
  /**
   * The age of the data served: seconds since the newest fresh pack became due (0 before
   * that). Fresh packs are between 0 and a day old (three over a weekend); anything older
   * means packs are missing. /health/pack, folio_pack_age_seconds and the runbooks use this one.
   */
  ageSeconds: number | null;
}

/**
 * The one definition of pack freshness, for /health/pack and the metrics alike: the
 * expected date at `at`, whether the newest fresh pack covers it, and the data's age.
 * `expectedVersion` is the status of the expected date's newest version, null without one.
 */
export function packFreshness(
  at: Date,
  rule: FreshnessRule,
  newestFreshDate: string | null,
  expectedVersion: string | null,
): PackFreshness {
  const expectedDate = expectedPackDate(at, rule);
  const fresh = newestFreshDate !== null && newestFreshDate >= expectedDate;
  const ageSeconds =
    newestFreshDate === null
      ? null
      : Math.max(0, Math.round((at.getTime() - packDueAt(newestFreshDate, rule).getTime()) / 1000));
  return {
    expectedDate,
    fresh,
    state: fresh ? 'fresh' : expectedVersion === 'warming' || expectedVersion === 'error' ? expectedVersion : 'missing',
    newestFreshDate,
    ageSeconds,
  };
}
