import { encodeCloses, listSlots, pickCloses } from '../db/repositories/pack-closes.js';
import { addDays } from '../domain/dates.js';
import { calendarDays, valuationHistory } from '../domain/history.js';
import { historySeries, marketsInForce, type DatedMarket } from '../domain/history-series.js';
import { compareEntries } from '../domain/ledger/replay.js';
import type { LedgerEntry, SecurityInfo, Transaction, TxType } from '../domain/ledger/types.js';
import { performanceReport } from '../domain/metrics/performance-report.js';
import { riskReport } from '../domain/metrics/risk-report.js';
import { summaryStrip } from '../domain/metrics/summary-strip.js';
import { sealResult } from '../executor/result.js';

const SECURITIES = 60;
const DAYS = 400;
const START = '2000-01-03';
const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;

/**
 * Runs the history and metrics code once on a synthetic book, so that the first request
 * after a start does not also pay for compiling it: on the 3-year, 500-position benchmark
 * portfolio the code's first run was a third or more of the first answer's time. Nothing is
 * read or written, nothing is cached and the figures are thrown away; the book is made up
 * (60 securities in three currencies over 400 days, dated in 2000) only to take the same paths
 * as real ones: compact closes, FX conversion, trades, income and external flows. Returns how
 * long it took and the hash of what it computed (the same on every run).
 */
export function warmUpAnalytics(): { ms: number; resultHash: string } {
  const started = performance.now();
  const securities = new Map<string, SecurityInfo>();
  for (let i = 0; i < SECURITIES; i++) {
    const symbol = `WARM${String(i).padStart(3, '0')}`;
    const currency = CURRENCIES[i % CURRENCIES.length]!;
    securities.set(symbol, { symbol, name: symbol, sector: `Sector ${i % 7}`, currency, asset_class: 'equity' });
  }
  const symbols = [...securities.keys()];
  const slots = listSlots(symbols, new Set(symbols));
  const days = calendarDays(START, addDays(START, DAYS - 1));
  const markets: DatedMarket[] = days
    // Five pricing days a week.
    .filter((_, i) => i % 7 < 5)
    .map((date, n) => ({
      date,
      data: {
        closes: pickCloses(
          slots,
          encodeCloses(symbols.map((_, i) => 50 + i + 10 * Math.sin((n + 1) * (i + 1) * 0.01))),
        ),
        fx: [
          { base: 'EUR', quote: 'USD', rate: 1.1 + 0.05 * Math.sin(n / 30) },
          { base: 'GBP', quote: 'USD', rate: 1.3 + 0.05 * Math.cos(n / 40) },
        ],
      },
    }));
  const entries = ledger(days, symbols, securities);
  const history = valuationHistory({
    entries,
    securities,
    baseCurrency: 'USD',
    days,
    marketOn: marketsInForce(markets),
  });
  const benchmark = { symbol: symbols[0]!, currency: 'USD' };
  const series = historySeries({
    baseCurrency: 'USD',
    start: days[0]!,
    end: days.at(-1)!,
    history,
    markets,
    benchmark,
  });
  const returns = performanceReport(series, true);
  const risk = riskReport(series);
  const strip = summaryStrip(series, series.points.at(-1)!.value);
  const { result_hash } = sealResult({ returns, risk, strip }, history.warnings);
  return { ms: performance.now() - started, resultHash: result_hash };
}

/** Deposits in each currency, a purchase of every security, then a trade, a dividend and a flow every few days. */
function ledger(
  days: readonly string[],
  symbols: readonly string[],
  securities: Map<string, SecurityInfo>,
): LedgerEntry[] {
  const cash = (date: string, type: TxType, currency: string, amount: number, symbol: string | null = null) =>
    ({ date, type, symbol, quantity: null, price: null, amount, currency, fee: 0, note: null }) satisfies Transaction;
  const trade = (date: string, type: 'BUY' | 'SELL', symbol: string, quantity: number): Transaction => ({
    date,
    type,
    symbol,
    quantity,
    price: 50,
    amount: null,
    currency: securities.get(symbol)!.currency,
    fee: 1,
    note: null,
  });
  const txs: Transaction[] = CURRENCIES.map((currency) => cash(days[0]!, 'DEPOSIT', currency, 1_000_000));
  symbols.forEach((s) => txs.push(trade(days[1]!, 'BUY', s, 100)));
  for (let d = 7; d < days.length; d += 7) {
    const date = days[d]!;
    const symbol = symbols[d % symbols.length]!;
    const currency = securities.get(symbol)!.currency;
    txs.push(trade(date, d % 2 === 0 ? 'BUY' : 'SELL', symbol, 10));
    txs.push(cash(date, 'DIVIDEND', currency, 25, symbol));
    txs.push(cash(date, d % 3 === 0 ? 'WITHDRAWAL' : 'DEPOSIT', currency, 500));
  }
  // Ledger order: by date, and in the order written within a date.
  return txs.map((t, rowIndex) => ({ ...t, commitSeq: 1, rowIndex })).sort(compareEntries);
}
