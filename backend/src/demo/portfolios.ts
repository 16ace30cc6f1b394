import type { Transaction, TxType } from '../domain/ledger/types.js';
import { round } from '../domain/number.js';
import { SPLITS, splitFactor } from './market.js';
import { Random } from './random.js';
import { minorDigits, type DemoSecurity } from './universe.js';

/** What a demo portfolio holds and how its owner behaves; amounts in major units. */
export interface PortfolioPlan {
  id: string;
  name: string;
  base_currency: string;
  /** Deposited on the first day, per currency; every currency a holding trades in needs one. */
  funding: Readonly<Record<string, number>>;
  /** Deposited in the base currency on the first trading day of each quarter. */
  quarterlyContribution: number;
  /** Charged in the base currency on the first trading day of each quarter. */
  quarterlyFee: number;
  /** Taken out in the base currency on the first trading day of `month` (YYYY-MM). */
  withdrawal: { month: string; amount: number };
  holdings: readonly string[];
  /** Positions sold outright on the first trading day of `month`. */
  exits: readonly { symbol: string; month: string }[];
}

export const PORTFOLIO_PLANS: readonly PortfolioPlan[] = [
  {
    id: 'pf_demo_usd',
    name: 'US Growth & Income',
    base_currency: 'USD',
    funding: { USD: 1_500_000 },
    quarterlyContribution: 20_000,
    quarterlyFee: 375,
    withdrawal: { month: '2025-02', amount: 75_000 },
    holdings: [
      'AAPL',
      'MSFT',
      'NVDA',
      'ORCL',
      'CRM',
      'ADBE',
      'CSCO',
      'ACN',
      'GOOGL',
      'META',
      'NFLX',
      'DIS',
      'VZ',
      'AMZN',
      'TSLA',
      'HD',
      'MCD',
      'NKE',
      'PG',
      'KO',
      'PEP',
      'COST',
      'JNJ',
      'UNH',
      'LLY',
      'PFE',
      'MRK',
      'JPM',
      'BAC',
      'GS',
      'V',
      'MA',
      'CAT',
      'HON',
      'UNP',
      'XOM',
      'CVX',
      'LIN',
      'NEE',
      'PLD',
      'IEF',
      'LQD',
    ],
    exits: [{ symbol: 'PFE', month: '2024-08' }],
  },
  {
    id: 'pf_demo_cad',
    name: 'Canadian Balanced',
    base_currency: 'CAD',
    funding: { CAD: 250_000, USD: 150_000 },
    quarterlyContribution: 5_000,
    quarterlyFee: 120,
    withdrawal: { month: '2024-11', amount: 20_000 },
    holdings: [
      'RY.TO',
      'TD.TO',
      'ENB.TO',
      'SHOP.TO',
      'NVDA',
      'AAPL',
      'MSFT',
      'JPM',
      'XOM',
      'COST',
      'LLY',
      'IEF',
      'LQD',
    ],
    exits: [],
  },
  {
    id: 'pf_demo_eur',
    name: 'European Core',
    base_currency: 'EUR',
    funding: { EUR: 300_000, GBP: 60_000, JPY: 8_000_000, USD: 60_000 },
    quarterlyContribution: 6_000,
    quarterlyFee: 90,
    withdrawal: { month: '2025-06', amount: 25_000 },
    holdings: [
      'SAP.DE',
      'ASML.AS',
      'MC.PA',
      'SHEL.L',
      'AZN.L',
      'ULVR.L',
      '7203.T',
      '8306.T',
      'NVDA',
      'MSFT',
      'JNJ',
      'LQD',
    ],
    exits: [],
  },
];

/** Broker commission per trade, by currency. */
const TRADE_FEE: Readonly<Record<string, number>> = { USD: 1, CAD: 6.95, EUR: 4.95, GBP: 5.95, JPY: 500 };
/** Annual rate paid monthly on positive cash; currencies not listed earn nothing. */
const CASH_RATE: Readonly<Record<string, number>> = { USD: 0.04, CAD: 0.035, EUR: 0.025, GBP: 0.04 };
/** Share of each currency's funding meant to be invested; the rest of it is a reserve never spent on buys. */
const INVESTED_SHARE = 0.92;
/** Share of a position's target bought on day one; the rest is averaged in month by month. */
const INITIAL_SHARE = 0.6;
const MONTHLY_PICKS = 4;
const ADD_ON_SHARE = 0.3;
/** Dividends per share grow by this much a year. */
const DIVIDEND_GROWTH = 0.05;

export interface Market {
  days: readonly string[];
  securities: ReadonlyMap<string, DemoSecurity>;
  /** The day's close (as quoted that day, i.e. split-adjusted once the split is effective). */
  close(dayIndex: number, symbol: string): number;
}

const scale = (currency: string): number => 10 ** minorDigits(currency);
const toMinor = (major: number, currency: string): number => Math.round(major * scale(currency));
const toMajor = (minor: number, currency: string): number => minor / scale(currency);

/**
 * A portfolio being played forward day by day. Cash is kept in integer minor units, so the
 * no-overdraft and no-oversell rules hold exactly rather than up to rounding.
 */
class Book {
  readonly txs: Transaction[] = [];
  private readonly cash = new Map<string, number>();
  private readonly qty = new Map<string, number>();
  private readonly cost = new Map<string, number>();

  constructor(private readonly market: Market) {}

  cashOf(currency: string): number {
    return this.cash.get(currency) ?? 0;
  }

  held(symbol: string): number {
    return this.qty.get(symbol) ?? 0;
  }

  heldSymbols(): string[] {
    return [...this.qty.keys()].filter((s) => this.held(s) > 0).sort();
  }

  currencies(): string[] {
    return [...this.cash.keys()].sort();
  }

  security(symbol: string): DemoSecurity {
    const s = this.market.securities.get(symbol);
    if (!s) throw new Error(`unknown demo security ${symbol}`);
    return s;
  }

  priceMinor(dayIndex: number, symbol: string): number {
    return toMinor(this.market.close(dayIndex, symbol), this.security(symbol).currency);
  }

  /** Market value over cost, for picking which winners to trim. */
  gain(dayIndex: number, symbol: string): number {
    return (this.held(symbol) * this.priceMinor(dayIndex, symbol)) / (this.cost.get(symbol) ?? 1);
  }

  private add(currency: string, minor: number): void {
    const next = this.cashOf(currency) + minor;
    if (next < 0) throw new Error(`demo plan overdraws ${currency} cash`);
    this.cash.set(currency, next);
  }

  private record(date: string, type: TxType, currency: string, fields: Partial<Transaction>): void {
    this.txs.push({
      date,
      type,
      symbol: null,
      quantity: null,
      price: null,
      amount: null,
      currency,
      fee: 0,
      note: null,
      ...fields,
    });
  }

  cashFlow(
    date: string,
    type: 'DEPOSIT' | 'WITHDRAWAL' | 'INTEREST' | 'FEE',
    currency: string,
    minor: number,
    note: string,
  ): void {
    this.add(currency, type === 'DEPOSIT' || type === 'INTEREST' ? minor : -minor);
    this.record(date, type, currency, { amount: toMajor(minor, currency), note });
  }

  dividend(date: string, symbol: string, minor: number): void {
    const currency = this.security(symbol).currency;
    this.add(currency, minor);
    this.record(date, 'DIVIDEND', currency, { symbol, amount: toMajor(minor, currency), note: 'dividend' });
  }

  /** Cash a buy of `quantity` would take, commission included. */
  buyCost(dayIndex: number, symbol: string, quantity: number): number {
    const currency = this.security(symbol).currency;
    return quantity * this.priceMinor(dayIndex, symbol) + toMinor(TRADE_FEE[currency] ?? 0, currency);
  }

  trade(dayIndex: number, type: 'BUY' | 'SELL', symbol: string, quantity: number, note: string | null = null): void {
    const { currency } = this.security(symbol);
    const price = this.market.close(dayIndex, symbol);
    const gross = quantity * toMinor(price, currency);
    const fee = toMinor(TRADE_FEE[currency] ?? 0, currency);
    const held = this.held(symbol);
    if (type === 'BUY') {
      this.add(currency, -(gross + fee));
      this.qty.set(symbol, held + quantity);
      this.cost.set(symbol, (this.cost.get(symbol) ?? 0) + gross);
    } else {
      if (quantity > held) throw new Error(`demo plan oversells ${symbol}`);
      this.add(currency, gross - fee);
      this.qty.set(symbol, held - quantity);
      this.cost.set(symbol, ((this.cost.get(symbol) ?? 0) * (held - quantity)) / held);
    }
    const date = this.market.days[dayIndex] ?? '';
    this.record(date, type, currency, { symbol, quantity, price, fee: toMajor(fee, currency), note });
  }

  split(date: string, symbol: string, ratio: number): void {
    this.qty.set(symbol, this.held(symbol) * ratio);
    this.record(date, 'SPLIT', this.security(symbol).currency, {
      symbol,
      quantity: ratio,
      note: `${ratio}-for-1 stock split`,
    });
  }
}

const month = (date: string): number => Number(date.slice(5, 7));
const dayOfMonth = (date: string): number => Number(date.slice(8, 10));

/** Quarterly payers are spread over the three month cycles by symbol, as real ones are. */
function paysInMonth(security: DemoSecurity, m: number): boolean {
  switch (security.paymentsPerYear) {
    case 12:
      return true;
    case 4: {
      const offset = [...security.symbol].reduce((sum, ch) => sum + ch.charCodeAt(0), 0) % 3;
      return (m - 1) % 3 === offset;
    }
    case 2:
      return m === 6 || m === 12;
    default:
      return m === 5;
  }
}

/** Plays one plan forward over the market's days and returns its transactions in order. */
export function simulatePortfolio(plan: PortfolioPlan, market: Market, seed: number): Transaction[] {
  const rng = Random.stream(seed, `portfolio/${plan.id}`);
  const book = new Book(market);
  const base = plan.base_currency;
  const firstYear = Number((market.days[0] ?? '').slice(0, 4));
  const active = new Set(plan.holdings);
  const byCurrency = new Map<string, string[]>();
  for (const symbol of plan.holdings) {
    const { currency } = book.security(symbol);
    if (plan.funding[currency] === undefined) throw new Error(`${plan.id}: ${symbol} trades in unfunded ${currency}`);
    const group = byCurrency.get(currency);
    if (group) group.push(symbol);
    else byCurrency.set(currency, [symbol]);
  }
  const reserve = (currency: string): number => toMinor((plan.funding[currency] ?? 0) * (1 - INVESTED_SHARE), currency);
  const target = (symbol: string): number => {
    const { currency } = book.security(symbol);
    return toMinor(
      ((plan.funding[currency] ?? 0) * INVESTED_SHARE) / (byCurrency.get(currency)?.length ?? 1),
      currency,
    );
  };

  /** Buys whole shares for up to `budget`, never dipping into the currency's reserve. */
  const buyFor = (dayIndex: number, symbol: string, budget: number): void => {
    const { currency } = book.security(symbol);
    const spendable = Math.min(budget, book.cashOf(currency) - reserve(currency));
    const fee = book.buyCost(dayIndex, symbol, 0);
    const quantity = Math.floor((spendable - fee) / book.priceMinor(dayIndex, symbol));
    if (quantity >= 1) book.trade(dayIndex, 'BUY', symbol, quantity);
  };

  /** Trims the largest positions in `currency` until `needed` can be paid with the reserve intact. */
  const raiseCash = (dayIndex: number, currency: string, needed: number, note: string): void => {
    const candidates = book
      .heldSymbols()
      .filter((s) => book.security(s).currency === currency)
      .sort(
        (a, b) =>
          book.held(b) * book.priceMinor(dayIndex, b) - book.held(a) * book.priceMinor(dayIndex, a) || (a < b ? -1 : 1),
      );
    for (const symbol of candidates) {
      const shortfall = needed + reserve(currency) - book.cashOf(currency);
      if (shortfall <= 0) return;
      const quantity = Math.min(
        book.held(symbol) - 1,
        Math.ceil((shortfall + book.buyCost(dayIndex, symbol, 0)) / book.priceMinor(dayIndex, symbol)),
      );
      if (quantity >= 1) book.trade(dayIndex, 'SELL', symbol, quantity, note);
    }
    if (book.cashOf(currency) < needed) throw new Error(`${plan.id}: cannot raise ${currency} cash on day ${dayIndex}`);
  };

  market.days.forEach((date, dayIndex) => {
    const prev = market.days[dayIndex - 1];
    const ym = date.slice(0, 7);
    const newMonth = prev !== undefined && prev.slice(0, 7) !== ym;
    const newQuarter = newMonth && (month(date) - 1) % 3 === 0;
    const dividendDay =
      dayOfMonth(date) >= 15 && (prev === undefined || prev.slice(0, 7) !== ym || dayOfMonth(prev) < 15);

    if (dayIndex === 0) {
      for (const [currency, amount] of Object.entries(plan.funding).sort(([a], [b]) => (a < b ? -1 : 1))) {
        book.cashFlow(date, 'DEPOSIT', currency, toMinor(amount, currency), 'initial funding');
      }
    }
    if (newQuarter)
      book.cashFlow(date, 'DEPOSIT', base, toMinor(plan.quarterlyContribution, base), 'quarterly contribution');

    for (const s of SPLITS) {
      if (date >= s.date && (prev === undefined || prev < s.date) && book.held(s.symbol) > 0)
        book.split(date, s.symbol, s.ratio);
    }

    if (dividendDay) {
      for (const symbol of book.heldSymbols()) {
        const sec = book.security(symbol);
        if (sec.dividendYield <= 0 || !paysInMonth(sec, month(date))) continue;
        const growth = (1 + DIVIDEND_GROWTH) ** (Number(date.slice(0, 4)) - firstYear);
        const perShare = round(
          (sec.startPrice * sec.dividendYield * growth) / sec.paymentsPerYear / splitFactor(symbol, date),
          4,
        );
        const minor = toMinor(book.held(symbol) * perShare, sec.currency);
        if (minor > 0) book.dividend(date, symbol, minor);
      }
    }

    if (newMonth) {
      for (const currency of book.currencies()) {
        const minor = Math.floor((book.cashOf(currency) * (CASH_RATE[currency] ?? 0)) / 12);
        if (minor > 0) book.cashFlow(date, 'INTEREST', currency, minor, 'cash interest');
      }
    }

    // Twice a year trim the biggest winner and one other holding, so sales cut across lots.
    if (newMonth && (month(date) === 3 || month(date) === 9)) {
      const held = book.heldSymbols().filter((s) => book.held(s) >= 2);
      const winner = [...held].sort((a, b) => book.gain(dayIndex, b) - book.gain(dayIndex, a) || (a < b ? -1 : 1))[0];
      const others = held.filter((s) => s !== winner);
      const other = others[rng.int(others.length)];
      for (const symbol of [winner, other]) {
        if (symbol === undefined) continue;
        const quantity = Math.floor(book.held(symbol) * rng.uniform(0.2, 0.4));
        if (quantity >= 1) book.trade(dayIndex, 'SELL', symbol, quantity, 'rebalance');
      }
    }

    for (const exit of plan.exits) {
      if (newMonth && exit.month === ym && book.held(exit.symbol) > 0) {
        book.trade(dayIndex, 'SELL', exit.symbol, book.held(exit.symbol), 'position closed');
        active.delete(exit.symbol);
      }
    }

    if (newQuarter) {
      const fee = toMinor(plan.quarterlyFee, base);
      raiseCash(dayIndex, base, fee, 'raise cash for fees');
      book.cashFlow(date, 'FEE', base, fee, 'quarterly advisory fee');
    }
    if (newMonth && plan.withdrawal.month === ym) {
      const amount = toMinor(plan.withdrawal.amount, base);
      raiseCash(dayIndex, base, amount, 'raise cash for withdrawal');
      book.cashFlow(date, 'WITHDRAWAL', base, amount, 'withdrawal');
    }

    if (dayIndex === 0) {
      for (const symbol of plan.holdings) buyFor(dayIndex, symbol, Math.floor(target(symbol) * INITIAL_SHARE));
    } else if (newMonth) {
      // Average into a few randomly chosen holdings per currency with whatever cash is spare.
      for (const [currency, symbols] of [...byCurrency].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const pool = symbols.filter((s) => active.has(s));
        const spare = book.cashOf(currency) - reserve(currency);
        for (let i = 0; i < MONTHLY_PICKS && pool.length > 0 && spare > 0; i++) {
          const [symbol] = pool.splice(rng.int(pool.length), 1);
          if (symbol !== undefined)
            buyFor(
              dayIndex,
              symbol,
              Math.min(Math.floor(spare / MONTHLY_PICKS), Math.floor(target(symbol) * ADD_ON_SHARE)),
            );
        }
      }
    }
  });
  return book.txs;
}

/** Splits a history into one batch per calendar quarter, so each chain has many commits. */
export function batchByQuarter(txs: readonly Transaction[]): Transaction[][] {
  const batches = new Map<string, Transaction[]>();
  for (const tx of txs) {
    const key = `${tx.date.slice(0, 4)}Q${Math.ceil(month(tx.date) / 3)}`;
    const batch = batches.get(key);
    if (batch) batch.push(tx);
    else batches.set(key, [tx]);
  }
  return [...batches.values()];
}
