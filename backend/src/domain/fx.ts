/** An ISO 4217 currency code as stored everywhere: three upper-case letters. */
export const CURRENCY_CODE = /^[A-Z]{3}$/;

export interface FxRate {
  /** One unit of `base` costs `rate` units of `quote`. */
  base: string;
  quote: string;
  rate: number;
}

/**
 * Converts between currencies with one pack's rates: directly, through the inverse pair,
 * or crossed through a single intermediate currency. Returns null when the pack cannot
 * price the pair, so callers report it instead of inventing a rate.
 */
export class FxTable {
  private readonly direct = new Map<string, number>();

  constructor(rates: readonly FxRate[]) {
    for (const r of rates) {
      if (!(r.rate > 0)) continue;
      this.direct.set(`${r.base}/${r.quote}`, r.rate);
      if (!this.direct.has(`${r.quote}/${r.base}`)) this.direct.set(`${r.quote}/${r.base}`, 1 / r.rate);
    }
  }

  /** Units of `to` per unit of `from`. */
  rate(from: string, to: string): number | null {
    if (from === to) return 1;
    const d = this.direct.get(`${from}/${to}`);
    if (d !== undefined) return d;
    for (const [pair, r1] of this.direct) {
      const [a, via] = pair.split('/');
      if (a !== from || via === undefined) continue;
      const r2 = this.direct.get(`${via}/${to}`);
      if (r2 !== undefined) return r1 * r2;
    }
    return null;
  }
}
