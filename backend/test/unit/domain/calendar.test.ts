import assert from 'node:assert/strict';
import { CALENDAR_FIRST_DATE, packDateProblem } from '../../../src/domain/calendar.js';

describe('domain/calendar: which dates a pack can be built for', () => {
  const today = '2026-12-05';

  it('starts its range with the first year whose NYSE closures are listed', () => {
    assert.equal(CALENDAR_FIRST_DATE, '2022-01-01');
  });

  it('accepts every date from the start of the range up to and including today', () => {
    for (const date of ['2022-01-01', '2022-01-03', '2025-10-24', '2026-12-04', today])
      assert.equal(packDateProblem(date, today), null, date);
  });

  it('refuses a date before the range, naming where the range starts', () => {
    for (const date of ['2021-12-31', '1999-01-04', '0001-01-01']) {
      const problem = packDateProblem(date, today);
      assert.match(problem ?? '', new RegExp(`^${date} is before the trading calendar's range`), date);
      assert.match(problem!, /from 2022-01-01/);
    }
  });

  it('refuses a date after today, naming today', () => {
    for (const date of ['2026-12-06', '2027-01-04', '9999-12-31']) {
      assert.equal(
        packDateProblem(date, today),
        `${date} is in the future (today is ${today} UTC); packs are built for dates that have closed`,
      );
    }
  });
});
