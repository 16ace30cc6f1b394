import { isList } from '../record.js';
import { AnalyticsInputError, finite, positive } from './input.js';

/**
 * One holding over one period. Prices are in the holding's currency; FX rates are base units
 * per unit of that currency, as the valuation uses them. Cash in a foreign currency is a
 * holding whose price stays 1. `weight` is the holding's share of the portfolio's base value
 * at the start.
 */
export interface AttributionHolding {
  symbol: string;
  currency: string;
  weight: number;
  price_start: number;
  price_end: number;
  fx_start: number;
  fx_end: number;
}

/** Weighted contributions to the portfolio's return, which add up to `total`. */
export interface Contribution {
  local: number;
  fx: number;
  interaction: number;
  total: number;
}

export interface Decomposition {
  local_return: number;
  fx_return: number;
  interaction: number;
  base_return: number;
  /** |base - (local + fx + interaction)|, checked to be under 0.1 basis point. */
  identity_residual: number;
}

export interface HoldingAttribution extends Decomposition {
  symbol: string;
  currency: string;
  weight: number;
  contribution: Contribution;
}

export interface CurrencyAttribution {
  currency: string;
  weight: number;
  /** The currency's returns; null when its holdings' weights sum to zero. */
  returns: Decomposition | null;
  contribution: Contribution;
}

export interface AttributionResult {
  base_currency: string;
  holdings: HoldingAttribution[];
  by_currency: CurrencyAttribution[];
  portfolio: { weight: number; contribution: Contribution };
  method: string;
}

/** 0.1 basis point. */
export const IDENTITY_TOLERANCE = 1e-5;

/** The decomposition failed to add up: a sign of inputs at magnitudes doubles cannot carry. */
export class AttributionIdentityError extends Error {
  constructor(
    readonly subject: string,
    readonly residual: number,
  ) {
    super(`${subject}: base return differs from local + fx + local x fx by ${residual}, over the 0.1 bp tolerance`);
    this.name = 'AttributionIdentityError';
  }
}

/**
 * Splits each holding's base-currency return into its local return, its currency return and
 * their interaction, r_base = r_local + r_fx + r_local r_fx, and weights them into
 * contributions that add up, per currency and for the portfolio, to the return of the
 * holdings held through the period.
 *
 * r_base is computed from the start and end base-currency values, not from the two returns,
 * so the identity check compares two routes to the same number.
 */
export function currencyAttribution(holdings: readonly AttributionHolding[], baseCurrency: string): AttributionResult {
  if (!isList(holdings)) throw new AnalyticsInputError('holdings must be an array');
  if (typeof baseCurrency !== 'string' || baseCurrency === '')
    throw new AnalyticsInputError('base currency must be a non-empty string');
  const seen = new Set<string>();
  const fxByCurrency = new Map<string, { start: number; end: number }>();
  const rows = holdings.map((h, i) => {
    const what = `holdings[${i}]`;
    if (typeof h.symbol !== 'string' || h.symbol === '')
      throw new AnalyticsInputError(`${what}.symbol must be a non-empty string`);
    if (seen.has(h.symbol)) throw new AnalyticsInputError(`${what}: ${h.symbol} appears more than once`);
    seen.add(h.symbol);
    if (typeof h.currency !== 'string' || h.currency === '')
      throw new AnalyticsInputError(`${what}.currency must be a non-empty string`);
    const fxStart = positive(h.fx_start, `${what}.fx_start`);
    const fxEnd = positive(h.fx_end, `${what}.fx_end`);
    if (h.currency === baseCurrency && (fxStart !== 1 || fxEnd !== 1)) {
      throw new AnalyticsInputError(
        `${what}: ${h.symbol} is in the base currency ${baseCurrency}, so its FX rates must be 1`,
      );
    }
    // One currency has one rate per date; holdings disagreeing would split a single FX effect two ways.
    const fx = fxByCurrency.get(h.currency);
    if (fx === undefined) fxByCurrency.set(h.currency, { start: fxStart, end: fxEnd });
    else if (fx.start !== fxStart || fx.end !== fxEnd) {
      throw new AnalyticsInputError(
        `${what}: ${h.symbol} has different ${h.currency} FX rates from an earlier holding in ${h.currency}`,
      );
    }
    const priceStart = positive(h.price_start, `${what}.price_start`);
    const priceEnd = positive(h.price_end, `${what}.price_end`);
    const weight = finite(h.weight, `${what}.weight`);
    const local = priceEnd / priceStart - 1;
    const fxReturn = fxEnd / fxStart - 1;
    const base = (priceEnd * fxEnd) / (priceStart * fxStart) - 1;
    const returns = decomposition(h.symbol, local, fxReturn, base);
    return {
      symbol: h.symbol,
      currency: h.currency,
      weight,
      ...returns,
      contribution: contribution(weight, returns),
    };
  });

  const currencies = [...fxByCurrency.keys()].sort();
  const byCurrency = currencies.map((ccy): CurrencyAttribution => {
    const members = rows.filter((r) => r.currency === ccy);
    const weight = sum(members.map((r) => r.weight));
    const contrib = addUp(members.map((r) => r.contribution));
    const fx = fxByCurrency.get(ccy)!;
    // Sharing one FX return makes the currency's weighted returns obey the same identity as a holding's.
    const returns =
      weight === 0
        ? null
        : decomposition(`currency ${ccy}`, contrib.local / weight, fx.end / fx.start - 1, contrib.total / weight);
    return { currency: ccy, weight, returns, contribution: contrib };
  });

  return {
    base_currency: baseCurrency,
    holdings: rows,
    by_currency: byCurrency,
    portfolio: { weight: sum(rows.map((r) => r.weight)), contribution: addUp(rows.map((r) => r.contribution)) },
    method:
      'r_local = P1/P0 - 1, r_fx = X1/X0 - 1 (X = base per local), r_base = P1 X1 / (P0 X0) - 1 = r_local + r_fx + r_local r_fx, ' +
      'identity checked within 0.1 bp; contribution = start weight x return; currency and portfolio figures are sums of holdings',
  };
}

function decomposition(subject: string, local: number, fx: number, base: number): Decomposition {
  const interaction = noNegativeZero(local * fx);
  const residual = Math.abs(base - (local + fx + interaction));
  if (!(residual < IDENTITY_TOLERANCE)) throw new AttributionIdentityError(subject, residual);
  return { local_return: local, fx_return: fx, interaction, base_return: base, identity_residual: residual };
}

const contribution = (weight: number, r: Decomposition): Contribution => ({
  local: noNegativeZero(weight * r.local_return),
  fx: noNegativeZero(weight * r.fx_return),
  interaction: noNegativeZero(weight * r.interaction),
  total: noNegativeZero(weight * r.base_return),
});

/** A zero effect times a negative number is -0; adding 0 makes it the plain 0 it means. */
const noNegativeZero = (x: number): number => x + 0;

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);

function addUp(cs: readonly Contribution[]): Contribution {
  return {
    local: sum(cs.map((c) => c.local)),
    fx: sum(cs.map((c) => c.fx)),
    interaction: sum(cs.map((c) => c.interaction)),
    total: sum(cs.map((c) => c.total)),
  };
}
