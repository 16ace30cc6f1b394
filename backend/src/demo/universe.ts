import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { SecurityInfo } from '../domain/ledger/types.js';

/**
 * The demo's securities and what the market model needs to know about each. The US names,
 * companies and sectors are real S&P 500 constituents (securities.csv, copied verbatim); the
 * listings outside the US and the bond ETFs are in listings.csv (GICS sectors). Start prices
 * (market-model.csv) are rounded real closes of late October 2022 and yields roughly real, so
 * charts and income look plausible.
 */
export interface DemoSecurity extends SecurityInfo {
  /** Close on the first demo day, in the listing currency. */
  startPrice: number;
  /** Annual cash dividend as a fraction of the start price; 0 for non-payers. */
  dividendYield: number;
  /** Dividend payments per year: 12, 4, 2 or 1. */
  paymentsPerYear: number;
  /** Annual drift and volatility overriding the sector's, for the few names whose real path stands out. */
  drift?: number;
  volatility?: number;
}

type Row = Record<string, string>;

function readCsv(file: string): { row: Row; field: (column: string) => string }[] {
  const rows = parse<Row>(fs.readFileSync(new URL(`./${file}`, import.meta.url), 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  });
  return rows.map((row, i) => ({
    row,
    field: (column: string): string => {
      const value = row[column];
      if (!value) throw new Error(`${file} row ${i + 2}: ${column} is empty`);
      return value;
    },
  }));
}

type ModelParams = Pick<DemoSecurity, 'startPrice' | 'dividendYield' | 'paymentsPerYear' | 'drift' | 'volatility'>;

function modelParams(): Map<string, ModelParams> {
  return new Map(
    readCsv('market-model.csv').map(({ row, field }) => [
      field('symbol'),
      {
        startPrice: Number(field('start_price')),
        dividendYield: Number(field('dividend_yield')),
        paymentsPerYear: Number(field('payments_per_year')),
        ...(row.drift ? { drift: Number(row.drift) } : {}),
        ...(row.volatility ? { volatility: Number(row.volatility) } : {}),
      },
    ]),
  );
}

/** Every demo security, sorted by symbol. */
export function demoSecurities(): DemoSecurity[] {
  const us: SecurityInfo[] = readCsv('securities.csv').map(({ field }) => ({
    symbol: field('Symbol'),
    name: field('Security'),
    sector: field('GICS Sector'),
    currency: 'USD',
    asset_class: 'equity',
  }));
  const others: SecurityInfo[] = readCsv('listings.csv').map(({ field }) => ({
    symbol: field('symbol'),
    name: field('name'),
    sector: field('sector'),
    currency: field('currency'),
    asset_class: field('asset_class'),
  }));
  const params = modelParams();
  return [...us, ...others]
    .map((info) => {
      const p = params.get(info.symbol);
      if (!p) throw new Error(`market-model.csv: no model parameters for ${info.symbol}`);
      return { ...info, ...p };
    })
    .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

/** Decimal places prices and cash are quoted in: whole yen, cents for the other demo currencies. */
export const minorDigits = (currency: string): number => (currency === 'JPY' ? 0 : 2);
