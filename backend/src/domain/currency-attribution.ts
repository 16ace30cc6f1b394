import { AppError, invalid } from '../errors.js';
import {
  currencyAttribution,
  IDENTITY_TOLERANCE,
  type AttributionHolding,
  type Contribution,
  type Decomposition,
} from './analytics/attribution.js';
import type { AnalyticsWarning } from './analytics/input.js';
import { FxTable, type FxRate } from './fx.js';
import type { LedgerState } from './ledger/replay.js';
import type { LedgerEntry, TxType } from './ledger/types.js';
import { fraction, money, RETURN_DIGITS } from './number.js';
import type { Reported } from './report.js';

/** A pack's closes and rates under its id and date: a period's first or last day, or one to carry a close or rate forward from. */
export interface PackMarket {
  id: string;
  date: string;
  closes: ReadonlyMap<string, number>;
  fx: readonly FxRate[];
}

export interface PeriodAttributionInput {
  baseCurrency: string;
  lookbackDays: number;
  /** Pricing days after the first day. */
  tradingDays: number;
  start: PackMarket;
  end: PackMarket;
  /** The ledger replayed to the end of the first day. */
  atStart: LedgerState;
  /** Every entry up to the pinned commit, to find the trades within the period. */
  entries: readonly LedgerEntry[];
  /**
   * The fresh packs in force over the period, oldest first, to carry forward a close or rate
   * missing from the start or end pack; only read when {@link marketMissing} says so.
   */
  earlier: readonly PackMarket[];
}

/** Rows that change what is held, which buy-and-hold of the start positions cannot see. */
const HOLDING_CHANGES: ReadonlySet<TxType> = new Set<TxType>(['BUY', 'SELL', 'TRANSFER_IN', 'TRANSFER_OUT', 'SPLIT']);

interface Line extends AttributionHolding {
  kind: 'security' | 'cash';
  quantity: number;
}

const returns = (d: Decomposition) => ({
  r_local: fraction(d.local_return),
  r_fx: fraction(d.fx_return),
  interaction: fraction(d.interaction),
  r_base: fraction(d.base_return),
});

const contribution = (c: Contribution) => ({
  local: fraction(c.local),
  fx: fraction(c.fx),
  interaction: fraction(c.interaction),
  total: fraction(c.total),
});

/**
 * Whether a security held at the start lacks a close in the start or end pack, or a currency
 * held (in a security or in cash) lacks its rate into `base` there, so earlier packs are needed.
 */
export function marketMissing(atStart: LedgerState, start: PackMarket, end: PackMarket, base: string): boolean {
  for (const symbol of atStart.holdings.keys()) if (!start.closes.has(symbol) || !end.closes.has(symbol)) return true;
  const currencies = new Set([...[...atStart.holdings.values()].map((h) => h.currency), ...atStart.cash.keys()]);
  const tables = [new FxTable(start.fx), new FxTable(end.fx)];
  for (const ccy of currencies) if (tables.some((t) => t.rate(ccy, base) === null)) return true;
  return false;
}

/**
 * The close in force at a pack, by history.values' rule: its own, else the newest earlier
 * one, with a warning; never one from a later pack.
 */
function closeInForce(symbol: string, pack: PackMarket, earlier: readonly PackMarket[], warnings: AnalyticsWarning[]) {
  const own = pack.closes.get(symbol);
  if (own !== undefined) return own;
  for (let i = earlier.length - 1; i >= 0; i--) {
    const p = earlier[i]!;
    if (p.date >= pack.date) continue;
    const close = p.closes.get(symbol);
    if (close === undefined) continue;
    warnings.push({
      code: 'price_carried_forward',
      message: `${symbol} has no close in pricing pack ${pack.id}; its last known close, from ${p.id}, was carried forward`,
    });
    return close;
  }
  throw new AppError(
    'pricing_pack_not_found',
    `no close for ${symbol} on or before ${pack.date}, so the holding cannot be valued`,
    { date: pack.date, symbol },
  );
}

/**
 * Base-currency units per unit of `currency` in force at a pack, by history.values' rule: its
 * own, else the newest earlier pack's, with a warning; never a later pack's or a guess.
 */
function rateInForce(
  currency: string,
  base: string,
  pack: PackMarket,
  earlier: readonly PackMarket[],
  warnings: AnalyticsWarning[],
): number {
  const pair = `${currency}/${base}`;
  const own = new FxTable(pack.fx).rate(currency, base);
  if (own !== null) return own;
  for (let i = earlier.length - 1; i >= 0; i--) {
    const p = earlier[i]!;
    if (p.date >= pack.date) continue;
    const rate = new FxTable(p.fx).rate(currency, base);
    if (rate === null) continue;
    warnings.push({
      code: 'fx_rate_carried_forward',
      message: `pricing pack ${pack.id} has no FX rate ${pair}; its last known rate, from ${p.id}, was carried forward`,
    });
    return rate;
  }
  throw new AppError('pricing_pack_not_found', `no FX rate ${pair} on or before ${pack.date}`, {
    date: pack.date,
    pair,
  });
}

/**
 * The attribution.currency answer: the positions and cash held at the start of the period,
 * bought and held to its end, each split into local, FX and interaction returns and weighted
 * by its share of the start value.
 */
export function periodAttribution(input: PeriodAttributionInput) {
  const { baseCurrency: base, start: startPack, end: endPack, atStart, earlier } = input;
  const start = startPack.date;
  const end = endPack.date;
  const warnings: AnalyticsWarning[] = [];

  const changes = input.entries.filter((e) => e.date > start && e.date <= end && HOLDING_CHANGES.has(e.type)).length;
  if (changes > 0) {
    warnings.push({
      code: 'trades_in_period',
      message:
        `${changes} BUY, SELL, transfer or split row(s) between ${start} and ${end} change the holdings within the period; ` +
        'they are not attributed: the attribution is of the positions held at the start, bought and held',
    });
  }

  const known = new Map<string, { fx_start: number; fx_end: number }>();
  // Once per currency: a carried rate is warned about once, however many holdings are in it.
  const rates = (ccy: string) => {
    let r = known.get(ccy);
    if (!r) {
      r = {
        fx_start: rateInForce(ccy, base, startPack, earlier, warnings),
        fx_end: rateInForce(ccy, base, endPack, earlier, warnings),
      };
      known.set(ccy, r);
    }
    return r;
  };
  const lines: Line[] = [];
  // LedgerState maps iterate in sorted key order.
  for (const { symbol, currency, quantity } of atStart.holdings.values()) {
    const price_start = closeInForce(symbol, startPack, earlier, warnings);
    const price_end = closeInForce(symbol, endPack, earlier, warnings);
    lines.push({ symbol, kind: 'security', currency, quantity, price_start, price_end, ...rates(currency), weight: 0 });
  }
  // Cash earns nothing here (interest is income, not price), but foreign cash still moves with its rate.
  for (const [currency, balance] of atStart.cash) {
    if (balance === 0) continue;
    const line: Line = {
      symbol: `CASH:${currency}`,
      kind: 'cash',
      currency,
      quantity: balance,
      price_start: 1,
      price_end: 1,
      ...rates(currency),
      weight: 0,
    };
    lines.push(line);
  }

  const valueAt = (l: Line, i: 0 | 1): number =>
    i === 0 ? l.quantity * l.price_start * l.fx_start : l.quantity * l.price_end * l.fx_end;
  const startValue = lines.reduce((s, l) => s + valueAt(l, 0), 0);
  const endValue = lines.reduce((s, l) => s + valueAt(l, 1), 0);
  if (!(startValue > 0)) {
    throw invalid(
      `the portfolio's value in ${base} at the end of ${start}, the period's first day, is not positive, ` +
        'so there are no weights to attribute by; try a shorter lookback_days',
      { start_date: start, lookback_days: input.lookbackDays },
    );
  }
  for (const l of lines) l.weight = valueAt(l, 0) / startValue;

  const result = currencyAttribution(lines, base);
  const residuals = [
    ...result.holdings.map((h) => h.identity_residual),
    ...result.by_currency.flatMap((c) => (c.returns ? [c.returns.identity_residual] : [])),
  ];
  const output = {
    period: {
      start_date: start,
      end_date: end,
      trading_days: input.tradingDays,
      start_pricing_pack_id: startPack.id,
      end_pricing_pack_id: endPack.id,
    },
    base_currency: base,
    holdings: result.holdings.map((h, i) => ({
      symbol: h.symbol,
      kind: lines[i]!.kind,
      currency: h.currency,
      weight: fraction(h.weight),
      ...returns(h),
      contribution: contribution(h.contribution),
    })),
    by_currency: result.by_currency.map((c) => ({
      currency: c.currency,
      weight: fraction(c.weight),
      ...(c.returns === null ? { r_local: null, r_fx: null, interaction: null, r_base: null } : returns(c.returns)),
      contribution: contribution(c.contribution),
    })),
    portfolio: {
      start_value: money(startValue),
      end_value: money(endValue),
      return: fraction(endValue / startValue - 1),
      contribution: contribution(result.portfolio.contribution),
    },
    identity: { max_residual: fraction(Math.max(0, ...residuals)), tolerance: IDENTITY_TOLERANCE },
    method:
      `buy-and-hold, in ${base}, of the positions and cash held at the end of ${start} (the ledger replayed to that day), ` +
      `priced with the closes and FX of pricing packs ${startPack.id} and ${endPack.id}; trades, transfers and splits within the period are not attributed; ` +
      `price returns only: dividends and interest are left out; cash (CASH:<currency>) has a local return of 0 and its currency's FX return; ` +
      `weights are start values over the start total including cash; portfolio return = end value / start value - 1 of those holdings; ` +
      `${result.method}; weights and returns are fractions (0.01 = 1%) rounded to ${RETURN_DIGITS} decimals, values in ${base} to 4`,
  };
  return { output, warnings } satisfies Reported<typeof output>;
}
