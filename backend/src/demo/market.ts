import { round } from '../domain/number.js';
import type { PackFx, PackPrice } from '../domain/pack.js';
import { Random } from './random.js';
import { minorDigits, type DemoSecurity } from './universe.js';

/** Splits inside the demo span; closes on and after `date` are quoted in post-split shares. */
export const SPLITS: readonly { symbol: string; date: string; ratio: number }[] = [
  { symbol: 'NVDA', date: '2024-06-10', ratio: 10 },
];

/** How many post-split shares one original share had become by `date`. */
export function splitFactor(symbol: string, date: string): number {
  return SPLITS.reduce((f, s) => (s.symbol === symbol && s.date <= date ? f * s.ratio : f), 1);
}

const TRADING_DAYS_PER_YEAR = 252;
const DT = 1 / TRADING_DAYS_PER_YEAR;

/** Annual drift and volatility by sector, roughly their long-run behaviour. */
const SECTOR_MODEL: Readonly<Record<string, { drift: number; volatility: number }>> = {
  'Information Technology': { drift: 0.16, volatility: 0.3 },
  'Communication Services': { drift: 0.14, volatility: 0.3 },
  'Consumer Discretionary': { drift: 0.1, volatility: 0.3 },
  'Consumer Staples': { drift: 0.06, volatility: 0.16 },
  'Health Care': { drift: 0.07, volatility: 0.2 },
  Financials: { drift: 0.1, volatility: 0.24 },
  Industrials: { drift: 0.09, volatility: 0.23 },
  Energy: { drift: 0.05, volatility: 0.3 },
  Materials: { drift: 0.06, volatility: 0.25 },
  Utilities: { drift: 0.05, volatility: 0.18 },
  'Real Estate': { drift: 0.04, volatility: 0.25 },
  'Fixed Income': { drift: 0.0, volatility: 0.07 },
};

/**
 * Shares of each daily shock that come from the whole market and from the sector; the rest
 * is the security's own. Bonds barely follow equities but move closely with each other.
 */
const LOADINGS = {
  equity: { market: 0.55, sector: 0.45 },
  fixed_income: { market: 0.1, sector: 0.8 },
} as const;

interface Model {
  drift: number;
  volatility: number;
  market: number;
  sector: number;
  own: number;
  sectorIndex: number;
}

/**
 * Daily closes for every security on every day: geometric Brownian motion with market,
 * sector and own shocks, so sector and allocation views show realistic co-movement.
 * Returns one list per day, in the order of `securities`.
 */
export function simulatePrices(
  seed: number,
  securities: readonly DemoSecurity[],
  days: readonly string[],
): PackPrice[][] {
  const params = Random.stream(seed, 'security-params');
  const shocks = Random.stream(seed, 'price-shocks');
  const sectors = [...new Set(securities.map((s) => s.sector))].sort();
  const models: Model[] = securities.map((s) => {
    const base = SECTOR_MODEL[s.sector];
    if (!base) throw new Error(`no market model for sector ${s.sector}`);
    const drift = base.drift + 0.04 * params.normal();
    const volatility = base.volatility * params.uniform(0.85, 1.25);
    const loading = s.asset_class === 'fixed_income' ? LOADINGS.fixed_income : LOADINGS.equity;
    return {
      drift: s.drift ?? drift,
      volatility: s.volatility ?? volatility,
      market: loading.market,
      sector: loading.sector,
      own: Math.sqrt(1 - loading.market ** 2 - loading.sector ** 2),
      sectorIndex: sectors.indexOf(s.sector),
    };
  });

  // Unadjusted level per security: splits only change how the close is quoted.
  const level = securities.map((s) => s.startPrice);
  const out: PackPrice[][] = [];
  days.forEach((date, dayIndex) => {
    if (dayIndex > 0) {
      const market = shocks.normal();
      const sectorShocks = sectors.map(() => shocks.normal());
      models.forEach((m, i) => {
        const z = m.market * market + m.sector * (sectorShocks[m.sectorIndex] ?? 0) + m.own * shocks.normal();
        const logReturn = (m.drift - m.volatility ** 2 / 2) * DT + m.volatility * Math.sqrt(DT) * z;
        level[i] = (level[i] ?? 0) * Math.exp(logReturn);
      });
    }
    out.push(
      securities.map((s, i) => ({
        symbol: s.symbol,
        close: round((level[i] ?? 0) / splitFactor(s.symbol, date), minorDigits(s.currency)),
        currency: s.currency,
      })),
    );
  });
  return out;
}

/** Rates are quoted against USD: one unit of the currency costs `rate` US dollars. */
const FX_QUOTE = 'USD';

/** Level each rate reverts to, and its annual volatility. */
const FX_MODEL: readonly { currency: string; centre: number; volatility: number }[] = [
  { currency: 'CAD', centre: 0.74, volatility: 0.06 },
  { currency: 'CHF', centre: 1.12, volatility: 0.07 },
  { currency: 'EUR', centre: 1.08, volatility: 0.07 },
  { currency: 'GBP', centre: 1.27, volatility: 0.08 },
  { currency: 'JPY', centre: 0.0068, volatility: 0.1 },
];

/** Speed of reversion to the centre, per year: three years stay within a plausible band. */
const FX_REVERSION = 1.5;

/** Daily FX as a mean-reverting random walk in log space, rounded to 6 significant digits. */
export function simulateFx(seed: number, days: readonly string[]): PackFx[][] {
  const shocks = Random.stream(seed, 'fx-shocks');
  const logDev = FX_MODEL.map(() => 0);
  return days.map((_, dayIndex) => {
    if (dayIndex > 0) {
      FX_MODEL.forEach((m, i) => {
        const x = logDev[i] ?? 0;
        logDev[i] = x - FX_REVERSION * x * DT + m.volatility * Math.sqrt(DT) * shocks.normal();
      });
    }
    return FX_MODEL.map((m, i) => ({
      base: m.currency,
      quote: FX_QUOTE,
      rate: Number((m.centre * Math.exp(logDev[i] ?? 0)).toPrecision(6)),
    }));
  });
}
