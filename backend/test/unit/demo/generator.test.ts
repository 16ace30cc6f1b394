import assert from 'node:assert/strict';
import { hashCanonical } from '../../../src/domain/canonical.js';
import type { Transaction } from '../../../src/domain/ledger/types.js';
import { NYSE_HOLIDAYS } from '../../../src/domain/calendar.js';
import { generateDemo, type DemoData } from '../../../src/demo/generator.js';

const SEED = 20251024;
const REQUIRED_TYPES = ['DEPOSIT', 'WITHDRAWAL', 'BUY', 'SELL', 'DIVIDEND', 'INTEREST', 'FEE', 'SPLIT'];

/** An independent replay: holdings per symbol and cash per currency in integer minor units. */
function replay(data: DemoData, txs: readonly Transaction[]): { holdings: Map<string, number>; problems: string[] } {
  const currencyOf = new Map(data.securities.map((s) => [s.symbol, s.currency]));
  const closes = new Map(data.days.map((d) => [d.date, new Map(d.prices.map((p) => [p.symbol, p.close]))]));
  const minor = (v: number, ccy: string) => Math.round(v * (ccy === 'JPY' ? 1 : 100));
  const holdings = new Map<string, number>();
  const cash = new Map<string, number>();
  const problems: string[] = [];
  txs.forEach((tx, i) => {
    const where = `#${i} ${tx.date} ${tx.type} ${tx.symbol ?? ''}`;
    const move = (delta: number) => cash.set(tx.currency, (cash.get(tx.currency) ?? 0) + delta);
    if (tx.symbol !== null && currencyOf.get(tx.symbol) !== tx.currency)
      problems.push(`${where}: currency ${tx.currency}`);
    const held = tx.symbol === null ? 0 : (holdings.get(tx.symbol) ?? 0);
    switch (tx.type) {
      case 'BUY':
      case 'SELL': {
        const close = closes.get(tx.date)?.get(tx.symbol ?? '');
        if (close === undefined || tx.price !== close)
          problems.push(`${where}: price ${tx.price} is not the close ${close}`);
        const qty = tx.quantity ?? NaN;
        if (!Number.isInteger(qty) || qty <= 0) problems.push(`${where}: quantity ${qty}`);
        const gross = qty * minor(tx.price ?? NaN, tx.currency);
        if (tx.type === 'BUY') {
          holdings.set(tx.symbol!, held + qty);
          move(-gross - minor(tx.fee, tx.currency));
        } else {
          if (qty > held) problems.push(`${where}: sells ${qty} of ${held}`);
          holdings.set(tx.symbol!, held - qty);
          move(gross - minor(tx.fee, tx.currency));
        }
        break;
      }
      case 'SPLIT':
        holdings.set(tx.symbol!, held * (tx.quantity ?? NaN));
        break;
      case 'DEPOSIT':
      case 'DIVIDEND':
      case 'INTEREST':
        move(minor(tx.amount ?? NaN, tx.currency));
        break;
      case 'WITHDRAWAL':
      case 'FEE':
        move(-minor(tx.amount ?? NaN, tx.currency));
        break;
      default:
        problems.push(`${where}: unexpected type`);
    }
    if ((cash.get(tx.currency) ?? 0) < 0) problems.push(`${where}: ${tx.currency} cash negative`);
  });
  return { holdings, problems };
}

describe('demo data generator', () => {
  let data: DemoData;
  before(() => {
    data = generateDemo({ seed: SEED });
  });

  it('is deterministic: the same seed gives byte-identical output', () => {
    assert.equal(hashCanonical(generateDemo({ seed: SEED })), hashCanonical(data));
  });

  it('gives different prices for a different seed on the same calendar', () => {
    const other = generateDemo({ seed: SEED + 1 });
    assert.deepEqual(
      other.days.map((d) => d.date),
      data.days.map((d) => d.date),
    );
    assert.deepEqual(other.securities, data.securities);
    assert.notEqual(hashCanonical(other.days.map((d) => d.prices)), hashCanonical(data.days.map((d) => d.prices)));
    assert.deepEqual(other.days[0]!.prices, data.days[0]!.prices, 'both start from the real start prices');
  });

  it('has about 60 S&P 500 names plus EUR, GBP, JPY and CAD listings and bond ETFs', () => {
    const usEquities = data.securities.filter((s) => s.currency === 'USD' && s.asset_class === 'equity');
    assert.ok(usEquities.length >= 55 && usEquities.length <= 65, `${usEquities.length} US equities`);
    assert.equal(new Set(usEquities.map((s) => s.sector)).size, 11, 'all GICS sectors');
    for (const ccy of ['EUR', 'GBP', 'JPY', 'CAD'])
      assert.ok(
        data.securities.some((s) => s.currency === ccy),
        ccy,
      );
    const bonds = data.securities.filter((s) => s.asset_class === 'fixed_income');
    assert.deepEqual(
      bonds.map((s) => s.symbol),
      ['IEF', 'LQD'],
    );
    assert.ok(data.securities.find((s) => s.symbol === 'NVDA'));
  });

  it('trades on weekdays only, skipping NYSE holidays, for about three years up to the end date', () => {
    const dates = data.days.map((d) => d.date);
    for (const date of dates) {
      const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
      assert.ok(weekday >= 1 && weekday <= 5, `${date} is a weekend`);
    }
    const holidaysInRange = NYSE_HOLIDAYS.filter((h) => h >= dates[0]! && h <= dates.at(-1)!);
    assert.ok(holidaysInRange.length >= 25, 'holidays fall in the range');
    for (const h of holidaysInRange) assert.ok(!dates.includes(h), `holiday ${h} is a trading day`);
    for (const h of ['2023-04-07', '2023-11-23', '2024-12-25', '2025-01-01']) assert.ok(!dates.includes(h), h);
    assert.equal(dates.at(-1), '2025-10-24');
    assert.ok(dates[0]! >= '2022-10-25' && dates[0]! <= '2022-10-31');
    assert.ok(dates.length >= 745 && dates.length <= 760, `${dates.length} trading days`);
    assert.deepEqual([...dates].sort(), dates);
    assert.equal(new Set(dates).size, dates.length);
  });

  it('prices every security on every trading day with positive, suitably rounded closes', () => {
    const symbols = data.securities.map((s) => s.symbol);
    for (const day of data.days) {
      assert.deepEqual(
        day.prices.map((p) => p.symbol),
        symbols,
        day.date,
      );
      for (const p of day.prices) {
        assert.ok(p.close > 0, `${p.symbol} ${day.date}`);
        const places = p.currency === 'JPY' ? 1 : 100;
        assert.equal(Math.round(p.close * places) / places, p.close, `${p.symbol} ${day.date} ${p.close}`);
      }
    }
  });

  it('reflects the NVDA 10-for-1 split in its closes and nowhere else', () => {
    const at = data.days.findIndex((d) => d.date === '2024-06-10');
    assert.ok(at > 0);
    const close = (i: number, s: string) => data.days[i]!.prices.find((p) => p.symbol === s)!.close;
    const ratio = close(at - 1, 'NVDA') / close(at, 'NVDA');
    assert.ok(ratio > 7 && ratio < 14, `NVDA fell by ${ratio}x over the split`);
    for (let i = 1; i < data.days.length; i++) {
      for (const s of data.securities) {
        const r = close(i - 1, s.symbol) / close(i, s.symbol);
        if (s.symbol === 'NVDA' && i === at) continue;
        assert.ok(r > 0.7 && r < 1.4, `${s.symbol} moved ${r}x on ${data.days[i]!.date}`);
      }
    }
  });

  it('quotes all six currencies every day', () => {
    for (const day of data.days) {
      assert.deepEqual(
        day.fx.map((r) => `${r.base}/${r.quote}`),
        ['CAD/USD', 'CHF/USD', 'EUR/USD', 'GBP/USD', 'JPY/USD'],
        day.date,
      );
      for (const r of day.fx) assert.equal(Number(r.rate.toPrecision(6)), r.rate);
    }
    const eur = data.days.map((d) => d.fx.find((r) => r.base === 'EUR')!.rate);
    assert.ok(Math.min(...eur) > 0.85 && Math.max(...eur) < 1.35, 'EUR stays in a plausible band');
  });

  it('builds three portfolios in USD, CAD and EUR, each with a multi-commit ledger', () => {
    assert.deepEqual(
      data.portfolios.map((p) => [p.id, p.base_currency]),
      [
        ['pf_demo_usd', 'USD'],
        ['pf_demo_cad', 'CAD'],
        ['pf_demo_eur', 'EUR'],
      ],
    );
    for (const p of data.portfolios) {
      assert.ok(p.batches.length >= 8, `${p.id} has ${p.batches.length} commits`);
      for (const batch of p.batches) assert.ok(batch.length > 0);
    }
  });

  it('writes transactions in the canonical shape', () => {
    const keys = ['amount', 'currency', 'date', 'fee', 'note', 'price', 'quantity', 'symbol', 'type'];
    const tradingDays = new Set(data.days.map((d) => d.date));
    for (const p of data.portfolios) {
      const txs = p.batches.flat();
      assert.deepEqual(
        txs.map((t) => t.date),
        [...txs.map((t) => t.date)].sort(),
        `${p.id} in date order`,
      );
      for (const tx of txs) {
        assert.deepEqual(Object.keys(tx).sort(), keys);
        assert.ok(tradingDays.has(tx.date), `${tx.date} is a trading day`);
        assert.ok(tx.fee >= 0);
        for (const v of [tx.quantity, tx.price, tx.amount])
          assert.ok(v === null || v > 0, `${p.id} ${tx.type} ${tx.date}`);
        if (['DEPOSIT', 'WITHDRAWAL', 'INTEREST', 'FEE'].includes(tx.type)) assert.equal(tx.symbol, null);
      }
    }
  });

  it('gives every portfolio deposits, trades, income, costs, a split and a withdrawal', () => {
    for (const p of data.portfolios) {
      const types = new Set(p.batches.flat().map((t) => t.type));
      for (const type of REQUIRED_TYPES) assert.ok(types.has(type as Transaction['type']), `${p.id} lacks ${type}`);
      const split = p.batches.flat().find((t) => t.type === 'SPLIT')!;
      assert.deepEqual([split.date, split.symbol, split.quantity], ['2024-06-10', 'NVDA', 10]);
    }
  });

  it('never oversells, never overdraws a currency, and trades at the close in the listing currency', () => {
    for (const p of data.portfolios) {
      const { problems } = replay(data, p.batches.flat());
      assert.deepEqual(problems, [], p.id);
    }
  });

  it('funds foreign holdings with cash in their currency', () => {
    const cad = data.portfolios.find((p) => p.id === 'pf_demo_cad')!.batches.flat();
    assert.ok(cad.some((t) => t.type === 'DEPOSIT' && t.currency === 'USD'));
    assert.ok(cad.some((t) => t.type === 'BUY' && t.currency === 'USD'));
  });

  it('sells part of positions bought in several lots, so lot order matters', () => {
    for (const p of data.portfolios) {
      const lots = new Map<string, Set<number>>();
      const held = new Map<string, number>();
      let fifoSensitive = 0;
      for (const tx of p.batches.flat()) {
        const s = tx.symbol ?? '';
        if (tx.type === 'BUY') {
          lots.set(s, (lots.get(s) ?? new Set()).add(tx.price!));
          held.set(s, (held.get(s) ?? 0) + tx.quantity!);
        } else if (tx.type === 'SPLIT') {
          held.set(s, (held.get(s) ?? 0) * tx.quantity!);
        } else if (tx.type === 'SELL') {
          if (tx.quantity! < held.get(s)! && (lots.get(s)?.size ?? 0) > 1) fifoSensitive++;
          held.set(s, held.get(s)! - tx.quantity!);
        }
      }
      assert.ok(fifoSensitive >= 3, `${p.id}: ${fifoSensitive} partial sells across lots`);
    }
  });

  it('keeps its invariants for other seeds', () => {
    for (const seed of [0, 1, 7, 99, 2 ** 31 - 1]) {
      const other = generateDemo({ seed });
      for (const p of other.portfolios) {
        assert.deepEqual(replay(other, p.batches.flat()).problems, [], `seed ${seed} ${p.id}`);
        const types = new Set(p.batches.flat().map((t) => t.type));
        for (const type of REQUIRED_TYPES)
          assert.ok(types.has(type as Transaction['type']), `seed ${seed}: ${p.id} lacks ${type}`);
      }
    }
  });

  it('makes the USD portfolio the large one, with about 40 positions at the end', () => {
    const usd = data.portfolios.find((p) => p.id === 'pf_demo_usd')!;
    const { holdings } = replay(data, usd.batches.flat());
    const open = [...holdings.values()].filter((q) => q > 0).length;
    assert.ok(open >= 35 && open <= 45, `${open} open positions`);
    const sizes = data.portfolios.map((p) => p.batches.flat().length);
    assert.equal(Math.max(...sizes), sizes[0]);
  });
});
