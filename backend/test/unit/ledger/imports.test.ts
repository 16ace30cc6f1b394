import assert from 'node:assert/strict';
import fs from 'node:fs';
import { importedBatches, ledgerFormat } from '../../../src/domain/ledger/imports/formats.js';
import type { SecurityInfo } from '../../../src/domain/ledger/types.js';
import { AppError } from '../../../src/errors.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../../fixtures/imports/${name}`, import.meta.url), 'utf8');
const security = (symbol: string): [string, SecurityInfo] => [
  symbol,
  { symbol, name: symbol, sector: 'Tech', currency: 'USD', asset_class: 'equity' },
];
const KNOWN = new Map(['AAPL', 'MSFT', 'KO'].map(security));
const opts = { today: '2026-01-01' };
const PP_HEADER =
  'Date,Ex-Date,Type,Value,Transaction Currency,Gross Amount,Currency Gross Amount,Exchange Rate,Fees,Taxes,Shares,ISIN,WKN,Ticker Symbol,Security Name,Note';

const pp = (text: string, known = KNOWN) => importedBatches('portfolio-performance', { csv: text }, known, opts)[0]!;
const ghostfolio = (body: unknown, known = KNOWN) => importedBatches('ghostfolio', { json: body }, known, opts)[0]!;

/** The 400 an import is refused with, for its message and details. */
function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError && e.code === 'invalid_request') return e;
    throw e;
  }
  assert.fail('expected a 400');
}

describe('domain/ledger imports: Portfolio Performance CSV', () => {
  it('maps every account transaction type, with taxes counted as fees and the gross trade price', () => {
    const rows = pp(fixture('pp-account-transactions.csv'));
    assert.deepEqual(
      rows.map((r) => [r.date, r.type, r.symbol, r.quantity, r.price, r.amount, r.currency, r.fee]),
      [
        ['2024-01-02', 'DEPOSIT', null, null, null, 10000, 'USD', 0],
        ['2024-01-03', 'BUY', 'AAPL', 10, 185.55, null, 'USD', 1],
        ['2024-02-15', 'DIVIDEND', 'AAPL', null, null, 2.4, 'USD', 0.36],
        ['2024-03-28', 'INTEREST', null, null, null, 12.5, 'USD', 0],
        ['2024-04-02', 'FEE', null, null, null, 25, 'USD', 0],
        ['2024-05-02', 'FEE', null, null, null, 3.1, 'USD', 0],
        ['2024-06-03', 'SELL', 'AAPL', 4, 185, null, 'USD', 3],
        ['2024-07-01', 'WITHDRAWAL', null, null, null, 1000, 'USD', 0],
      ],
    );
    assert.equal(rows[0]!.note, 'Portfolio Performance: Deposit; Initial funding');
    assert.equal(rows[5]!.note, 'Portfolio Performance: Taxes');
  });

  it('maps portfolio transactions: buys, deliveries and security transfers at the value per share', () => {
    const rows = pp(fixture('pp-portfolio-transactions.csv'));
    assert.deepEqual(
      rows.map((r) => [r.type, r.symbol, r.quantity, r.price, r.fee]),
      [
        ['BUY', 'MSFT', 5, 190, 1],
        ['TRANSFER_IN', 'KO', 3, 60, 0],
        ['TRANSFER_OUT', 'KO', 1, 60, 0],
      ],
    );
  });

  it('refuses a type with no Folio equivalent, naming the row and the line, and every other bad row', () => {
    const text = [
      PP_HEADER,
      '2024-01-02T00:00,,Deposit,100.00,USD,,,,,,,,,,,',
      '2024-01-05T00:00,,Tax Refund,3.00,USD,,,,,,,,,,,',
      '2024-01-06T00:00,,Deposit,ten,USD,,,,,,,,,,,',
    ].join('\n');
    const e = refusal(() => pp(text));
    assert.match(e.message, /^row 2: Portfolio Performance type "Tax Refund" has no Folio equivalent/);
    assert.deepEqual(
      (e.details.errors as { row: number; line: number }[]).map((r) => [r.row, r.line]),
      [
        [2, 3],
        [3, 4],
      ],
    );
    assert.match((e.details.errors as { message: string }[])[1]!.message, /Value "ten" is not a number/);
  });

  it('refuses a trade settled in another currency than its security, and a security without a ticker', () => {
    const forex = `${PP_HEADER}\n2024-01-03T00:00,,Buy,-930.00,EUR,"1,000.00",USD,0.93,,,5,US5949181045,,MSFT,Microsoft,`;
    assert.match(refusal(() => pp(forex)).message, /settled in EUR for a security priced in USD/);
    const noTicker = `${PP_HEADER}\n2024-01-03T00:00,,Buy,-950.00,USD,,,,,,5,US5949181045,,,Microsoft,`;
    assert.match(refusal(() => pp(noTicker)).message, /security Microsoft has no ticker symbol/);
  });

  it('lists every unknown security with its name and ISIN and the hint to import them first', () => {
    const e = refusal(() => pp(fixture('pp-portfolio-transactions.csv'), new Map([security('AAPL')])));
    assert.match(
      e.message,
      /^2 securities in the file are not known: MSFT Microsoft Corporation, US5949181045; KO The Coca-Cola Company, US1912161007; import them first \(folio securities import FILE\.csv\)/,
    );
    assert.deepEqual(
      (e.details.unknown_securities as { symbol: string }[]).map((s) => s.symbol),
      ['MSFT', 'KO'],
    );
    assert.deepEqual(
      (e.details.errors as { row: number }[]).map((r) => r.row),
      [1, 2, 3],
    );
  });

  it('names the missing columns of a file that is not a transactions export', () => {
    const e = refusal(() =>
      pp('date,type,symbol,quantity,price,amount,currency,fee,note\n2024-01-02,DEPOSIT,,,,1,USD,,'),
    );
    assert.match(e.message, /missing column\(s\) Value, Transaction Currency$/);
  });
});

describe('domain/ledger imports: Ghostfolio export JSON', () => {
  it('maps buys, sells, dividends, interest and fees', () => {
    const rows = ghostfolio(JSON.parse(fixture('ghostfolio-export.json')));
    assert.deepEqual(
      rows.map((r) => [r.date, r.type, r.symbol, r.quantity, r.price, r.amount, r.fee]),
      [
        ['2024-01-03', 'BUY', 'AAPL', 10, 185.55, null, 1],
        ['2024-02-15', 'DIVIDEND', 'AAPL', null, null, 2.4, 0],
        ['2024-03-28', 'INTEREST', null, null, null, 12.5, 0],
        ['2024-04-02', 'FEE', null, null, null, 25, 0],
        ['2024-06-03', 'SELL', 'AAPL', 4, 185, null, 1],
      ],
    );
    assert.equal(rows[2]!.note, 'Ghostfolio: INTEREST; Cash interest');
  });

  it('refuses ITEM and LIABILITY activities and malformed ones, naming the row', () => {
    const activity = {
      type: 'ITEM',
      date: '2024-01-03T00:00:00.000Z',
      quantity: 1,
      unitPrice: 5000,
      fee: 0,
      currency: 'USD',
      symbol: 'x',
    };
    const e = refusal(() => ghostfolio({ activities: [activity, { ...activity, type: 'BUY', quantity: 'ten' }] }));
    assert.match(
      e.message,
      /^row 1: Ghostfolio type "ITEM" has no Folio equivalent; mapped types: BUY, SELL, DIVIDEND, INTEREST, FEE \(and 1 more\)$/,
    );
    assert.match((e.details.errors as { message: string }[])[1]!.message, /^activity field quantity: /);
  });

  it('lists the unknown securities it names', () => {
    const e = refusal(() => ghostfolio(JSON.parse(fixture('ghostfolio-export.json')), new Map()));
    assert.match(e.message, /^1 security in the file is not known: AAPL; import them first/);
  });

  it('refuses a body that is not an export', () => {
    assert.match(refusal(() => ghostfolio({ transactions: [] })).message, /not a Ghostfolio export/);
  });
});

describe('domain/ledger imports: formats', () => {
  it('defaults to Folio and refuses an unknown format, naming the known ones', () => {
    assert.equal(ledgerFormat(undefined), 'folio');
    assert.match(refusal(() => ledgerFormat('quicken')).message, /formats: folio, portfolio-performance, ghostfolio$/);
  });
});
