import assert from 'node:assert/strict';
import { calendarUsed } from '../../../src/domain/calendar.js';
import { parseSecurityMapping } from '../../../src/domain/security-mapping.js';
import { AppError } from '../../../src/errors.js';
import { prefetched } from '../../../src/services/packs/prefetch.js';

describe('prefetched', () => {
  it('yields in input order with at most `ahead` fetches beyond the one consumed, and keeps failures for their turn', async () => {
    let running = 0;
    let most = 0;
    const fetch = async (n: number) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, (7 - n) * 2));
      running--;
      if (n === 3) throw new Error('three failed');
      return n * 10;
    };
    const out: string[] = [];
    for await (const { item, fetched } of prefetched([1, 2, 3, 4, 5, 6], 2, fetch))
      out.push(fetched.ok ? `${item}:${fetched.value}` : `${item}:${(fetched.error as Error).message}`);
    assert.deepEqual(out, ['1:10', '2:20', '3:three failed', '4:40', '5:50', '6:60']);
    assert.equal(most, 3);
  });

  it('aborts the fetches still running when the loop is left early', async () => {
    const signals: AbortSignal[] = [];
    for await (const { item } of prefetched([1, 2, 3], 2, (n, signal) => {
      signals.push(signal);
      return Promise.resolve(n);
    }))
      if (item === 1) break;
    assert.ok(signals.every((s) => s.aborted));
  });
});

describe('parseSecurityMapping', () => {
  it('reads symbol and currency, states what it does not know, and names every bad row', () => {
    assert.deepEqual(parseSecurityMapping('\uFEFF"symbol","currency","name"\nACME,usd,Acme Corp\nBETA.DE,EUR,\n'), [
      { symbol: 'ACME', currency: 'USD', name: 'Acme Corp', sector: 'Unclassified', asset_class: 'Unclassified' },
      { symbol: 'BETA.DE', currency: 'EUR', name: 'BETA.DE', sector: 'Unclassified', asset_class: 'Unclassified' },
    ]);
    assert.throws(
      () => parseSecurityMapping('symbol,currency\nACME,US\nACME,USD\nACME,EUR\n'),
      (e: AppError) =>
        e.code === 'invalid_request' &&
        /row 1: ACME: currency "US"/.test(e.message) &&
        (e.details.errors as { row: number }[]).map((r) => r.row).join() === '1,3',
    );
    assert.throws(() => parseSecurityMapping('ticker,ccy\nACME,USD\n'), /must name symbol and currency/);
  });
});

describe('calendarUsed', () => {
  it('states the rule, the closures in the range and the years without listed closures', () => {
    const c = calendarUsed('2025-12-20', '2026-01-10');
    assert.equal(c.name, 'XNYS');
    assert.deepEqual(c.holidays, ['2025-12-25']);
    assert.deepEqual(c.weekday_only_years, [2026]);
    assert.equal(c.trading_days, 14);
  });
});
