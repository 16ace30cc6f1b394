import { addDays, isCalendarDate } from '../domain/dates.js';
import type { PackFx, PackPrice } from '../domain/pack.js';
import { crossRates } from './cross-rates.js';
import { ProviderError } from './errors.js';
import type { Guard } from './guarded.js';
import type { MarketDataProvider, ProviderWarning, SnapshotRequest } from './provider.js';
import { Series, type DailyValue } from './series.js';

/** Reference rates of one day: one unit of `base` costs `rates.get(c)` units of currency c. */
export interface RatesDay {
  date: string;
  base: string;
  rates: ReadonlyMap<string, number>;
}

/**
 * A source read as whole histories rather than one date at a time (docs/providers.md): one
 * file per symbol, or one file of every day's reference rates. Each method is one request to
 * the source; `historyProvider` runs it through the source's guard, keeps what a backfill's
 * span needs, and answers dates from it.
 */
export interface HistorySource {
  readonly name: string;
  /** Every symbol it has, when it can list them (a directory); absent when it cannot (a URL template). */
  listSymbols?(signal: AbortSignal): Promise<string[]>;
  /** One symbol's daily closes, as traded, in any order; null when the source has no such symbol. */
  closes?(symbol: string, signal: AbortSignal): Promise<DailyValue[] | null>;
  /** Every day of reference rates it has, in any order, all against one base currency. */
  rates?(signal: AbortSignal): Promise<RatesDay[]>;
}

export interface HistoryOptions {
  guard: Guard;
  /** Longest gap, in calendar days, over which the last value is carried forward with a warning. */
  carryDays: number;
  /** Symbol histories fetched at once while loading. */
  concurrency: number;
}

interface Rates {
  base: string;
  byCurrency: Map<string, Series>;
}

/** What is loaded for one span: promises, so concurrent requests share one load per history. */
interface Loaded {
  key: string;
  window: { from: string; to: string };
  closes: Map<string, Promise<Series | null>>;
  rates?: Promise<Rates>;
}

/**
 * Turns a history source into a provider. A date's value is the day's own, or the last one
 * within `carryDays` calendar days before it (a holiday of that exchange, a TARGET holiday of
 * the ECB) with a `carried_forward` warning; beyond that the symbol or rate is missing for the
 * date. Histories are loaded once per requested span and trimmed to it, so a backfill of
 * thousands of symbols reads each file once.
 */
export function historyProvider(source: HistorySource, opts: HistoryOptions): MarketDataProvider {
  const { guard, carryDays } = opts;
  let loaded: Loaded | null = null;

  const spanOf = (req: SnapshotRequest) => {
    const span = req.span && req.span.from <= req.date && req.date <= req.span.to ? req.span : undefined;
    const from = span?.from ?? req.date;
    const to = span?.to ?? req.date;
    return { key: `${from}..${to}`, window: { from: addDays(from, -carryDays), to } };
  };

  const stateFor = (req: SnapshotRequest): Loaded => {
    const { key, window } = spanOf(req);
    if (loaded?.key !== key) loaded = { key, window, closes: new Map() };
    return loaded;
  };

  const seriesOf = (state: Loaded, symbol: string, signal?: AbortSignal): Promise<Series | null> => {
    let s = state.closes.get(symbol);
    if (!s) {
      s = guard
        .call('history', { 'provider.symbol': symbol }, (sig) => source.closes!(symbol, sig), signal)
        .then((rows) => (rows === null ? null : new Series(rows, state.window)));
      // A failed load is not kept: the next request for the span tries again.
      s.catch(() => state.closes.delete(symbol));
      state.closes.set(symbol, s);
    }
    return s;
  };

  const ratesOf = (state: Loaded, signal?: AbortSignal): Promise<Rates> => {
    if (!state.rates) {
      const load = guard.call('rates', {}, (sig) => source.rates!(sig), signal).then((days) => ratesTable(days, state));
      load.catch(() => {
        if (state.rates === load) delete state.rates;
      });
      state.rates = load;
    }
    return state.rates;
  };

  async function prices(state: Loaded, req: SnapshotRequest, warnings: ProviderWarning[]): Promise<PackPrice[]> {
    let symbols = req.symbols;
    if (symbols.length === 0) {
      if (!source.listSymbols)
        throw new ProviderError(
          source.name,
          'permanent',
          'this source cannot list its symbols; name the symbols wanted',
        );
      symbols = await guard.call('list', {}, (sig) => source.listSymbols!(sig), req.signal);
    }
    const wanted: { symbol: string; currency: string }[] = [];
    for (const symbol of symbols) {
      const currency = req.currencies?.get(symbol);
      if (currency) wanted.push({ symbol, currency });
      else
        warnings.push({
          code: 'currency_unknown',
          subject: symbol,
          message: `${symbol}: the history file carries no currency and the security is not registered; left out`,
        });
    }
    const series = await mapLimit(wanted, opts.concurrency, (w) => seriesOf(state, w.symbol, req.signal));
    const out: PackPrice[] = [];
    wanted.forEach((w, i) => {
      const found = series[i]?.at(req.date, carryDays);
      if (!found) return;
      if (found.date !== req.date) warnings.push(carried(w.symbol, req.date, found.date, carryDays));
      out.push({ symbol: w.symbol, close: found.value, currency: w.currency });
    });
    if (wanted.length > 0 && out.length === 0) throw notCovered(source.name, req.date, 'closes', carryDays);
    return out;
  }

  async function fx(state: Loaded, req: SnapshotRequest, warnings: ProviderWarning[]): Promise<PackFx[]> {
    const rates = await ratesOf(state, req.signal);
    const day = new Map<string, number>();
    for (const [currency, series] of rates.byCurrency) {
      const found = series.at(req.date, carryDays);
      if (!found) continue;
      if (found.date !== req.date) warnings.push(carried(`${rates.base}/${currency}`, req.date, found.date, carryDays));
      day.set(currency, found.value);
    }
    if (day.size === 0) throw notCovered(source.name, req.date, 'reference rates', carryDays);
    return crossRates(rates.base, day, req.pairs);
  }

  const provider: MarketDataProvider = {
    name: source.name,
    async snapshot(req) {
      try {
        req.signal?.throwIfAborted();
        if (!isCalendarDate(req.date))
          throw new ProviderError(source.name, 'permanent', `invalid date ${JSON.stringify(req.date)}`);
        const state = stateFor(req);
        const warnings: ProviderWarning[] = [];
        const [p, f] = await Promise.all([
          source.closes && req.only !== 'fx' ? prices(state, req, warnings) : [],
          source.rates && req.only !== 'prices' ? fx(state, req, warnings) : [],
        ]);
        return { date: req.date, prices: p, fx: f, ...(warnings.length > 0 ? { warnings } : {}) };
      } catch (e) {
        req.signal?.throwIfAborted();
        throw guard.refuse(e);
      }
    },
  };
  if (source.listSymbols)
    provider.listSymbols = (signal) => guard.call('list', {}, (sig) => source.listSymbols!(sig), signal);
  return provider;
}

function ratesTable(days: readonly RatesDay[], state: Loaded): Rates {
  const base = days[0]?.base ?? '';
  const byCurrency = new Map<string, DailyValue[]>();
  for (const d of days) {
    for (const [currency, value] of d.rates) {
      let rows = byCurrency.get(currency);
      if (!rows) byCurrency.set(currency, (rows = []));
      rows.push({ date: d.date, value });
    }
  }
  return {
    base,
    byCurrency: new Map([...byCurrency].map(([c, rows]) => [c, new Series(rows, state.window)])),
  };
}

const carried = (subject: string, date: string, from: string, carryDays: number): ProviderWarning => ({
  code: 'carried_forward',
  subject,
  from,
  message: `${subject}: no value on ${date}; the value of ${from} is carried forward (limit ${carryDays} days)`,
});

const notCovered = (name: string, date: string, what: string, carryDays: number) =>
  new ProviderError(name, 'permanent', `no ${what} on ${date} or in the ${carryDays} days before it`);

/** `fn` over `items`, at most `limit` at a time, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
