import assert from 'node:assert/strict';
import { figiProblem, isinProblem } from '../../../src/domain/identifiers.js';
import { parseSecuritiesCsv } from '../../../src/domain/securities-file.js';
import { isSymbol } from '../../../src/domain/symbol.js';
import { AppError } from '../../../src/errors.js';

describe('securities: symbol grammar, identifiers, the securities file', () => {
  it('accepts exchange suffixes and share classes, and nothing outside the grammar', () => {
    for (const s of ['AAPL', 'BRK.B', 'BRK-B', 'SAP.DE', 'SHEL.L', '7203.T', 'RY.TO', 'RDS-A.L', 'ABCDEFGHIJKL.ABCDEF'])
      assert.ok(isSymbol(s), s);
    for (const s of [
      '',
      'aapl',
      '.A',
      'A.',
      'A..B',
      'A.B.C.D',
      'ABCDEFGHIJKLM',
      'A.ABCDEFG',
      'A B',
      'A^B',
      'A_B',
      'A/B',
    ])
      assert.ok(!isSymbol(s), s);
  });

  it('checks ISIN check digits (ISO 6166) against published ISINs', () => {
    for (const isin of ['US0378331005', 'DE0007164600', 'GB00BP6MXD84', 'JP3633400001', 'US0846707026'])
      assert.equal(isinProblem(isin), null, isin);
    assert.equal(isinProblem('US0378331006'), "the ISIN's check digit should be 5");
    assert.match(isinProblem('US037833100')!, /^an ISIN is 2 letters/);
    assert.match(isinProblem('1S0378331005')!, /^an ISIN is 2 letters/);
  });

  it('checks FIGI format and check digit against published FIGIs', () => {
    for (const figi of ['BBG000B9XRY4', 'BBG000BPH459', 'BBG000BLNNH6', 'BBG001S5N8V8'])
      assert.equal(figiProblem(figi), null);
    assert.equal(figiProblem('BBG000B9XRY5'), "the FIGI's check digit should be 4");
    assert.match(figiProblem('BBA000B9XRY4')!, /third a G/);
    assert.match(figiProblem('BBG000B9XRE4')!, /consonants/, 'vowels are never used');
    assert.equal(figiProblem('GBG000B9XRY4')?.startsWith('a FIGI never starts with GB'), true);
  });

  it('reads the file in any column order, upper-cases symbols, currencies and identifiers, and keeps row numbers', () => {
    const rows = parseSecuritiesCsv(
      '\uFEFFSector,Asset Class,symbol,name,currency,isin\r\nTech,Equity, sap.de ,SAP SE,eur,de0007164600\r\nEnergy,Equity,SHEL.L,"Shell, plc",GBP,\r\n',
    );
    assert.deepEqual(rows, [
      {
        row: 1,
        security: {
          symbol: 'SAP.DE',
          name: 'SAP SE',
          currency: 'EUR',
          asset_class: 'Equity',
          sector: 'Tech',
          isin: 'DE0007164600',
          figi: null,
        },
      },
      {
        row: 2,
        security: {
          symbol: 'SHEL.L',
          name: 'Shell, plc',
          currency: 'GBP',
          asset_class: 'Equity',
          sector: 'Energy',
          isin: null,
          figi: null,
        },
      },
    ]);
  });

  it('rejects the whole file naming every bad row', () => {
    try {
      parseSecuritiesCsv(
        'symbol,name,currency,asset_class,sector\nA,,USD,Equity,Tech\nB,Bee,US,Equity,Tech\nC,Cee,USD,Equity\n',
      );
      assert.fail('expected a 400');
    } catch (e) {
      assert.ok(e instanceof AppError && e.status === 400);
      assert.deepEqual(
        (e.details.errors as { row: number; field?: string }[]).map((r) => [r.row, r.field]),
        [
          [1, 'name'],
          [2, 'currency'],
          [3, undefined],
        ],
      );
    }
    assert.throws(
      () =>
        parseSecuritiesCsv('symbol,name,currency,asset_class,sector\nA,Ay,USD,Equity,Tech\nB,Bee,XXY,Equity,Tech\n'),
      (e: unknown) =>
        e instanceof AppError &&
        JSON.stringify(e.details.errors) ===
          JSON.stringify([
            { row: 2, line: 3, field: 'currency', message: 'B: currency "XXY" is not an active ISO 4217 code' },
          ]),
    );
    assert.throws(() => parseSecuritiesCsv(''), /the file is empty/);
    assert.throws(() => parseSecuritiesCsv('symbol,name,currency,asset_class,sector\n'), /header but no rows/);
  });
});
