import assert from 'node:assert/strict';
import { parsedCsvTable, plainCsvTable, readCsvTable } from '../../../src/providers/csv-table.js';

/** A small deterministic generator, so a failure names a text that can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

// Pieces of history files, with every character that quoting, trimming or line endings affect.
const PIECES = ['2024-01-02', '101.5', 'null', 'Date', 'Adj Close', ',', ',', '\n', '\n', '\r\n', ' ', '"', '\t', '\r'];

const sameTable = (text: string) => {
  const plain = plainCsvTable(text);
  let parsed: ReturnType<typeof parsedCsvTable> | Error;
  try {
    parsed = parsedCsvTable('eod', text, 'X.csv');
  } catch (e) {
    parsed = e as Error;
  }
  if (plain === null) return;
  assert.deepEqual(plain, parsed, `plain and full parsers differ on ${JSON.stringify(text)}`);
};

describe('CSV tables', () => {
  it('reads a plain file with the line numbers of its rows, skipping empty lines', () => {
    const text =
      '\ufeffDate,Open,High,Low,Close,Adj Close,Volume\n\n2024-01-02,1,2,0.5,1.5,1.4,100\n2024-01-03,1,2,0.5,,null,\n';
    assert.deepEqual(readCsvTable('eod', text, 'X.csv'), {
      header: ['Date', 'Open', 'High', 'Low', 'Close', 'Adj Close', 'Volume'],
      headerLine: 1,
      rows: [
        { record: ['2024-01-02', '1', '2', '0.5', '1.5', '1.4', '100'], line: 3 },
        { record: ['2024-01-03', '1', '2', '0.5', '', 'null', ''], line: 4 },
      ],
    });
  });

  it('reads a file as the full CSV parser does whenever it takes the plain path', () => {
    const next = random(14);
    let plain = 0;
    for (let n = 0; n < 2_000; n++) {
      const pieces = Array.from(
        { length: 1 + Math.floor(next() * 30) },
        () => PIECES[Math.floor(next() * PIECES.length)]!,
      );
      const text = (next() < 0.2 ? '\ufeff' : '') + pieces.join('');
      sameTable(text);
      sameTable(text.replace(/["\t\r]/g, ''));
      sameTable(text.replace(/["\t]/g, '').replace(/\r?\n/g, '\r\n'));
      if (plainCsvTable(text.replace(/["\t\r ]/g, ''))) plain++;
    }
    // The comparison means something only if the plain path was taken often.
    assert.ok(plain > 1_600, `plain path taken ${plain} times`);
  });

  it('leaves quoted fields, fields with spaces around them and mixed line endings to the full parser', () => {
    for (const text of [
      '"Date",Close\n2024-01-02,1\n',
      'Date, Close\n',
      'Date,Close \n',
      'Date,Close\r\n2024-01-02,1\n',
    ])
      assert.equal(plainCsvTable(text), null, JSON.stringify(text));
  });
});
