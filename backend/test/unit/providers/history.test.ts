import assert from 'node:assert/strict';
import { crossRates } from '../../../src/providers/cross-rates.js';
import { parseEcbCsv, parseEcbXml } from '../../../src/providers/ecb.js';
import { parseEodHistory } from '../../../src/providers/eod.js';
import { Series } from '../../../src/providers/series.js';

describe('providers/series Series.at', () => {
  const s = new Series([
    { date: '2024-04-02', value: 2 },
    { date: '2024-03-28', value: 1 },
    { date: '2024-04-10', value: 3 },
  ]);
  it('gives the day’s own value', () => assert.deepEqual(s.at('2024-04-02', 7), { value: 2, date: '2024-04-02' }));
  it('carries the last value up to the limit, inclusive', () => {
    assert.deepEqual(s.at('2024-04-01', 4), { value: 1, date: '2024-03-28' });
    assert.equal(s.at('2024-04-01', 3), null);
    assert.deepEqual(s.at('2024-04-09', 7), { value: 2, date: '2024-04-02' });
  });
  it('has nothing before the first day', () => assert.equal(s.at('2024-03-27', 31), null));
  it('keeps only the window asked for', () => {
    const w = new Series(
      [
        { date: '2024-03-28', value: 1 },
        { date: '2024-04-10', value: 3 },
      ],
      { from: '2024-04-01', to: '2024-04-30' },
    );
    assert.equal(w.length, 1);
    assert.equal(w.at('2024-04-05', 7), null);
  });
});

describe('providers/cross-rates crossRates', () => {
  const day = new Map([
    ['USD', 1.0652],
    ['JPY', 163.16],
    ['GBP', 0.85205],
  ]);
  it('gives the source’s own quotes when no pair is asked for, sorted', () =>
    assert.deepEqual(
      crossRates('EUR', day, []).map((r) => `${r.base}/${r.quote}`),
      ['EUR/GBP', 'EUR/JPY', 'EUR/USD'],
    ));
  it('keeps the source’s direction for a pair with the base on one side', () =>
    assert.deepEqual(crossRates('EUR', day, ['USD/EUR']), [{ base: 'EUR', quote: 'USD', rate: 1.0652 }]));
  it('crosses any other pair through the base, once for a pair and its inverse', () => {
    assert.deepEqual(crossRates('EUR', day, ['GBP/USD', 'USD/GBP']), [
      { base: 'GBP', quote: 'USD', rate: 1.250161376 },
    ]);
    assert.equal(Number((1.0652 / 0.85205).toPrecision(10)), 1.250161376);
  });
  it('leaves out a pair naming a currency without a rate', () =>
    assert.deepEqual(crossRates('EUR', day, ['USD/CHF', 'CHF/EUR']), []));
});

describe('providers/eod parseEodHistory', () => {
  it('reads Date and Close whatever the other columns, skipping days of nulls', () =>
    assert.deepEqual(parseEodHistory('eod', 'date,close\n2024-01-02,5\n2024-01-03,null\n', 'X.csv'), [
      { date: '2024-01-02', value: 5 },
    ]));
  it('rejects a date that is not YYYY-MM-DD, a repeated date and a short row, naming the line', () => {
    assert.throws(
      () => parseEodHistory('eod', 'Date,Close\n01/02/2024,5\n', 'X.csv'),
      /X\.csv line 2: date "01\/02\/2024" is not YYYY-MM-DD/,
    );
    assert.throws(
      () => parseEodHistory('eod', 'Date,Close\n2024-01-02,5\n2024-01-02,6\n', 'X.csv'),
      /line 3: date 2024-01-02 appears more than once/,
    );
    assert.throws(
      () => parseEodHistory('eod', 'Date,Open,Close\n2024-01-02,5\n', 'X.csv'),
      /line 2: expected 3 fields, found 2/,
    );
  });
});

describe('providers/ecb parsers', () => {
  it('reads the history CSV’s trailing comma and N/A, and the daily CSV’s long dates', () => {
    const [day] = parseEcbCsv('Date,USD,CYP,\n2024-04-12,1.0652,N/A,\n', 'h.csv');
    assert.deepEqual([...day!.rates], [['USD', 1.0652]]);
    assert.equal(parseEcbCsv('Date, USD, \n1 April 2024, 1.08, \n', 'd.csv')[0]!.date, '2024-04-01');
  });
  it('rejects a bad rate naming the line and currency, and a file that is not the ECB’s', () => {
    assert.throws(() => parseEcbCsv('Date,USD\n2024-04-12,0\n', 'h.csv'), /h\.csv line 2: USD rate 0 must be positive/);
    assert.throws(() => parseEcbXml('<a><b></a>', 'd.xml'), /d\.xml line 1: malformed XML/);
    assert.throws(() => parseEcbXml('<Envelope><x/></Envelope>', 'd.xml'), /no <Cube time="..."> elements/);
  });
});
