import { hashCanonical } from './canonical.js';
import { FxTable } from './fx.js';
import { addDays } from './dates.js';
import { localDateTime, previousTradingDay } from './calendar.js';

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
  const p = prices
    .map(({ symbol, close, currency }) => ({ symbol, close, currency }))
    .sort((a, b) => byKey(a.symbol, b.symbol));
  const f = fx
    .map(({ base, quote, rate }) => ({ base, quote, rate }))
    .sort((a, b) => byKey(a.base, b.base) || byKey(a.quote, b.quote));
  assertUnique(
    p.map((x) => x.symbol),
    'price for symbol',
  );
  assertUnique(
    f.map((x) => `${x.base}/${x.quote}`),
    'FX rate for pair',
  );
  return hashCanonical({ date, prices: p, fx: f });
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

/**
 * The date whose pack the freshness objective expects to be fresh at `at`: the previous
 * trading day once `freshBy` (HH:MM in `timeZone`) has passed today, else the one before.
 */
export function expectedPackDate(at: Date, timeZone: string, freshBy: string): string {
  const local = localDateTime(at, timeZone);
  return previousTradingDay(local.time >= freshBy ? local.date : addDays(local.date, -1));
}
