import { FxTable, type FxRate } from './fx.js';

/** What a portfolio holds: open quantities by symbol (with the security's currency) and cash by currency. */
export interface PositionsAt {
  securities: ReadonlyMap<string, { currency: string; quantity: number }>;
  cash: ReadonlyMap<string, number>;
}

export interface Nav {
  /** In the base currency, unrounded, over every item that could be valued. */
  value: number;
  /** Items the pack cannot value (no close, or no FX to the base); left out of `value`. */
  unvalued: string[];
}

/** Net asset value with one pack's closes and FX, converting as valuation does (FxTable: direct, inverse or crossed). */
export function navOf(
  at: PositionsAt,
  closes: ReadonlyMap<string, number>,
  rates: readonly FxRate[],
  baseCurrency: string,
): Nav {
  const fx = new FxTable(rates);
  let value = 0;
  const unvalued: string[] = [];
  for (const [symbol, { currency, quantity }] of at.securities) {
    const close = closes.get(symbol);
    const rate = fx.rate(currency, baseCurrency);
    if (close === undefined || rate === null) unvalued.push(symbol);
    else value += quantity * close * rate;
  }
  for (const [currency, balance] of at.cash) {
    const rate = fx.rate(currency, baseCurrency);
    if (rate === null) unvalued.push(`cash ${currency}`);
    else value += balance * rate;
  }
  return { value, unvalued: unvalued.sort() };
}

/** Distance between two amounts in basis points of the larger magnitude; 0 when both are 0. */
export function basisPointsApart(a: number, b: number): number {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return scale === 0 ? 0 : (Math.abs(a - b) / scale) * 10_000;
}

/** One portfolio's NAV at the pack date by the independent paths reconciliation compares. */
export interface NavPaths {
  portfolioId: string;
  baseCurrency: string;
  /** Full ledger replay valued with the pack as stored. */
  ledger: number;
  /** The positions snapshot stored with the pack, valued with the pack as stored. */
  positions: number;
  /** Recorded at build time: the replayed positions valued with the data as fetched, before it was stored. */
  recorded: number;
}

export interface Discrepancy {
  portfolioId: string;
  baseCurrency: string;
  /** `positions`: the stored positions disagree with the ledger; `prices`: the stored prices or FX disagree with what was fetched. */
  check: 'positions' | 'prices';
  expected: number;
  actual: number;
  difference: number;
  basisPoints: number;
}

/**
 * Compares the ledger path with the stored positions (catches changed positions or ledger
 * rows) and with the value recorded at build (catches changed prices or FX), each within
 * `toleranceBp` basis points. A NaN on either side (a missing record) is always a discrepancy.
 */
export function compareNavs(rows: readonly NavPaths[], toleranceBp = 1): Discrepancy[] {
  const out: Discrepancy[] = [];
  for (const r of rows) {
    const checks: [Discrepancy['check'], number][] = [
      ['positions', r.positions],
      ['prices', r.recorded],
    ];
    for (const [check, other] of checks) {
      const bp = basisPointsApart(r.ledger, other);
      if (Number.isNaN(bp) || bp > toleranceBp) {
        out.push({
          portfolioId: r.portfolioId,
          baseCurrency: r.baseCurrency,
          check,
          expected: r.ledger,
          actual: other,
          difference: other - r.ledger,
          basisPoints: bp,
        });
      }
    }
  }
  return out;
}

/** One line per discrepancy, naming the portfolio and the difference. */
export function describeDiscrepancy(d: Discrepancy): string {
  const what = d.check === 'positions' ? 'stored positions' : 'value recorded at build';
  const amount = (n: number) => n.toFixed(2);
  return (
    `portfolio ${d.portfolioId}: ledger replay NAV ${amount(d.expected)} ${d.baseCurrency} vs ${what} ${amount(d.actual)} ${d.baseCurrency} ` +
    `(difference ${amount(d.difference)} ${d.baseCurrency}, ${Number.isNaN(d.basisPoints) ? 'n/a' : d.basisPoints.toFixed(2)} bp)`
  );
}
