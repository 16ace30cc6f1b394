import assert from 'node:assert/strict';
import { AppError } from '../../../src/errors.js';
import { commitHash, genesisParent } from '../../../src/domain/ledger/commit.js';
import { parseLedgerCsv, parseLedgerJson } from '../../../src/domain/ledger/parse.js';
import type { RowError } from '../../../src/domain/ledger/row-errors.js';
import { TODAY, tx } from './fixtures.js';

const HEADER = 'date,type,symbol,quantity,price,amount,currency,fee,note';
const csv = (...rows: string[]) => [HEADER, ...rows].join('\n');
const parseCsv = (text: string) => parseLedgerCsv(text, { today: TODAY }).flat();
const parseJson = (body: unknown) => parseLedgerJson(body, { today: TODAY });

/** The 400 a parse throws, with its row errors. */
function rejection(parse: () => unknown): { message: string; errors: RowError[]; details: Record<string, unknown> } {
  try {
    parse();
  } catch (e) {
    assert.ok(e instanceof AppError, `expected an AppError, got ${String(e)}`);
    assert.equal(e.code, 'invalid_request');
    assert.equal(e.status, 400);
    return { message: e.message, errors: (e.details.errors ?? []) as RowError[], details: e.details };
  }
  assert.fail('parse succeeded');
}

/** The single error of a one-row CSV (row 1, line 2). */
function onlyError(row: string): RowError {
  const { errors } = rejection(() => parseCsv(csv(row)));
  assert.equal(errors.length, 1, JSON.stringify(errors));
  const [error] = errors;
  assert.equal(error!.row, 1);
  assert.equal(error!.line, 2);
  return error!;
}

describe('ledger CSV parsing', () => {
  it('produces canonical transactions: nulls for blanks, fee 0, upper-case type and symbol', () => {
    const parsed = parseCsv(
      csv(
        '2024-01-02,DEPOSIT,,,,10000,USD,,initial funding',
        '2024-01-03,buy, aapl ,10,150.25,1502.5,USD,1.5,',
        '2024-01-04,SPLIT,brk.b,4,,,USD,0,',
      ),
    );
    assert.deepEqual(parsed, [
      tx('2024-01-02', 'DEPOSIT', { amount: 10000, note: 'initial funding' }),
      tx('2024-01-03', 'BUY', { symbol: 'AAPL', quantity: 10, price: 150.25, amount: 1502.5, fee: 1.5 }),
      tx('2024-01-04', 'SPLIT', { symbol: 'BRK.B', quantity: 4 }),
    ]);
  });

  it('accepts a BOM, CRLF line ends, any column order and loosely written header names', () => {
    const text =
      '\uFEFF Note ,CURRENCY,fee,amount,price,quantity,symbol,Type,DATE\r\n"bought, at last",USD,,,150,10,AAPL,BUY,2024-01-03\r\n';
    assert.deepEqual(parseCsv(text), [
      tx('2024-01-03', 'BUY', { symbol: 'AAPL', quantity: 10, price: 150, note: 'bought, at last' }),
    ]);
  });

  it('skips blank lines but counts them in line numbers', () => {
    const { errors } = rejection(() =>
      parseCsv(csv('2024-01-02,DEPOSIT,,,,100,USD,,', '', ',,,,,,,,', '2024-01-03,DEPOSIT,,,,-5,USD,,')),
    );
    assert.deepEqual(errors, [
      { row: 2, line: 5, field: 'amount', message: 'amount must be a positive number, got "-5"' },
    ]);
  });

  it('gives the line a quoted multi-line note starts on and keeps its line break as \\n', () => {
    const text = csv('2024-01-02,DEPOSIT,,,,100,USD,,"first\r\nsecond"', '2024-01-03,DEPOSIT,,,,x,USD,,');
    assert.equal(parseCsv(csv('2024-01-02,DEPOSIT,,,,100,USD,,"first\r\nsecond"'))[0]!.note, 'first\nsecond');
    assert.deepEqual(
      rejection(() => parseCsv(text)).errors.map((e) => [e.row, e.line]),
      [[2, 4]],
    );
  });

  describe('rejects', () => {
    it('dates that are not real YYYY-MM-DD calendar dates', () => {
      assert.deepEqual(onlyError('2024-02-30,DEPOSIT,,,,1,USD,,'), {
        row: 1,
        line: 2,
        field: 'date',
        message: 'date "2024-02-30" is not a real calendar date',
      });
      assert.equal(onlyError('2024-13-01,DEPOSIT,,,,1,USD,,').field, 'date');
      assert.equal(onlyError('2023-02-29,DEPOSIT,,,,1,USD,,').field, 'date');
      assert.equal(onlyError('yesterday,DEPOSIT,,,,1,USD,,').message, 'date must be YYYY-MM-DD, got "yesterday"');
      assert.equal(onlyError('2024-1-5,DEPOSIT,,,,1,USD,,').field, 'date');
      assert.equal(onlyError(',DEPOSIT,,,,1,USD,,').message, 'date is required');
      assert.equal(parseCsv(csv('2024-02-29,DEPOSIT,,,,1,USD,,')).length, 1);
    });

    it('dates after today', () => {
      assert.equal(
        onlyError('2025-01-01,DEPOSIT,,,,1,USD,,').message,
        'date 2025-01-01 is in the future (today is 2024-12-31)',
      );
      assert.equal(parseCsv(csv(`${TODAY},DEPOSIT,,,,1,USD,,`)).length, 1);
    });

    it('unknown types', () => {
      const e = onlyError('2024-01-02,BUYY,AAPL,1,1,,USD,,');
      assert.equal(e.field, 'type');
      assert.match(e.message, /^type must be one of DEPOSIT, WITHDRAWAL, .* TRANSFER_OUT, got "BUYY"$/);
    });

    for (const bad of ['abc', '1e5', 'NaN', 'Infinity', '0x10', '"1,000"', '1.2.3', '+5', '$5']) {
      it(`a number written as ${bad}`, () => {
        const e = onlyError(`2024-01-02,DEPOSIT,,,,${bad},USD,,`);
        assert.equal(e.field, 'amount');
        assert.match(e.message, /^amount must be a plain decimal number such as 12.5, got /);
      });
    }

    it('negative or zero quantities, prices and amounts, and negative fees', () => {
      assert.equal(
        onlyError('2024-01-02,BUY,AAPL,-10,1,,USD,,').message,
        'quantity must be a positive number, got "-10"',
      );
      assert.equal(onlyError('2024-01-02,BUY,AAPL,10,0,,USD,,').message, 'price must be a positive number, got "0"');
      assert.equal(onlyError('2024-01-02,DEPOSIT,,,,0.00,USD,,').field, 'amount');
      assert.equal(
        onlyError('2024-01-02,DEPOSIT,,,,1,USD,-1,').message,
        'fee must be zero or a positive number, got "-1"',
      );
      assert.equal(parseCsv(csv('2024-01-02,DEPOSIT,,,,1,USD,0,'))[0]!.fee, 0);
    });

    it('numbers with more than 15 significant digits', () => {
      assert.equal(
        onlyError('2024-01-02,DEPOSIT,,,,1234567890.123456,USD,,').message,
        'amount must have at most 15 significant digits, got "1234567890.123456"',
      );
      assert.equal(onlyError('2024-01-02,DEPOSIT,,,,1000000000000000,USD,,').field, 'amount');
      // Leading and trailing zeros only place the decimal point.
      assert.equal(parseCsv(csv('2024-01-02,DEPOSIT,,,,000123456789.012345000,USD,,'))[0]!.amount, 123456789.012345);
      assert.equal(
        parseCsv(csv('2024-01-02,DEPOSIT,,,,0.000000123456789012345,USD,,'))[0]!.amount,
        1.23456789012345e-7,
      );
    });

    it('missing required fields, per type', () => {
      assert.deepEqual(onlyError('2024-01-02,BUY,AAPL,10,,,USD,,'), {
        row: 1,
        line: 2,
        field: 'price',
        message: 'price is required for BUY',
      });
      assert.equal(onlyError('2024-01-02,SELL,,10,5,,USD,,').message, 'symbol is required for SELL');
      assert.equal(onlyError('2024-01-02,DIVIDEND,AAPL,,,,USD,,').message, 'amount is required for DIVIDEND');
      assert.equal(onlyError('2024-01-02,SPLIT,AAPL,,,,USD,,').message, 'quantity is required for SPLIT');
      assert.equal(onlyError('2024-01-02,WITHDRAWAL,,,,,USD,,').message, 'amount is required for WITHDRAWAL');
      assert.equal(onlyError('2024-01-02,DEPOSIT,,,,1,,,').message, 'currency is required');
    });

    it('fields that must be empty for the type', () => {
      assert.deepEqual(onlyError('2024-01-02,DEPOSIT,AAPL,,,100,USD,,'), {
        row: 1,
        line: 2,
        field: 'symbol',
        message: 'symbol must be empty for DEPOSIT',
      });
      assert.equal(onlyError('2024-01-02,INTEREST,,2,,100,USD,,').message, 'quantity must be empty for INTEREST');
      assert.equal(onlyError('2024-01-02,DIVIDEND,AAPL,,3,100,USD,,').message, 'price must be empty for DIVIDEND');
      assert.equal(onlyError('2024-01-02,SPLIT,AAPL,2,,100,USD,,').message, 'amount must be empty for SPLIT');
      assert.equal(onlyError('2024-01-02,SPLIT,AAPL,2,,,USD,1,').message, 'fee must be 0 for SPLIT');
      assert.equal(
        onlyError('2024-01-02,SPLIT,AAPL,1,,,USD,,').message,
        'quantity (new shares per old share) must not be 1 for SPLIT',
      );
    });

    it('currencies that are not three upper-case letters', () => {
      for (const bad of ['usd', 'US', 'USDX', 'U$D', '840']) {
        const e = onlyError(`2024-01-02,DEPOSIT,,,,1,${bad},,`);
        assert.equal(e.field, 'currency');
        assert.equal(e.message, `currency must be an upper-case ISO 4217 code such as USD, got "${bad}"`);
      }
      assert.equal(parseCsv(csv('2024-01-02,DEPOSIT,,,,1, EUR ,,'))[0]!.currency, 'EUR');
    });

    it('currencies that are three letters but not an active ISO 4217 code', () => {
      for (const bad of ['XXY', 'ABC', 'DEM', 'XXX', 'XTS']) {
        const e = onlyError(`2024-01-02,DEPOSIT,,,,1,${bad},,`);
        assert.equal(e.field, 'currency');
        assert.equal(e.message, `currency "${bad}" is not an active ISO 4217 code`);
      }
    });

    it('symbols that are not plain tickers, such as an injection attempt', () => {
      const e = onlyError(`2024-01-02,BUY,"'; DROP TABLE transactions; --",1,1,,USD,,`);
      assert.equal(e.field, 'symbol');
      assert.match(e.message, /^symbol must be 1-12 letters or digits, then up to two suffixes .* got "'; DROP TABLE/);
      for (const bad of ['.AAPL', 'AAPL.', 'BRK..B', 'A.B.C.D', 'SAP.DEUTSCH', 'A^B', 'A'.repeat(13)]) {
        assert.equal(onlyError(`2024-01-02,BUY,${bad},1,1,,USD,,`).field, 'symbol', bad);
      }
      for (const good of ['A'.repeat(12), 'BRK.B', 'brk-b', 'SAP.DE', 'SHEL.L', '7203.T', 'RDS-A.L']) {
        assert.equal(parseCsv(csv(`2024-01-02,BUY,${good},1,1,,USD,,`))[0]!.symbol, good.toUpperCase());
      }
    });

    it('an amount that disagrees with quantity x price beyond max(0.01, 1e-6 x amount)', () => {
      assert.deepEqual(onlyError('2024-01-02,BUY,AAPL,10,150,1600,USD,,'), {
        row: 1,
        line: 2,
        field: 'amount',
        message: 'amount 1600 does not equal quantity * price = 1500',
      });
      assert.equal(onlyError('2024-01-02,SELL,AAPL,1000,1234.5678,1234570,USD,,').field, 'amount'); // off by 2.2 > 1.23
      const ok = parseCsv(
        csv(
          '2024-01-02,BUY,AAPL,3,33.333,100,USD,,', // off by 0.001 <= 0.01
          '2024-01-02,SELL,AAPL,1000,1234.5678,1234568.5,USD,,', // off by 0.7 <= 1.23
        ),
      );
      assert.deepEqual(
        ok.map((t) => t.amount),
        [100, 1234568.5],
      );
    });

    it('notes longer than 500 characters', () => {
      assert.equal(
        onlyError(`2024-01-02,DEPOSIT,,,,1,USD,,${'x'.repeat(501)}`).message,
        'note must be at most 500 characters',
      );
      assert.equal(parseCsv(csv(`2024-01-02,DEPOSIT,,,,1,USD,,${'x'.repeat(500)}`))[0]!.note!.length, 500);
    });

    it('rows with the wrong number of fields, and malformed quoting', () => {
      assert.deepEqual(onlyError('2024-01-02,DEPOSIT,,,,1,USD'), {
        row: 1,
        line: 2,
        message: 'expected 9 fields, found 7',
      });
      const { message, errors } = rejection(() =>
        parseCsv(csv('2024-01-02,DEPOSIT,,,,1,USD,,', '2024-01-03,DEPOSIT,,,,1,USD,,"open')),
      );
      assert.match(message, /^row 2: malformed CSV: Quote Not Closed/);
      assert.equal(errors[0]!.row, 2);
    });

    it('a header with missing, unknown or repeated columns', () => {
      const missing = rejection(() =>
        parseCsv('date,type,symbol,quantity,price,amount,currency,fee\n2024-01-02,DEPOSIT,,,,1,USD,'),
      );
      assert.equal(missing.message, `the CSV header must name the columns ${HEADER}: missing column(s) note`);
      assert.deepEqual(missing.errors, [{ row: 0, line: 1, message: missing.message }]);

      const unknown = rejection(() => parseCsv(`${HEADER},account\n2024-01-02,DEPOSIT,,,,1,USD,,,x`));
      assert.match(unknown.message, /unknown column\(s\) "account"$/);

      const repeated = rejection(() => parseCsv(`${HEADER.replace('note', 'date')}\n`));
      assert.match(repeated.message, /missing column\(s\) note; duplicate column\(s\) date$/);
    });

    it('an empty file and a header without rows', () => {
      assert.equal(rejection(() => parseCsv('')).message, 'no transactions: the CSV is empty');
      assert.equal(rejection(() => parseCsv('\uFEFF\r\n\r\n')).message, 'no transactions: the CSV is empty');
      assert.equal(
        rejection(() => parseCsv(`${HEADER}\r\n`)).message,
        'no transactions: the CSV has a header but no rows',
      );
    });
  });

  it('reports every bad row at once, named in the message by the first', () => {
    const { message, errors } = rejection(() =>
      parseCsv(
        csv(
          '2024-01-02,DEPOSIT,,,,100,USD,,',
          '2024-01-03,DEPOSIT,,,,100,USD,,',
          '2024-01-04,BUY,AAPL,-1,10,,USD,,',
          '2024-01-05,DEPOSIT,,,,100,usd,,',
          '2024-01-06,DIVIDEND,AAPL,,,,USD,,',
        ),
      ),
    );
    assert.equal(message, 'row 3: quantity must be a positive number, got "-1" (and 2 more)');
    assert.deepEqual(
      errors.map((e) => [e.row, e.line, e.field]),
      [
        [3, 4, 'quantity'],
        [4, 5, 'currency'],
        [5, 6, 'amount'],
      ],
    );
  });

  it('caps the reported errors at 100', () => {
    const rows = Array.from({ length: 150 }, () => '2024-01-02,DEPOSIT,,,,abc,USD,,');
    const { errors, details, message } = rejection(() => parseCsv(csv(...rows)));
    assert.equal(errors.length, 100);
    assert.equal(details.truncated, true);
    assert.match(message, /^row 1: .* \(and 99\+ more\)$/);
  });
});

describe('ledger JSON parsing', () => {
  it('accepts numbers as JSON numbers or decimal strings and fills absent fields', () => {
    const parsed = parseJson({
      transactions: [
        { date: '2024-01-02', type: 'deposit', amount: '10000.50', currency: 'USD', note: 'funding' },
        {
          date: '2024-01-03',
          type: 'BUY',
          symbol: ' msft ',
          quantity: 10,
          price: '300.25',
          currency: 'USD',
          fee: 1,
          amount: null,
        },
      ],
    });
    assert.deepEqual(parsed, [
      tx('2024-01-02', 'DEPOSIT', { amount: 10000.5, note: 'funding' }),
      tx('2024-01-03', 'BUY', { symbol: 'MSFT', quantity: 10, price: 300.25, fee: 1 }),
    ]);
  });

  it('gives the same transactions, and so the same commit hash, as the equivalent CSV', () => {
    const fromCsv = parseCsv(
      csv('2024-01-02,DEPOSIT,,,,10000,USD,,initial funding', '2024-01-03,BUY,AAPL,10,150,,USD,1,'),
    );
    const fromJson = parseJson({
      transactions: [
        { date: '2024-01-02', type: 'DEPOSIT', amount: 10000, currency: 'USD', note: 'initial funding' },
        { date: '2024-01-03', type: 'BUY', symbol: 'AAPL', quantity: '10', price: '150', fee: '1', currency: 'USD' },
      ],
    });
    assert.deepEqual(fromJson, fromCsv);
    const parent = genesisParent('p1');
    assert.equal(commitHash(parent, fromJson), commitHash(parent, fromCsv));
  });

  it('rejects unknown keys, wrong JSON types and bad values, naming each row', () => {
    const { message, errors } = rejection(() =>
      parseJson({
        transactions: [
          { date: '2024-01-02', type: 'DEPOSIT', amount: 1, currency: 'USD' },
          { date: '2024-01-02', type: 'DEPOSIT', amount: 1, currency: 'USD', account: 'x' },
          { date: '2024-01-02', type: 'DEPOSIT', amount: true, currency: 'USD' },
          { date: '2024-01-02', type: 'DEPOSIT', amount: '1e5', currency: 'USD' },
          { date: 20240102, type: 'DEPOSIT', amount: -1, currency: 'USD' },
          'not an object',
        ],
      }),
    );
    assert.equal(message, 'row 2: unknown field "account" (and 5 more)');
    assert.deepEqual(errors, [
      { row: 2, field: 'account', message: 'unknown field "account"' },
      { row: 3, field: 'amount', message: 'amount must be a number, got "true"' },
      { row: 4, field: 'amount', message: 'amount must be a plain decimal number such as 12.5, got "1e5"' },
      { row: 5, field: 'date', message: 'date must be a string' },
      { row: 5, field: 'amount', message: 'amount must be a positive number, got "-1"' },
      { row: 6, message: 'each transaction must be a JSON object' },
    ]);
  });

  it('rejects JSON numbers that 15 significant digits cannot hold', () => {
    const { errors } = rejection(() =>
      parseJson({ transactions: [{ date: '2024-01-02', type: 'DEPOSIT', amount: 0.1 + 0.2, currency: 'USD' }] }),
    );
    assert.equal(errors[0]!.message, 'amount must have at most 15 significant digits, got "0.30000000000000004"');
  });

  it('rejects a body that is not {"transactions": [...]} or holds none', () => {
    for (const body of [null, [], 'x', {}, { transactions: {} }, { transactions: [], extra: 1 }]) {
      assert.match(rejection(() => parseJson(body)).message, /^the body must be \{"transactions": \[ \.\.\. \]\}/);
    }
    assert.equal(
      rejection(() => parseJson({ transactions: [] })).message,
      'no transactions: the transactions array is empty',
    );
  });
});

describe('ledger transfers', () => {
  it('accept cash (amount only) or securities (symbol, quantity, price)', () => {
    assert.deepEqual(
      parseCsv(csv('2024-01-02,TRANSFER_IN,,,,500,USD,,', '2024-01-03,TRANSFER_OUT,AAPL,5,150,750,USD,2,')),
      [
        tx('2024-01-02', 'TRANSFER_IN', { amount: 500 }),
        tx('2024-01-03', 'TRANSFER_OUT', { symbol: 'AAPL', quantity: 5, price: 150, amount: 750, fee: 2 }),
      ],
    );
  });

  it('reject a mix of the two', () => {
    assert.equal(onlyError('2024-01-02,TRANSFER_IN,,,,,USD,,').message, 'amount is required for a cash TRANSFER_IN');
    assert.equal(
      onlyError('2024-01-02,TRANSFER_IN,AAPL,5,,,USD,,').message,
      'price is required for a security TRANSFER_IN',
    );
    assert.equal(
      onlyError('2024-01-02,TRANSFER_OUT,,5,150,,USD,,').message,
      'symbol is required for a security TRANSFER_OUT',
    );
    assert.equal(onlyError('2024-01-02,TRANSFER_OUT,AAPL,5,150,751,USD,,').field, 'amount');
  });
});
