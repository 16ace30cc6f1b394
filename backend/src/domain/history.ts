import type { AnalyticsWarning } from './analytics/input.js';
import { FxTable, type FxRate } from './fx.js';
import { compareEntries, LedgerBook } from './ledger/replay.js';
import { isSecurityTransfer } from './ledger/securities.js';
import type { LedgerEntry, SecurityInfo } from './ledger/types.js';
import { addDays } from './dates.js';

/**
 * Closes whose symbol index is shared by every pack of the same symbol list (compact pack
 * closes): a holding's slot in `index` is looked up once per list instead of once per day.
 * `at(index.get(s))` is `get(s)`.
 */
export interface IndexedCloses extends ReadonlyMap<string, number> {
  readonly index: ReadonlyMap<string, number>;
  at(slot: number): number;
}

const isIndexed = (closes: ReadonlyMap<string, number>): closes is IndexedCloses =>
  'index' in closes && typeof (closes as Partial<IndexedCloses>).at === 'function';

/** The market data in force on a day: the newest pack dated on or before it. */
export interface DayMarket {
  closes: ReadonlyMap<string, number>;
  fx: readonly FxRate[];
}

/** One calendar day in the base currency; `inflow` and `outflow` are that day's external flows, both positive. */
export interface HistoryPoint {
  date: string;
  value: number;
  inflow: number;
  outflow: number;
}

export interface HistoryInput {
  /** The whole ledger up to at least the last day, in ledger order. */
  entries: readonly LedgerEntry[];
  securities: ReadonlyMap<string, SecurityInfo>;
  baseCurrency: string;
  /** Consecutive calendar days, oldest first. */
  days: readonly string[];
  /**
   * Null before the first pack. Asked for the day before the first day, then for each day in
   * order. The same object for days under the same pack lets its closes be read once.
   */
  marketOn(date: string): DayMarket | null;
}

export interface History {
  points: HistoryPoint[];
  warnings: AnalyticsWarning[];
}

/**
 * Market data the history cannot do without: a close for a holding that has never been
 * priced, or an FX rate for a currency the portfolio holds that no pack so far has had.
 * Naming the day and what is missing lets the caller tell which pack to repair.
 */
export class HistoryDataError extends Error {
  constructor(
    message: string,
    readonly date: string,
    readonly missing: { pair: string } | { symbol: string },
  ) {
    super(message);
    this.name = 'HistoryDataError';
  }
}

/** Calendar days from `start` to `end` inclusive. */
export function calendarDays(start: string, end: string): string[] {
  const days: string[] = [];
  for (let d = start; d <= end; d = addDays(d, 1)) days.push(d);
  return days;
}

/**
 * The portfolio's end-of-day value and external flows for every day, cash included.
 *
 * Flows are converted at their own day's FX, the same rates that value the day, so a flow
 * changes value and flow by the same amount and moves no return. A holding missing from the
 * day's pack keeps its last known close, and a currency missing from it its last known rate
 * (each reported once per symbol or pair with the days it was carried); neither is ever taken
 * from a later day, because that would let the future leak into the past. A holding with no
 * close so far, or a currency with no rate so far, is an error.
 */
export function valuationHistory(input: HistoryInput): History {
  const steps = valuationHistorySteps(input);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * {@link valuationHistory} one day at a time: it yields after each day and returns the
 * history. Years of days over hundreds of positions is enough CPU to stall a server, so a
 * caller that must stay responsive can pause between days without this module knowing how.
 */
export function* valuationHistorySteps(input: HistoryInput): Generator<void, History, void> {
  const { baseCurrency, days } = input;
  const book = new LedgerBook(input.securities);
  const entries = input.entries.every((e, i) => i === 0 || compareEntries(input.entries[i - 1]!, e) <= 0)
    ? input.entries
    : [...input.entries].sort(compareEntries);
  const carried = new Map<string, { first: string; last: string }>();
  const carriedRates = new Map<string, { first: string; last: string }>();
  let market: DayMarket | null = null;
  let fx = new FxTable([]);
  // Every holding in a currency converts at the same rate until the pack changes, and
  // FxTable.rate builds a key string per call: over hundreds of holdings and years of days
  // that was a large share of the whole computation.
  const rates = new Map<string, number | null>();
  // The currencies whose rate the pack in force lacks and an earlier one gave.
  const ratesCarriedNow = new Set<string>();
  const seen = marketsSeen(baseCurrency);
  const spanOf = (spans: Map<string, { first: string; last: string }>, key: string, date: string) => {
    const span = spans.get(key);
    if (span) span.last = date;
    else spans.set(key, { first: date, last: date });
  };

  const toBase = (amount: number, currency: string, date: string): number => {
    if (amount === 0 || currency === baseCurrency) return amount;
    let rate = rates.get(currency);
    if (rate === undefined) {
      rate = market === null ? null : fx.rate(currency, baseCurrency);
      if (rate === null && market !== null) {
        rate = seen.rateOf(currency) ?? null;
        if (rate !== null) ratesCarriedNow.add(currency);
      }
      rates.set(currency, rate);
    }
    if (rate === null) {
      const pair = `${currency}/${baseCurrency}`;
      const where =
        market === null
          ? 'no pricing pack is in force'
          : 'neither the pricing pack in force nor an earlier one has a rate for it';
      throw new HistoryDataError(`no FX rate ${pair} on ${date}: ${where}`, date, { pair });
    }
    if (ratesCarriedNow.size > 0 && ratesCarriedNow.has(currency)) spanOf(carriedRates, currency, date);
    return amount * rate;
  };

  // A close or rate from the pack in force just before the period is as good as one from inside it.
  if (days.length > 0) {
    const before = input.marketOn(addDays(days[0]!, -1));
    if (before) seen.add(before);
  }

  const points: HistoryPoint[] = [];
  let next = 0;
  // Rebuilt only on days with entries: the book is unchanged in between, and building it daily dominated the garbage.
  let open = openHoldings(book);
  // The holdings valued at a carried close on the last day valued in full.
  let carriedToday: string[] = [];
  // Each open holding's slot in the index of the market's closes, for `open` and that index.
  let slots: (number | undefined)[] = [];
  let slotsOf = null as { open: typeof open; index: ReadonlyMap<string, number> } | null;
  for (const date of days) {
    const today = input.marketOn(date);
    const newMarket = today !== market;
    if (newMarket) {
      market = today;
      fx = new FxTable(today?.fx ?? []);
      rates.clear();
      ratesCarriedNow.clear();
      if (today) seen.add(today);
    }

    let inflow = 0;
    let outflow = 0;
    const applied = next;
    for (; next < entries.length && entries[next]!.date <= date; next++) {
      const e = entries[next]!;
      book.apply(e);
      if (e.date !== date) continue;
      const flow = externalFlow(e);
      if (flow > 0) inflow += toBase(flow, e.currency, date);
      else if (flow < 0) outflow -= toBase(flow, e.currency, date);
    }
    const previous = points.at(-1);
    if (!newMarket && next === applied && previous) {
      // The same book at the same pack: the same value, to the last bit, as the day before.
      for (const symbol of carriedToday) carried.get(symbol)!.last = date;
      for (const currency of ratesCarriedNow) carriedRates.get(currency)!.last = date;
      points.push({ date, value: previous.value, inflow, outflow });
      yield;
      continue;
    }
    if (next > applied) open = openHoldings(book);

    let value = 0;
    for (const [currency, balance] of book.cashBalances()) value += toBase(balance, currency, date);
    carriedToday = [];
    const closes = market?.closes;
    const indexed = closes !== undefined && isIndexed(closes) ? closes : null;
    if (indexed && (slotsOf?.open !== open || slotsOf.index !== indexed.index)) {
      slots = open.map((h) => indexed.index.get(h.symbol));
      slotsOf = { open, index: indexed.index };
    }
    for (let i = 0; i < open.length; i++) {
      const { symbol, currency, quantity } = open[i]!;
      let close: number | undefined;
      if (indexed) {
        const slot = slots[i];
        close = slot === undefined ? undefined : indexed.at(slot);
      } else close = closes?.get(symbol);
      if (close === undefined) {
        close = seen.closeOf(symbol);
        if (close === undefined) {
          throw new HistoryDataError(
            `no close for ${symbol} on or before ${date}, so the holding cannot be valued`,
            date,
            { symbol },
          );
        }
        carriedToday.push(symbol);
        spanOf(carried, symbol, date);
      }
      value += toBase(quantity * close, currency, date);
    }
    points.push({ date, value, inflow, outflow });
    yield;
  }

  const warnings = [
    ...[...carried].map(([symbol, { first, last }]): AnalyticsWarning => ({
      code: 'price_carried_forward',
      message: `${symbol} has no close in the pricing pack in force on some days between ${first} and ${last}; its last known close was carried forward`,
    })),
    ...[...carriedRates].map(([currency, { first, last }]): AnalyticsWarning => ({
      code: 'fx_rate_carried_forward',
      message: `the pricing pack in force has no FX rate ${currency}/${baseCurrency} on some days between ${first} and ${last}; its last known rate was carried forward`,
    })),
  ];
  return { points, warnings };
}

/** The open holdings of the book, in its order, as a list: valued on every day with a new pack. */
function openHoldings(book: LedgerBook): { symbol: string; currency: string; quantity: number }[] {
  return [...book.openQuantities()].map(([symbol, { currency, quantity }]) => ({ symbol, currency, quantity }));
}

/**
 * The last known close of a symbol, and rate of a currency into the base currency, over the
 * markets seen so far, asked for only when the market in force lacks it: each market is
 * looked at once per symbol or currency carried, instead of every close of every market being
 * copied into a map as it comes into force.
 */
function marketsSeen(baseCurrency: string): {
  add(market: DayMarket): void;
  closeOf(symbol: string): number | undefined;
  rateOf(currency: string): number | undefined;
} {
  const markets: DayMarket[] = [];
  // Markets that lack a rate are rare; their FX tables are built only when one is asked for.
  const tables = new WeakMap<DayMarket, FxTable>();
  const tableOf = (m: DayMarket) => {
    let t = tables.get(m);
    if (!t) tables.set(m, (t = new FxTable(m.fx)));
    return t;
  };
  /** A lookup of the newest value in the markets seen; per key, each market is looked at once. */
  const newest = (inMarket: (m: DayMarket, key: string) => number | undefined) => {
    const known = new Map<string, { upTo: number; value: number | undefined }>();
    return (key: string): number | undefined => {
      const memo = known.get(key);
      let value = memo?.value;
      for (let i = markets.length - 1; i > (memo?.upTo ?? -1); i--) {
        const v = inMarket(markets[i]!, key);
        if (v !== undefined) {
          value = v;
          break;
        }
      }
      known.set(key, { upTo: markets.length - 1, value });
      return value;
    };
  };
  return {
    add: (m) => void markets.push(m),
    closeOf: newest((m, symbol) => m.closes.get(symbol)),
    rateOf: newest((m, currency) => tableOf(m).rate(currency, baseCurrency) ?? undefined),
  };
}

/**
 * Money or securities crossing the portfolio boundary, in the entry's currency: positive in,
 * negative out, 0 for performance. Only called after the book applied the entry, which
 * rejects a flow without its amount, quantity or price.
 */
function externalFlow(e: LedgerEntry): number {
  const size = (): number => (isSecurityTransfer(e) ? e.quantity! * e.price! : e.amount!);
  switch (e.type) {
    case 'DEPOSIT':
    case 'TRANSFER_IN':
      return size();
    case 'WITHDRAWAL':
    case 'TRANSFER_OUT':
      return -size();
    default:
      return 0;
  }
}
