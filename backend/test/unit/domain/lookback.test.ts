import assert from 'node:assert/strict';
import { lookbackPackCount, lookbackWindow } from '../../../src/domain/lookback.js';
import { AppError } from '../../../src/errors.js';

const packs = (...dates: string[]) => dates.map((date) => ({ id: `PP_${date}`, date }));

describe('domain lookbackWindow', () => {
  it('needs one pack more than the days asked for: the first day and each day after it', () => {
    assert.equal(lookbackPackCount(1), 2);
    assert.equal(lookbackPackCount(252), 253);
  });

  it('starts the period at the oldest of the packs, newest first, with no warning when all are there', () => {
    const recent = packs('2025-10-24', '2025-10-23', '2025-10-22');
    const w = lookbackWindow(recent, 2, 'PP_2025-10-24');
    assert.equal(w.first.id, 'PP_2025-10-22');
    assert.deepEqual(w.packs, recent);
    assert.deepEqual(w.warnings, []);
  });

  it('shortens the period with a warning when fewer pricing days exist than asked for', () => {
    const w = lookbackWindow(packs('2022-10-26', '2022-10-25'), 20, 'PP_2022-10-26');
    assert.equal(w.first.date, '2022-10-25');
    assert.deepEqual(w.warnings, [
      {
        code: 'lookback_shortened',
        message: 'only 1 pricing days are available before the pinned pack, fewer than the 20 asked for',
      },
    ]);
  });

  it('gives an empty period (first day = pinned day) when the pinned pack is the only one', () => {
    const w = lookbackWindow(packs('2022-10-25'), 1, 'PP_2022-10-25');
    assert.equal(w.first.id, 'PP_2022-10-25');
    assert.equal(w.warnings[0]?.code, 'lookback_shortened');
    assert.match(w.warnings[0].message, /only 0 pricing days/);
  });

  it('is pricing_pack_not_found when no fresh pack exists on or before the pin', () => {
    assert.throws(
      () => lookbackWindow([], 5, 'PP_2025-10-24'),
      (e: unknown) =>
        e instanceof AppError &&
        e.code === 'pricing_pack_not_found' &&
        e.message === 'no fresh pricing pack on or before PP_2025-10-24',
    );
  });
});
