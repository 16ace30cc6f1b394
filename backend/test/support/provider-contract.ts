import assert from 'node:assert/strict';
import { AppError } from '../../src/errors.js';
import { BreakerRegistry } from '../../src/providers/breakers.js';
import type { MarketDataProvider, MarketSnapshot, SnapshotRequest } from '../../src/providers/provider.js';

/**
 * What the shared contract needs to know about a provider under test (docs/providers.md#test-kit).
 * A team adding a vendor calls `providerContract` from its own test file with fixtures of its own.
 */
export interface ProviderContract {
  /** A fresh provider whose breakers live in `registry`, e.g. `createProvider(name, config, registry)`. */
  make(registry: BreakerRegistry): MarketDataProvider;
  /** A date the source covers. */
  date: string;
  /** Symbols it has a close for on `date` (empty for a source of FX rates only). */
  symbols: readonly string[];
  /** Their listing currencies, for sources whose files carry none. */
  currencies?: ReadonlyMap<string, string>;
  /** Pairs (`BASE/QUOTE`) it can answer on `date` (empty for a source of closes only). */
  pairs: readonly string[];
  /** A date it has nothing for. */
  uncovered: string;
}

const CURRENCY = /^[A-Z]{3}$/;
const WARNING_CODES = new Set(['carried_forward', 'currency_unknown']);

function assertWellFormed(s: MarketSnapshot, req: SnapshotRequest): void {
  assert.equal(s.date, req.date, 'the snapshot is for the date asked');
  const symbols = s.prices.map((p) => p.symbol);
  assert.equal(new Set(symbols).size, symbols.length, `no symbol twice: ${symbols.join(',')}`);
  for (const p of s.prices) {
    assert.ok(Number.isFinite(p.close) && p.close > 0, `${p.symbol} close ${p.close} is a positive number`);
    assert.match(p.currency, CURRENCY, `${p.symbol} currency`);
  }
  const pairs = s.fx.map((r) => [r.base, r.quote].sort().join('/'));
  assert.equal(new Set(pairs).size, pairs.length, `no pair twice (either way round): ${pairs.join(',')}`);
  for (const r of s.fx) {
    assert.ok(Number.isFinite(r.rate) && r.rate > 0, `${r.base}/${r.quote} rate ${r.rate} is a positive number`);
    assert.match(r.base, CURRENCY);
    assert.match(r.quote, CURRENCY);
    assert.notEqual(r.base, r.quote);
  }
  for (const w of s.warnings ?? []) {
    assert.ok(WARNING_CODES.has(w.code), `known warning code ${w.code}`);
    assert.ok(w.subject && w.message, 'a warning names its subject and says what happened');
  }
}

function assertPermanent(e: unknown, provider: string): true {
  assert.ok(e instanceof AppError, `an AppError, got ${String(e)}`);
  assert.equal(e.code, 'dependency_unavailable');
  assert.equal(e.details.permanent, true, e.message);
  // A combined source (`eod+ecb`) names the part that failed.
  assert.ok(provider.split('+').includes(String(e.details.provider)), `${String(e.details.provider)} is ${provider}`);
  return true;
}

/** The shared provider contract, as one mocha suite per provider. */
export function providerContract(title: string, c: ProviderContract): void {
  describe(`provider contract: ${title}`, () => {
    let registry: BreakerRegistry;
    let provider: MarketDataProvider;
    const ask = (over: Partial<SnapshotRequest> = {}): SnapshotRequest => ({
      date: c.date,
      symbols: c.symbols,
      pairs: c.pairs,
      ...(c.currencies ? { currencies: c.currencies } : {}),
      ...over,
    });
    beforeEach(() => {
      registry = new BreakerRegistry();
      provider = c.make(registry);
    });

    it('answers for the date asked with positive, unique, well-formed rows', async () => {
      const req = ask();
      const s = await provider.snapshot(req);
      assertWellFormed(s, req);
      assert.deepEqual(s.prices.map((p) => p.symbol).sort(), [...c.symbols].sort(), 'every symbol it has');
      if (c.pairs.length > 0) assert.ok(s.fx.length > 0, 'rates for the pairs it quotes');
      const everything = ask({ symbols: [], pairs: [] });
      let all: MarketSnapshot;
      try {
        all = await provider.snapshot(everything);
      } catch (e) {
        // A source that cannot list its symbols (a URL template) must say so rather than answer with none.
        assert.ok(
          !('listSymbols' in provider),
          `a source that lists its symbols answers for all of them: ${String(e)}`,
        );
        assertPermanent(e, provider.name);
        return;
      }
      assertWellFormed(all, everything);
      for (const symbol of c.symbols)
        assert.ok(
          all.prices.some((p) => p.symbol === symbol),
          `everything includes ${symbol}`,
        );
    });

    it('returns only what was asked for and never invents a symbol or a pair', async () => {
      const s = await provider.snapshot(ask({ symbols: [...c.symbols, 'NOT.LISTED'], pairs: [...c.pairs, 'XAU/XAG'] }));
      assert.ok(!s.prices.some((p) => p.symbol === 'NOT.LISTED'), 'an unknown symbol is absent, not made up');
      for (const p of s.prices) assert.ok(c.symbols.includes(p.symbol), `${p.symbol} was asked for`);
      const asked = new Set(c.pairs.flatMap((p) => [p, p.split('/').reverse().join('/')]));
      for (const r of s.fx) assert.ok(asked.has(`${r.base}/${r.quote}`), `${r.base}/${r.quote} was asked for`);
      for (const pair of c.pairs) {
        const [a, b] = pair.split('/');
        assert.ok(
          s.fx.some((r) => (r.base === a && r.quote === b) || (r.base === b && r.quote === a)),
          `${pair} is answered`,
        );
      }
    });

    it('gives the same answer to the same request', async () => {
      assert.deepEqual(await provider.snapshot(ask()), await c.make(new BreakerRegistry()).snapshot(ask()));
    });

    it('refuses an invalid date as permanent, without counting against its breaker', async () => {
      for (let i = 0; i < 6; i++)
        await assert.rejects(provider.snapshot(ask({ date: '2024-02-30' })), (e) => assertPermanent(e, provider.name));
      for (const b of registry.states()) assert.equal(b.state, 'closed', `${b.name} stays closed`);
    });

    it('reports a date it does not cover as permanent', async () => {
      await assert.rejects(provider.snapshot(ask({ date: c.uncovered })), (e) => assertPermanent(e, provider.name));
    });

    it('stops when the caller gives up', async () => {
      const gaveUp = new AbortController();
      gaveUp.abort(new Error('caller gave up'));
      await assert.rejects(provider.snapshot(ask({ signal: gaveUp.signal })), /caller gave up/);
    });
  });
}
