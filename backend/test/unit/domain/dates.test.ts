import assert from 'node:assert/strict';
import { addDays, dayNumber, isCalendarDate, spanStart } from '../../../src/domain/dates.js';

const viaDate = (date: string): number => Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);

describe('calendar dates', () => {
  it('day numbers agree with Date for every day from 1899 to 2101, leap days included', () => {
    for (let d = '1899-01-01'; d <= '2101-12-31'; d = addDays(d, 1)) {
      assert.equal(dayNumber(d), viaDate(d), d);
      assert.equal(isCalendarDate(d), true, d);
    }
    assert.equal(dayNumber('1970-01-01'), 0);
    assert.equal(dayNumber('2000-02-29'), 11_016);
  });

  it('rejects days that do not exist and text that is not YYYY-MM-DD', () => {
    for (const bad of [
      '2025-02-29',
      '1900-02-29',
      '2025-04-31',
      '2025-13-01',
      '2025-00-10',
      '2025-01-00',
      '2025-1-01',
      '20250101',
      ' 2025-01-01',
      'abcd-ef-gh',
    ]) {
      assert.equal(isCalendarDate(bad), false, bad);
    }
    for (const good of ['2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31'])
      assert.equal(isCalendarDate(good), true, good);
  });

  it('a span of whole years starts the day after the same date that many years earlier', () => {
    assert.equal(spanStart('2025-10-24', 3), '2022-10-25', 'the demo data set: 2022-10-25..2025-10-24');
    assert.equal(spanStart('2025-12-31', 1), '2025-01-01');
    assert.equal(spanStart('2024-03-01', 1), '2023-03-02');
    // No 29 February a year earlier: it rolls over to 1 March, and the span starts the day after.
    assert.equal(spanStart('2024-02-29', 1), '2023-03-02');
    assert.equal(spanStart('2028-02-29', 4), '2024-03-01');
  });
});
