import { invalid } from '../../../errors.js';
import { readRecords } from '../parse.js';
import { amountOf, unitPrice, type MappedRow, type NamedSecurity } from './mapped.js';

/**
 * Portfolio Performance's CSV export of account and portfolio transactions ("Export > CSV"),
 * as written by version 0.70 and later in the English locale: comma-separated, numbers like
 * 1,234.56 with the sign on the value, dates as 2024-01-02 or 2024-01-02T00:00, the type as
 * its English label. Columns are found by header name; Date, Type, Value and Transaction
 * Currency are required, the others optional, unknown ones (Ex-Date, WKN, ...) ignored.
 * The mapping is documented in docs/ledger.md.
 */
export const PP_FORMAT = 'portfolio-performance';

const COLUMNS = {
  date: 'Date',
  type: 'Type',
  value: 'Value',
  currency: 'Transaction Currency',
  grossCurrency: 'Currency Gross Amount',
  fees: 'Fees',
  taxes: 'Taxes',
  shares: 'Shares',
  isin: 'ISIN',
  ticker: 'Ticker Symbol',
  name: 'Security Name',
  note: 'Note',
} as const;
type Column = keyof typeof COLUMNS;
const REQUIRED: readonly Column[] = ['date', 'type', 'value', 'currency'];

/** One row as read: its cells by column, numbers parsed. */
interface PpRow {
  cell: (c: Column) => string;
  num: (c: Column) => number;
}

class RowProblem extends Error {}

export function mapPortfolioPerformanceCsv(text: string): MappedRow[] {
  const [header, ...records] = readRecords(text);
  if (!header) throw invalid('no transactions: the Portfolio Performance CSV is empty');
  const index = columnIndex(header.fields, header.line);
  if (records.length === 0) throw invalid('no transactions: the Portfolio Performance CSV has a header but no rows');
  return records.map((record) => {
    const cell = (c: Column): string => (index[c] === undefined ? '' : (record.fields[index[c]] ?? '').trim());
    const row: PpRow = { cell, num: (c) => numberIn(cell(c), COLUMNS[c]) };
    try {
      return { line: record.line, ...mapRow(row) };
    } catch (e) {
      if (!(e instanceof RowProblem)) throw e;
      return { line: record.line, fields: e.message };
    }
  });
}

function columnIndex(names: string[], line: number): Partial<Record<Column, number>> {
  const index: Partial<Record<Column, number>> = {};
  for (const [key, label] of Object.entries(COLUMNS) as [Column, string][]) {
    const at = names.findIndex((n) => n.trim().toLowerCase() === label.toLowerCase());
    if (at >= 0) index[key] = at;
  }
  const missing = REQUIRED.filter((c) => index[c] === undefined).map((c) => COLUMNS[c]);
  if (missing.length > 0) {
    const message = `not a Portfolio Performance transactions export (English): missing column(s) ${missing.join(', ')}`;
    throw invalid(message, { errors: [{ row: 0, line, message }] });
  }
  return index;
}

/** English-locale number: thousands commas dropped; blank is 0. */
function numberIn(text: string, column: string): number {
  if (text === '') return 0;
  const plain = text.replace(/,/g, '');
  if (!/^-?(?:\d+(?:\.\d+)?|\.\d+)$/.test(plain))
    throw new RowProblem(`${column} ${JSON.stringify(text)} is not a number`);
  return Number(plain);
}

/** What each Portfolio Performance type becomes; null: no Folio equivalent, the import is refused. */
const TYPES: Record<string, (r: PpRow) => Omit<MappedRow, 'line'>> = {
  deposit: (r) => cash(r, 'DEPOSIT'),
  removal: (r) => cash(r, 'WITHDRAWAL'),
  interest: (r) => cash(r, 'INTEREST'),
  'interest charge': (r) => cash(r, 'FEE'),
  fees: (r) => cash(r, 'FEE'),
  taxes: (r) => cash(r, 'FEE'),
  dividend: dividend,
  buy: (r) => trade(r, 'BUY'),
  sell: (r) => trade(r, 'SELL'),
  'delivery (inbound)': (r) => trade(r, 'TRANSFER_IN'),
  'delivery (outbound)': (r) => trade(r, 'TRANSFER_OUT'),
  'transfer (inbound)': (r) => transfer(r, 'TRANSFER_IN'),
  'transfer (outbound)': (r) => transfer(r, 'TRANSFER_OUT'),
};

function mapRow(r: PpRow): Omit<MappedRow, 'line'> {
  const label = r.cell('type');
  const map = TYPES[label.toLowerCase()];
  if (!map) {
    throw new RowProblem(
      `Portfolio Performance type ${JSON.stringify(label)} has no Folio equivalent; ` +
        `mapped types: ${Object.keys(TYPES).join(', ')}`,
    );
  }
  return map(r);
}

const dateOf = (r: PpRow): string => {
  const text = r.cell('date');
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text) ? text.slice(0, 10) : text;
};

const noteOf = (r: PpRow, type: string): string =>
  [`Portfolio Performance: ${type}`, r.cell('note')].filter(Boolean).join('; ');

/** A cash movement: the value's size is the amount; a security it mentions goes into the note. */
function cash(r: PpRow, type: string): Omit<MappedRow, 'line'> {
  const security = r.cell('name') || r.cell('ticker');
  return {
    fields: {
      date: dateOf(r),
      type,
      amount: Math.abs(r.num('value')),
      currency: r.cell('currency'),
      note: noteOf(r, security ? `${r.cell('type')} (${security})` : r.cell('type')),
    },
  };
}

function security(r: PpRow): NamedSecurity {
  const symbol = r.cell('ticker').toUpperCase();
  if (symbol === '') {
    const named = r.cell('name') || r.cell('isin');
    throw new RowProblem(
      named
        ? `security ${named} has no ticker symbol; Folio knows securities by symbol: give it one in Portfolio Performance and export again`
        : `${r.cell('type')} names no security (Ticker Symbol is empty)`,
    );
  }
  return { symbol, name: r.cell('name') || null, isin: r.cell('isin') || null };
}

/** A trade is kept in its security's currency; a cross-currency settlement would put cash in the wrong currency. */
function sameCurrency(r: PpRow): void {
  const gross = r.cell('grossCurrency');
  if (gross !== '' && gross !== r.cell('currency')) {
    throw new RowProblem(
      `settled in ${r.cell('currency')} for a security priced in ${gross}; Folio records a trade in its security's currency only`,
    );
  }
}

/**
 * Value is what left or reached the cash account: for a buy (or an inbound delivery) the gross
 * plus fees and taxes, for a sell (or an outbound delivery) the gross less them. Taxes count as
 * fees; the unit price is the gross per share.
 */
function trade(r: PpRow, type: 'BUY' | 'SELL' | 'TRANSFER_IN' | 'TRANSFER_OUT'): Omit<MappedRow, 'line'> {
  const named = security(r);
  sameCurrency(r);
  const quantity = Math.abs(r.num('shares'));
  if (quantity === 0) throw new RowProblem(`${r.cell('type')} of ${named.symbol} has no shares`);
  const fee = amountOf(r.num('fees') + r.num('taxes'));
  const value = Math.abs(r.num('value'));
  const gross = amountOf(type === 'SELL' || type === 'TRANSFER_OUT' ? value + fee : value - fee);
  if (!(gross > 0)) throw new RowProblem(`fees and taxes ${fee} leave nothing of the value ${value}`);
  return {
    security: named,
    fields: {
      date: dateOf(r),
      type,
      symbol: named.symbol,
      quantity,
      price: unitPrice(gross, quantity),
      currency: r.cell('currency'),
      fee,
      note: noteOf(r, r.cell('type')),
    },
  };
}

/** The value is the dividend after taxes and fees: the ledger keeps the gross and the deductions as its fee. */
function dividend(r: PpRow): Omit<MappedRow, 'line'> {
  const named = security(r);
  sameCurrency(r);
  const fee = amountOf(r.num('fees') + r.num('taxes'));
  return {
    security: named,
    fields: {
      date: dateOf(r),
      type: 'DIVIDEND',
      symbol: named.symbol,
      amount: amountOf(Math.abs(r.num('value')) + fee),
      currency: r.cell('currency'),
      fee,
      note: noteOf(r, r.cell('type')),
    },
  };
}

/** A transfer with shares moves securities (at the value per share), without them cash. */
function transfer(r: PpRow, type: 'TRANSFER_IN' | 'TRANSFER_OUT'): Omit<MappedRow, 'line'> {
  return r.num('shares') === 0 ? cash(r, type) : trade(r, type);
}
