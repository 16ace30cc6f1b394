import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { SecurityInfo } from '../domain/ledger/types.js';

/**
 * The demo's securities and what the market model needs to know about each. The US names,
 * companies and sectors are real S&P 500 constituents (securities.csv, copied verbatim);
 * start prices are rounded real closes of late October 2022 and yields roughly real, so
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

type Params = readonly [
  startPrice: number,
  dividendYield: number,
  paymentsPerYear: number,
  drift?: number,
  volatility?: number,
];

const US_PARAMS: Readonly<Record<string, Params>> = {
  AAPL: [149, 0.006, 4],
  MSFT: [247, 0.009, 4],
  NVDA: [125, 0.0013, 4, 0.75, 0.5],
  ORCL: [77, 0.017, 4],
  CRM: [150, 0, 4],
  ADBE: [320, 0, 4],
  CSCO: [43, 0.033, 4],
  ACN: [265, 0.014, 4],
  GOOGL: [101, 0, 4],
  META: [130, 0, 4, 0.45, 0.4],
  NFLX: [290, 0, 4],
  DIS: [104, 0, 4],
  VZ: [36, 0.068, 4],
  T: [17.5, 0.06, 4],
  AMZN: [119, 0, 4],
  TSLA: [211, 0, 4, 0.05, 0.55],
  HD: [285, 0.025, 4],
  MCD: [260, 0.022, 4],
  NKE: [90, 0.014, 4, -0.1],
  SBUX: [87, 0.023, 4],
  PG: [132, 0.027, 4],
  KO: [58, 0.03, 4],
  PEP: [178, 0.027, 4],
  COST: [480, 0.007, 4],
  JNJ: [168, 0.028, 4],
  UNH: [530, 0.013, 4],
  LLY: [355, 0.012, 4, 0.3],
  PFE: [46, 0.035, 4, -0.15],
  MRK: [98, 0.029, 4],
  ABT: [99, 0.019, 4],
  JPM: [125, 0.032, 4],
  BAC: [35, 0.025, 4],
  GS: [330, 0.03, 4],
  V: [205, 0.008, 4],
  MA: [320, 0.006, 4],
  BLK: [600, 0.03, 4],
  'BRK.B': [290, 0, 4],
  CAT: [200, 0.024, 4],
  HON: [190, 0.022, 4],
  UNP: [200, 0.026, 4],
  BA: [150, 0, 4],
  UPS: [170, 0.035, 4],
  LMT: [470, 0.025, 4],
  XOM: [110, 0.033, 4],
  CVX: [175, 0.033, 4],
  COP: [125, 0.036, 4],
  SLB: [50, 0.015, 4],
  EOG: [138, 0.024, 4],
  LIN: [300, 0.015, 4],
  SHW: [225, 0.011, 4],
  APD: [250, 0.026, 4],
  NEM: [42, 0.045, 4],
  NEE: [78, 0.022, 4],
  DUK: [95, 0.042, 4],
  SO: [66, 0.041, 4],
  D: [70, 0.038, 4],
  PLD: [105, 0.03, 4],
  AMT: [200, 0.029, 4],
  EQIX: [560, 0.022, 4],
  O: [60, 0.049, 12],
};

/** Listings outside the US and the bond ETFs; sectors are the companies' GICS sectors. */
const OTHER_LISTINGS: readonly (SecurityInfo & { params: Params })[] = [
  {
    symbol: 'SAP.DE',
    name: 'SAP SE',
    sector: 'Information Technology',
    currency: 'EUR',
    asset_class: 'equity',
    params: [92, 0.02, 1],
  },
  {
    symbol: 'ASML.AS',
    name: 'ASML Holding',
    sector: 'Information Technology',
    currency: 'EUR',
    asset_class: 'equity',
    params: [450, 0.012, 4],
  },
  {
    symbol: 'MC.PA',
    name: 'LVMH Moët Hennessy Louis Vuitton',
    sector: 'Consumer Discretionary',
    currency: 'EUR',
    asset_class: 'equity',
    params: [620, 0.02, 2],
  },
  {
    symbol: 'SHEL.L',
    name: 'Shell plc',
    sector: 'Energy',
    currency: 'GBP',
    asset_class: 'equity',
    params: [23.4, 0.04, 4],
  },
  {
    symbol: 'AZN.L',
    name: 'AstraZeneca',
    sector: 'Health Care',
    currency: 'GBP',
    asset_class: 'equity',
    params: [99.5, 0.022, 2],
  },
  {
    symbol: 'ULVR.L',
    name: 'Unilever',
    sector: 'Consumer Staples',
    currency: 'GBP',
    asset_class: 'equity',
    params: [40.2, 0.036, 4],
  },
  {
    symbol: '7203.T',
    name: 'Toyota Motor',
    sector: 'Consumer Discretionary',
    currency: 'JPY',
    asset_class: 'equity',
    params: [2050, 0.025, 2],
  },
  {
    symbol: '8306.T',
    name: 'Mitsubishi UFJ Financial Group',
    sector: 'Financials',
    currency: 'JPY',
    asset_class: 'equity',
    params: [720, 0.035, 2],
  },
  {
    symbol: 'RY.TO',
    name: 'Royal Bank of Canada',
    sector: 'Financials',
    currency: 'CAD',
    asset_class: 'equity',
    params: [125, 0.04, 4],
  },
  {
    symbol: 'TD.TO',
    name: 'Toronto-Dominion Bank',
    sector: 'Financials',
    currency: 'CAD',
    asset_class: 'equity',
    params: [86, 0.043, 4],
  },
  {
    symbol: 'ENB.TO',
    name: 'Enbridge',
    sector: 'Energy',
    currency: 'CAD',
    asset_class: 'equity',
    params: [53, 0.065, 4],
  },
  {
    symbol: 'SHOP.TO',
    name: 'Shopify',
    sector: 'Information Technology',
    currency: 'CAD',
    asset_class: 'equity',
    params: [42, 0, 4, 0.45, 0.55],
  },
  {
    symbol: 'IEF',
    name: 'iShares 7-10 Year Treasury Bond ETF',
    sector: 'Fixed Income',
    currency: 'USD',
    asset_class: 'fixed_income',
    params: [93, 0.03, 12],
  },
  {
    symbol: 'LQD',
    name: 'iShares iBoxx $ Investment Grade Corporate Bond ETF',
    sector: 'Fixed Income',
    currency: 'USD',
    asset_class: 'fixed_income',
    params: [100, 0.04, 12],
  },
];

const CSV_FILE = new URL('./securities.csv', import.meta.url);

function withParams(
  info: SecurityInfo,
  [startPrice, dividendYield, paymentsPerYear, drift, volatility]: Params,
): DemoSecurity {
  return {
    ...info,
    startPrice,
    dividendYield,
    paymentsPerYear,
    ...(drift === undefined ? {} : { drift }),
    ...(volatility === undefined ? {} : { volatility }),
  };
}

/** Every demo security, sorted by symbol. */
export function demoSecurities(): DemoSecurity[] {
  const rows = parse<Record<string, string>>(fs.readFileSync(CSV_FILE, 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  });
  const us = rows.map((row, i) => {
    const field = (column: string): string => {
      const value = row[column];
      if (!value) throw new Error(`securities.csv row ${i + 2}: ${column} is empty`);
      return value;
    };
    const symbol = field('Symbol');
    const params = US_PARAMS[symbol];
    if (!params) throw new Error(`securities.csv: no model parameters for ${symbol}`);
    return withParams(
      { symbol, name: field('Security'), sector: field('GICS Sector'), currency: 'USD', asset_class: 'equity' },
      params,
    );
  });
  const others = OTHER_LISTINGS.map(({ params, ...info }) => withParams(info, params));
  return [...us, ...others].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

/** Decimal places prices and cash are quoted in: whole yen, cents for the other demo currencies. */
export const minorDigits = (currency: string): number => (currency === 'JPY' ? 0 : 2);
