import { CsvError, parse as parseCsv, type InfoRecord } from 'csv-parse/sync';
import { z } from 'zod';
import { invalid } from '../../errors.js';
import { ISO_DATE, isCalendarDate } from '../dates.js';
import { isIsoCurrency } from '../currencies.js';
import { CURRENCY_CODE } from '../fx.js';
import { SYMBOL, SYMBOL_RULE } from '../symbol.js';
import { RowErrorList } from './row-errors.js';
import { isSecurityTransfer } from './securities.js';
import { TX_TYPES, type Transaction, type TxType } from './types.js';
import { isRecord } from '../record.js';

export const LEDGER_COLUMNS = [
  'date',
  'type',
  'symbol',
  'quantity',
  'price',
  'amount',
  'currency',
  'fee',
  'note',
] as const;
type Column = (typeof LEDGER_COLUMNS)[number];

/**
 * The optional last column an export writes: the commit each row came from. Consecutive rows
 * with the same value are imported as one commit, so an export re-imports commit by commit.
 */
export const COMMIT_COLUMN = 'commit';

export const MAX_NOTE_LENGTH = 500;
/** A double holds 15 significant decimal digits exactly; more would be silently rounded. */
const MAX_SIGNIFICANT_DIGITS = 15;
const PLAIN_DECIMAL_RE = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;

export interface ParseOptions {
  /** Rows dated after this day (YYYY-MM-DD) are rejected. */
  today: string;
}

/**
 * Parses the ledger CSV into the commits it makes: one, or with a `commit` column (an
 * export) one per run of rows sharing a commit value. All or nothing: any bad row rejects
 * the whole file.
 */
export function parseLedgerCsv(text: string, opts: ParseOptions): Transaction[][] {
  const records = readRecords(text);
  const [header, ...rows] = records;
  if (!header) throw invalid('no transactions: the CSV is empty');
  const columns = readHeader(header);
  if (rows.length === 0) throw invalid('no transactions: the CSV has a header but no rows');

  const commitAt = columns.indexOf(COMMIT_COLUMN);
  const labels = commitAt < 0 ? null : rows.map((r) => r.fields[commitAt] ?? '');
  const transactions = validateRows(
    rows.map((r) => ({
      line: r.line,
      fields:
        r.fields.length === columns.length
          ? Object.fromEntries(columns.flatMap((c, i) => (c === COMMIT_COLUMN ? [] : [[c, r.fields[i]] as const])))
          : `expected ${columns.length} fields, found ${r.fields.length}`,
    })),
    opts,
  );
  return labels ? groupByCommit(transactions, labels, rows) : [transactions];
}

/** Consecutive rows with the same commit value form one batch; a value may not come back later. */
function groupByCommit(transactions: Transaction[], labels: string[], rows: CsvRecord[]): Transaction[][] {
  const list = new RowErrorList();
  const batches: Transaction[][] = [];
  const closed = new Set<string>();
  labels.forEach((label, i) => {
    const at = { row: i + 1, line: rows[i]!.line, field: COMMIT_COLUMN };
    if (label === '') return list.add({ ...at, message: 'commit is required when the file has a commit column' });
    if (i > 0 && label === labels[i - 1]) return batches.at(-1)!.push(transactions[i]!);
    if (closed.has(label))
      return list.add({ ...at, message: `commit ${show(label)} appears again after other commits' rows` });
    if (i > 0) closed.add(labels[i - 1]!);
    batches.push([transactions[i]!]);
  });
  if (!list.empty) throw list.toError();
  return batches;
}

/** Parses `{"transactions": [...]}`; numeric fields may be JSON numbers or decimal strings. */
export function parseLedgerJson(body: unknown, opts: ParseOptions): Transaction[] {
  const envelope = z.strictObject({ transactions: z.array(z.unknown()) }).safeParse(body);
  if (!envelope.success) throw invalid('the body must be {"transactions": [ ... ]} and nothing else');
  if (envelope.data.transactions.length === 0) throw invalid('no transactions: the transactions array is empty');
  return validateRows(
    envelope.data.transactions.map((t) => ({
      fields: isRecord(t) ? t : 'each transaction must be a JSON object',
    })),
    opts,
  );
}

export interface CsvRecord {
  fields: string[];
  line: number;
}

export function readRecords(text: string): CsvRecord[] {
  // One line-ending convention keeps line numbers exact and makes notes with line breaks hash
  // the same whichever platform wrote the file.
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  let parsed: { record: string[]; info: InfoRecord }[];
  try {
    // csv-parse's typings do not model `info: true`, which wraps each record with its position.
    parsed = parseCsv(normalised, {
      info: true,
      trim: true,
      record_delimiter: '\n',
      relax_column_count: true,
      skip_empty_lines: true,
      // Spreadsheets export blank rows as ",,,,,,,,"; they carry nothing to import.
      skip_records_with_empty_values: true,
    }) as unknown as typeof parsed;
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    const list = new RowErrorList();
    // `records` counts the records before the broken one, header included: the broken data row's number.
    list.add({ row: Number(e.records), line: Number(e.lines), message: `malformed CSV: ${e.message}` });
    throw list.toError();
  }
  return parsed.map(({ record, info }) => ({
    fields: record,
    // csv-parse reports the line a record ends on; a quoted field may span several.
    line: info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0),
  }));
}

function readHeader(header: CsvRecord): (Column | typeof COMMIT_COLUMN)[] {
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const known = new Set<string>([...LEDGER_COLUMNS, COMMIT_COLUMN]);
  const unknown = names.filter((n) => !known.has(n));
  const duplicated = names.filter((n, i) => known.has(n) && names.indexOf(n) !== i);
  const missing = LEDGER_COLUMNS.filter((c) => !names.includes(c));
  if (unknown.length + duplicated.length + missing.length === 0) return names as (Column | typeof COMMIT_COLUMN)[];

  const problems = [
    missing.length ? `missing column(s) ${missing.join(', ')}` : '',
    unknown.length ? `unknown column(s) ${unknown.map(show).join(', ')}` : '',
    duplicated.length ? `duplicate column(s) ${duplicated.join(', ')}` : '',
  ].filter(Boolean);
  const message = `the CSV header must name the columns ${LEDGER_COLUMNS.join(',')}: ${problems.join('; ')}`;
  throw invalid(message, { errors: [{ row: 0, line: header.line, message }] });
}

/** A row on its way to validation, from the ledger CSV or JSON or a format mapped to their fields. */
export interface RawRow {
  line?: number;
  /** The row's fields by name, or why the row could not even be split into fields. */
  fields: Record<string, unknown> | string;
}

/**
 * Checks rows given as ledger fields (strings or numbers), all or nothing: the rows as
 * transactions, or a 400 naming every bad row (numbered from 1 in the order given).
 */
export function validateRows(rows: readonly RawRow[], opts: ParseOptions): Transaction[] {
  const schema = rowSchema(opts.today);
  const list = new RowErrorList();
  const out: Transaction[] = [];
  for (const [i, raw] of rows.entries()) {
    if (list.truncated) break;
    const at = { row: i + 1, ...(raw.line === undefined ? {} : { line: raw.line }) };
    if (typeof raw.fields === 'string') {
      list.add({ ...at, message: raw.fields });
      continue;
    }
    const result = schema.safeParse(blanksToNull(raw.fields));
    if (result.success) {
      out.push(result.data);
      continue;
    }
    for (const issue of result.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) list.add({ ...at, field: key, message: `unknown field ${show(key)}` });
      } else {
        const field = issue.path[0];
        list.add({ ...at, ...(typeof field === 'string' ? { field } : {}), message: issue.message });
      }
    }
  }
  if (!list.empty) throw list.toError();
  return out;
}

/** A blank cell and a missing key mean the same thing: the field is absent. */
function blanksToNull(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fields };
  for (const c of LEDGER_COLUMNS) {
    const v = fields[c];
    out[c] = v === undefined || (typeof v === 'string' && v.trim() === '') ? null : v;
  }
  return out;
}

const requiredString = (field: Column) => (iss: { input: unknown }) =>
  iss.input === null ? `${field} is required` : `${field} must be a string`;

const optionalString = (field: Column) => (iss: { input: unknown }) =>
  `${field} must be a string, got ${show(iss.input)}`;

function rowSchema(today: string) {
  const fields = z.strictObject({
    date: z
      .string({ error: requiredString('date') })
      .trim()
      .regex(ISO_DATE, { error: (iss) => `date must be YYYY-MM-DD, got ${show(iss.input)}`, abort: true })
      .refine(isCalendarDate, { error: (iss) => `date ${show(iss.input)} is not a real calendar date`, abort: true })
      .refine((d) => d <= today, { error: (iss) => `date ${String(iss.input)} is in the future (today is ${today})` }),
    type: z
      .string({ error: requiredString('type') })
      .trim()
      .toUpperCase()
      .pipe(z.enum(TX_TYPES, { error: (iss) => `type must be one of ${TX_TYPES.join(', ')}, got ${show(iss.input)}` })),
    symbol: z
      .string({ error: optionalString('symbol') })
      .trim()
      .toUpperCase()
      .regex(SYMBOL, { error: (iss) => `symbol must be ${SYMBOL_RULE}, got ${show(iss.input)}` })
      .nullable(),
    quantity: decimal('quantity').nullable(),
    price: decimal('price').nullable(),
    amount: decimal('amount').nullable(),
    currency: z
      .string({ error: requiredString('currency') })
      .trim()
      .regex(CURRENCY_CODE, {
        error: (iss) => `currency must be an upper-case ISO 4217 code such as USD, got ${show(iss.input)}`,
        abort: true,
      })
      .refine(isIsoCurrency, { error: (iss) => `currency ${show(iss.input)} is not an active ISO 4217 code` }),
    fee: decimal('fee', { zeroAllowed: true })
      .nullable()
      .transform((v) => v ?? 0),
    note: z
      .string({ error: optionalString('note') })
      .trim()
      .max(MAX_NOTE_LENGTH, `note must be at most ${MAX_NOTE_LENGTH} characters`)
      .nullable(),
  });
  // Piped so the per-type rules only ever see fields that are individually valid.
  return fields.pipe(z.custom<z.output<typeof fields>>().superRefine(checkTypeRules)).transform((f): Transaction => ({
    date: f.date,
    type: f.type,
    symbol: f.symbol,
    quantity: f.quantity,
    price: f.price,
    amount: f.amount,
    currency: f.currency,
    fee: f.fee,
    note: f.note,
  }));
}

function decimal(field: Column, { zeroAllowed = false } = {}) {
  return z
    .union([z.number(), z.string()], { error: (iss) => `${field} must be a number, got ${show(iss.input)}` })
    .transform((raw, ctx) => {
      const value = readDecimal(raw, zeroAllowed);
      if (typeof value === 'number') return value;
      ctx.issues.push({ code: 'custom', input: raw, message: `${field} ${value}` });
      return z.NEVER;
    });
}

/** The number, or what is wrong with it. */
function readDecimal(raw: number | string, zeroAllowed: boolean): number | string {
  if (typeof raw === 'string' && !PLAIN_DECIMAL_RE.test(raw.trim())) {
    return `must be a plain decimal number such as 12.5, got ${show(raw)}`;
  }
  const value = Number(raw);
  if (value < 0 || (value === 0 && !zeroAllowed)) {
    return zeroAllowed
      ? `must be zero or a positive number, got ${show(raw)}`
      : `must be a positive number, got ${show(raw)}`;
  }
  if (tooPrecise(raw)) return `must have at most ${MAX_SIGNIFICANT_DIGITS} significant digits, got ${show(raw)}`;
  return value === 0 ? 0 : value; // never -0
}

function tooPrecise(raw: number | string): boolean {
  // A JSON number has no written form to count digits in, so ask whether 15 digits reproduce it.
  if (typeof raw === 'number') return Math.abs(raw) >= 1e15 || Number(raw.toPrecision(MAX_SIGNIFICANT_DIGITS)) !== raw;
  return significantDigits(raw.trim()) > MAX_SIGNIFICANT_DIGITS;
}

/** Counts digits of a plain decimal; zeros that only place the point ("0.00" or "1.50") do not count. */
function significantDigits(text: string): number {
  const [int = '', frac = ''] = text.replace('-', '').split('.');
  const intDigits = int.replace(/^0+/, '');
  const fracDigits = frac.replace(/0+$/, '');
  return intDigits.length > 0 ? intDigits.length + fracDigits.length : fracDigits.replace(/^0+/, '').length;
}

type FieldValues = Pick<Transaction, 'type' | 'symbol' | 'quantity' | 'price' | 'amount' | 'fee'>;
type ShapedField = 'symbol' | 'quantity' | 'price' | 'amount';
type Shape = Record<ShapedField, 'required' | 'empty' | 'optional'>;

const CASH: Shape = { symbol: 'empty', quantity: 'empty', price: 'empty', amount: 'required' };
const TRADE: Shape = { symbol: 'required', quantity: 'required', price: 'required', amount: 'optional' };
const SHAPES: Record<Exclude<TxType, 'TRANSFER_IN' | 'TRANSFER_OUT'>, Shape> = {
  DEPOSIT: CASH,
  WITHDRAWAL: CASH,
  INTEREST: CASH,
  FEE: CASH,
  BUY: TRADE,
  SELL: TRADE,
  DIVIDEND: { symbol: 'required', quantity: 'empty', price: 'empty', amount: 'required' },
  SPLIT: { symbol: 'required', quantity: 'required', price: 'empty', amount: 'empty' },
};

function shapeOf(tx: FieldValues): Shape {
  switch (tx.type) {
    case 'TRANSFER_IN':
    case 'TRANSFER_OUT':
      return isSecurityTransfer(tx) ? TRADE : CASH;
    default:
      return SHAPES[tx.type];
  }
}

function checkTypeRules(tx: FieldValues, ctx: z.RefinementCtx): void {
  const fail = (field: keyof FieldValues, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
  const shape = shapeOf(tx);
  const transfer = tx.type === 'TRANSFER_IN' || tx.type === 'TRANSFER_OUT';
  const kind = transfer ? `a ${shape === TRADE ? 'security' : 'cash'} ${tx.type}` : tx.type;

  for (const field of ['symbol', 'quantity', 'price', 'amount'] as const) {
    const given = tx[field] !== null;
    if (shape[field] === 'required' && !given) fail(field, `${field} is required for ${kind}`);
    if (shape[field] === 'empty' && given) fail(field, `${field} must be empty for ${kind}`);
  }

  if (shape === TRADE && tx.amount !== null && tx.quantity !== null && tx.price !== null) {
    const expected = tx.quantity * tx.price;
    if (Math.abs(tx.amount - expected) > Math.max(0.01, 1e-6 * Math.abs(tx.amount))) {
      fail(
        'amount',
        `amount ${tx.amount} does not equal quantity * price = ${Number(expected.toPrecision(MAX_SIGNIFICANT_DIGITS))}`,
      );
    }
  }
  if (tx.type === 'SPLIT') {
    if (tx.quantity === 1) fail('quantity', 'quantity (new shares per old share) must not be 1 for SPLIT');
    if (tx.fee !== 0) fail('fee', 'fee must be 0 for SPLIT');
  }
}

/** Quotes a user value for a message, cut short so one huge cell cannot flood the response. */
function show(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}
