import fs from 'node:fs';
import path from 'node:path';

/**
 * Synthetic market histories in the published layouts the eod and ecb providers read, for
 * backfills of any size (the tests' small ranges, the benchmark's three years): one
 * `Date,Open,High,Low,Close,Volume` file per symbol and one ECB history CSV. Values are a
 * deterministic function of the symbol's and the day's position, so two runs write the same bytes.
 */
export interface Listing {
  symbol: string;
  currency: string;
}

export const syntheticClose = (symbolIndex: number, dayIndex: number): number =>
  Math.round((5 + ((symbolIndex * 7919 + dayIndex * 104_729) % 100_000) / 100) * 100) / 100;

export const syntheticRate = (currencyIndex: number, dayIndex: number): number =>
  Math.round((0.5 + currencyIndex / 7 + (dayIndex % 50) / 1000) * 10_000) / 10_000;

/** `<dir>/<SYMBOL>.csv` for each listing, one row per day, newest last. */
export function writeEodHistories(dir: string, listings: readonly Listing[], days: readonly string[]): void {
  fs.mkdirSync(dir, { recursive: true });
  listings.forEach((l, i) => {
    const rows = days.map((d, j) => {
      const c = syntheticClose(i, j).toFixed(2);
      return `${d},${c},${c},${c},${c},${1000 + j}`;
    });
    fs.writeFileSync(path.join(dir, `${l.symbol}.csv`), `Date,Open,High,Low,Close,Volume\n${rows.join('\n')}\n`);
  });
}

/** The ECB history CSV (newest first, trailing comma) with one rate per currency per day, against EUR. */
export function writeEcbHistory(file: string, currencies: readonly string[], days: readonly string[]): void {
  const rows = days.map((d, j) => `${d},${currencies.map((_, i) => syntheticRate(i, j)).join(',')},`).reverse();
  fs.writeFileSync(file, `Date,${currencies.join(',')},\n${rows.join('\n')}\n`);
}

/** The mapping file `--register-securities` reads. */
export function writeMapping(file: string, listings: readonly Listing[]): void {
  fs.writeFileSync(
    file,
    `symbol,currency,name\n${listings.map((l) => `${l.symbol},${l.currency},${l.symbol} Inc`).join('\n')}\n`,
  );
}
