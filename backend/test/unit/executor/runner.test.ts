import assert from 'node:assert/strict';
import { z } from 'zod';
import { AppError } from '../../../src/errors.js';
import type { CapabilityCall } from '../../../src/executor/capability.js';
import type { Pattern } from '../../../src/executor/pattern.js';
import { runPattern, type StepReport } from '../../../src/executor/runner.js';
import { cap, ctx, deferred, pattern, registryOf, untilAborted } from './fixtures.js';

const opts = { timeoutMs: 5000 };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected the run to reject');
}

describe('executor/runner', () => {
  it('passes resolved args with their types and returns exactly the outputs', async () => {
    const seen: unknown[] = [];
    const registry = registryOf(
      cap('ledger.positions', async (args) => {
        seen.push(args);
        return { items: [{ symbol: 'AAPL', quantity: 3 }], total: 1 };
      }),
      cap('echo'),
      cap('nothing', async () => undefined),
    );
    const p = pattern({
      inputs: { portfolio_id: { type: 'string', required: true }, top_n: { type: 'integer', default: 5 } },
      steps: [
        {
          capability: 'ledger.positions',
          as: 'positions',
          args: { portfolio_id: '{{inputs.portfolio_id}}', n: '{{inputs.top_n}}' },
        },
        {
          capability: 'echo',
          as: 'summary',
          args: {
            first: '{{positions.items.0}}',
            total: '{{positions.total}}',
            missing: '{{positions.nope.deeper}}',
            pins: ['{{ctx.asof_date}}', '{{ctx.pricing_pack_id}}', '{{ctx.ledger_commit_hash}}'],
          },
        },
        { capability: 'nothing', as: 'empty' },
        { capability: 'echo', as: 'unused' },
      ],
      outputs: ['summary', 'empty'],
    });
    const run = await runPattern(p, { portfolio_id: 'p1', top_n: 5 }, ctx, registry, opts);
    assert.deepEqual(seen, [{ portfolio_id: 'p1', n: 5 }]);
    assert.deepEqual(run.result, {
      summary: {
        first: { symbol: 'AAPL', quantity: 3 },
        total: 1,
        missing: null,
        pins: [ctx.asof_date, ctx.pricing_pack_id, ctx.ledger_commit_hash],
      },
      empty: null,
    });
    assert.deepEqual(Object.keys(run.result), ['summary', 'empty']);
    assert.deepEqual(
      run.steps.map(({ as, capability, status }) => ({ as, capability, status })),
      [
        { as: 'positions', capability: 'ledger.positions', status: 'ok' },
        { as: 'summary', capability: 'echo', status: 'ok' },
        { as: 'empty', capability: 'nothing', status: 'ok' },
        { as: 'unused', capability: 'echo', status: 'ok' },
      ],
    );
    assert.ok(run.steps.every((s) => typeof s.duration_ms === 'number' && s.duration_ms >= 0));
    assert.deepEqual(run.warnings, []);
  });

  it('runs independent steps concurrently and a dependent step after both', async () => {
    const aStarted = deferred();
    const bStarted = deferred();
    const log: string[] = [];
    // Each waits for the other to have started: run one after the other, they would never finish.
    const registry = registryOf(
      cap('a', async () => {
        log.push('a start');
        aStarted.resolve();
        await bStarted.promise;
        log.push('a end');
        return 'A';
      }),
      cap('b', async () => {
        log.push('b start');
        bStarted.resolve();
        await aStarted.promise;
        log.push('b end');
        return 'B';
      }),
      cap('join', async (args) => {
        log.push('join');
        return args;
      }),
    );
    const p = pattern({
      timeout_ms: 2000,
      inputs: {},
      steps: [
        { capability: 'a', as: 'a' },
        { capability: 'b', as: 'b' },
        { capability: 'join', as: 'joined', args: { a: '{{a}}', b: '{{b}}' } },
      ],
      outputs: ['joined'],
    });
    const run = await runPattern(p, {}, ctx, registry, opts);
    assert.deepEqual(run.result, { joined: { a: 'A', b: 'B' } });
    assert.equal(log.at(-1), 'join');
    assert.deepEqual(log.slice(0, 2).sort(), ['a start', 'b start']);
  });

  it('waits for steps read only by a condition', async () => {
    const gate = deferred<number>();
    const registry = registryOf(
      cap('slow', () => gate.promise),
      cap('echo'),
    );
    const p = pattern({
      inputs: {},
      steps: [
        { capability: 'slow', as: 'count' },
        { capability: 'echo', as: 'detail', args: { x: 1 }, when: '{{count}} > 0' },
      ],
      outputs: ['detail'],
    });
    const running = runPattern(p, {}, ctx, registry, opts);
    setImmediate(() => gate.resolve(2));
    assert.deepEqual((await running).result, { detail: { x: 1 } });
  });

  it('skips a step whose condition is false, and every step that reads it', async () => {
    const ran: string[] = [];
    const track = (name: string) => cap(name, async (args) => (ran.push(name), args ?? {}));
    const registry = registryOf(track('perf'), track('report'), track('extra'), track('positions'));
    const p = pattern({
      inputs: { include_performance: { type: 'boolean', default: false } },
      steps: [
        { capability: 'positions', as: 'positions', args: { n: 1 } },
        {
          capability: 'perf',
          as: 'perf',
          args: { p: '{{positions}}' },
          when: '{{inputs.include_performance}} == true',
        },
        { capability: 'report', as: 'report', args: { twr: '{{perf.twr}}' } },
        { capability: 'extra', as: 'extra', args: {}, when: '{{report}} != null || true' },
      ],
      outputs: ['positions', 'perf', 'report', 'extra'],
    });
    const run = await runPattern(p, { include_performance: false }, ctx, registry, opts);
    assert.deepEqual(ran, ['positions']);
    assert.deepEqual(run.result, { positions: { n: 1 }, perf: null, report: null, extra: null });
    assert.deepEqual(
      run.steps.map((s) => [s.as, s.status]),
      [
        ['positions', 'ok'],
        ['perf', 'skipped'],
        ['report', 'skipped'],
        ['extra', 'skipped'],
      ],
    );
    const on = await runPattern(p, { include_performance: true }, ctx, registry, opts);
    assert.deepEqual(on.result.report, { twr: null });
    assert.ok(on.steps.every((s) => s.status === 'ok'));
  });

  it('rejects with a timeout AppError at the deadline and aborts the capability signal', async () => {
    let signal: AbortSignal | undefined;
    const registry = registryOf(
      cap('hang', (_args, call: CapabilityCall) => {
        signal = call.signal;
        return untilAborted(call.signal);
      }),
    );
    const p = pattern({ inputs: {}, timeout_ms: 30, steps: [{ capability: 'hang', as: 'h' }], outputs: ['h'] });
    const err = await rejection(runPattern(p, {}, ctx, registry, { timeoutMs: 60_000 }));
    assert.ok(err instanceof AppError);
    assert.equal(err.code, 'timeout');
    assert.equal(err.status, 504);
    assert.equal(err.message, 'pattern demo exceeded its deadline of 30 ms');
    assert.deepEqual(err.details, { timeout_ms: 30 });
    assert.equal(signal?.aborted, true);
    assert.equal(signal?.reason, err);
  });

  it("uses the caller's deadline when the pattern sets none, even if a capability ignores the signal", async () => {
    const registry = registryOf(cap('deaf', () => new Promise(() => {})));
    const p = pattern({ inputs: {}, steps: [{ capability: 'deaf', as: 'd' }], outputs: ['d'] });
    const err = await rejection(runPattern(p, {}, ctx, registry, { timeoutMs: 20 }));
    assert.ok(err instanceof AppError && err.code === 'timeout');
    assert.deepEqual(err.details, { timeout_ms: 20 });
  });

  it('times out a run that blocked the event loop past its deadline', async () => {
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    // Synchronous work, like a synchronous database driver: the deadline timer gets no chance to fire.
    const registry = registryOf(
      cap('block', async () => {
        busy(25);
        return 'done';
      }),
    );
    const p = pattern({ inputs: {}, timeout_ms: 5, steps: [{ capability: 'block', as: 'b' }], outputs: ['b'] });
    const err = await rejection(runPattern(p, {}, ctx, registry, opts));
    assert.ok(err instanceof AppError && err.code === 'timeout', String(err));
  });

  it("honours the caller's abort signal", async () => {
    let signal: AbortSignal | undefined;
    const started = deferred();
    const registry = registryOf(
      cap('hang', (_args, call: CapabilityCall) => {
        signal = call.signal;
        started.resolve();
        return untilAborted(call.signal);
      }),
    );
    const p = pattern({ inputs: {}, steps: [{ capability: 'hang', as: 'h' }], outputs: ['h'] });
    const outside = new AbortController();
    const running = rejection(runPattern(p, {}, ctx, registry, { timeoutMs: 60_000, signal: outside.signal }));
    await started.promise;
    const reason = new Error('client went away');
    outside.abort(reason);
    assert.equal(await running, reason);
    assert.equal(signal?.aborted, true);

    const already = new AbortController();
    already.abort(reason);
    assert.equal(
      await rejection(runPattern(p, {}, ctx, registry, { timeoutMs: 60_000, signal: already.signal })),
      reason,
    );
  });

  it('rejects with the failing step’s error unchanged, aborts running steps and starts no more', async () => {
    const failure = new AppError('portfolio_not_found', 'portfolio p1 does not exist', { portfolio_id: 'p1' });
    let sibling: AbortSignal | undefined;
    let dependentRan = false;
    const siblingStarted = deferred();
    const registry = registryOf(
      cap('fail', async () => {
        await siblingStarted.promise;
        throw failure;
      }),
      cap('sibling', (_args, call: CapabilityCall) => {
        sibling = call.signal;
        siblingStarted.resolve();
        return untilAborted(call.signal);
      }),
      cap('after', async () => {
        dependentRan = true;
      }),
    );
    const ends: Array<[string, string]> = [];
    const p = pattern({
      inputs: {},
      steps: [
        { capability: 'fail', as: 'broken' },
        { capability: 'sibling', as: 'sibling' },
        { capability: 'after', as: 'after', args: { x: '{{broken}}' } },
      ],
      outputs: ['after'],
    });
    const hooks = { onStepEnd: (r: StepReport) => ends.push([r.as, r.status]) };
    assert.equal(await rejection(runPattern(p, {}, ctx, registry, { ...opts, hooks })), failure);
    assert.equal(sibling?.aborted, true);
    assert.equal(sibling?.reason, failure);
    await new Promise((r) => setImmediate(r));
    assert.equal(dependentRan, false);
    assert.deepEqual(ends.sort(), [
      ['broken', 'failed'],
      ['sibling', 'failed'],
    ]);
  });

  describe('argument validation', () => {
    const strict = cap(
      'ledger.positions',
      async (args) => args,
      z.strictObject({ portfolio_id: z.string().min(3), limit: z.number().int().default(10) }),
    );
    const producer = cap('produce', async () => ({ id: 42 }));
    const registry = registryOf(strict, producer);
    const withArgs = (args: Record<string, unknown>): Pattern =>
      pattern({
        inputs: { portfolio_id: { type: 'string', required: true } },
        steps: [
          { capability: 'produce', as: 'source' },
          { capability: 'ledger.positions', as: 'positions', args },
        ],
        outputs: ['positions'],
      });

    it('hands the capability its parsed args, defaults included', async () => {
      const run = await runPattern(
        withArgs({ portfolio_id: '{{inputs.portfolio_id}}' }),
        { portfolio_id: 'p100' },
        ctx,
        registry,
        opts,
      );
      assert.deepEqual(run.result.positions, { portfolio_id: 'p100', limit: 10 });
    });

    it('blames the request when a bad value came from an input', async () => {
      const err = await rejection(
        runPattern(withArgs({ portfolio_id: '{{inputs.portfolio_id}}' }), { portfolio_id: 'p1' }, ctx, registry, opts),
      );
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'invalid_request');
      assert.match(
        err.message,
        /^input "portfolio_id" is not acceptable to step "positions" \(ledger\.positions\): portfolio_id: /,
      );
      assert.equal(err.details.input, 'portfolio_id');
      assert.equal(err.details.step, 'positions');
      assert.deepEqual(
        (err.details.issues as Array<{ path: string }>).map((i) => i.path),
        ['portfolio_id'],
      );
    });

    it("treats a bad value from another step's output as a server error", async () => {
      const err = await rejection(
        runPattern(withArgs({ portfolio_id: '{{source.id}}' }), { portfolio_id: 'p100' }, ctx, registry, opts),
      );
      assert.ok(err instanceof Error && !(err instanceof AppError));
      assert.match(
        err.message,
        /^pattern demo step "positions": ledger\.positions rejected argument portfolio_id \(from \{\{source\.id\}\}\): /,
      );
    });

    it('treats arguments the pattern itself got wrong as a server error', async () => {
      const literal = await rejection(
        runPattern(
          withArgs({ portfolio_id: '{{inputs.portfolio_id}}', limit: 'ten' }),
          { portfolio_id: 'p100' },
          ctx,
          registry,
          opts,
        ),
      );
      assert.ok(literal instanceof Error && !(literal instanceof AppError));
      assert.match(literal.message, /rejected argument limit \(from the pattern text\)/);
      const extra = await rejection(
        runPattern(
          withArgs({ portfolio_id: '{{inputs.portfolio_id}}', typo: 1 }),
          { portfolio_id: 'p100' },
          ctx,
          registry,
          opts,
        ),
      );
      assert.ok(extra instanceof Error && !(extra instanceof AppError));
      assert.match(extra.message, /rejected argument \(arguments\) \(from the pattern text\)/);
    });
  });

  it('orders warnings by step then emission and drops repeats', async () => {
    const secondDone = deferred();
    const registry = registryOf(
      cap('first', async (_args, { warn }) => {
        await secondDone.promise;
        warn({ code: 'missing_price', message: 'no close for AAPL' });
        warn({ code: 'missing_price', message: 'no close for MSFT' });
        warn({ code: 'missing_price', message: 'no close for AAPL' });
        return 1;
      }),
      cap('second', async (_args, { warn }) => {
        warn({ code: 'missing_fx_rate', message: 'no FX rate EUR/USD' });
        warn({ code: 'missing_price', message: 'no close for MSFT' });
        secondDone.resolve();
        return 2;
      }),
    );
    const p = pattern({
      inputs: {},
      steps: [
        { capability: 'first', as: 'first' },
        { capability: 'second', as: 'second' },
      ],
      outputs: ['first', 'second'],
    });
    const run = await runPattern(p, {}, ctx, registry, opts);
    assert.deepEqual(run.warnings, [
      { code: 'missing_price', message: 'no close for AAPL' },
      { code: 'missing_price', message: 'no close for MSFT' },
      { code: 'missing_fx_rate', message: 'no FX rate EUR/USD' },
    ]);
  });

  it('reports each step to the hooks once, started before ended', async () => {
    const events: string[] = [];
    const registry = registryOf(cap('echo'));
    const p = pattern({
      inputs: {},
      steps: [
        { capability: 'echo', as: 'one' },
        { capability: 'echo', as: 'two', when: 'false' },
      ],
      outputs: ['one', 'two'],
    });
    await runPattern(p, {}, ctx, registry, {
      ...opts,
      hooks: {
        onStepStart: (s) => events.push(`start ${s.as} ${s.capability}`),
        onStepEnd: (r) => events.push(`end ${r.as} ${r.status}`),
      },
    });
    // The two steps are independent, so only the order within each step is fixed.
    assert.deepEqual(
      events.filter((e) => e.includes(' one ')),
      ['start one echo', 'end one ok'],
    );
    assert.deepEqual(
      events.filter((e) => e.includes(' two ')),
      ['start two echo', 'end two skipped'],
    );
    assert.equal(events.length, 4);
  });

  it('gives capabilities the whole ctx but refuses patterns that template request-specific ctx', async () => {
    let received: CapabilityCall | undefined;
    const registry = registryOf(
      cap('probe', async (_args, call) => {
        received = call;
        return null;
      }),
    );
    // Checked again at run time, for patterns that never went through the loader.
    const p = pattern({ inputs: {}, steps: [{ capability: 'probe', as: 'p', args: {} }], outputs: ['p'] });
    await runPattern(p, {}, ctx, registry, opts);
    assert.equal(received?.ctx, ctx);
    const bad = pattern({
      inputs: {},
      steps: [{ capability: 'probe', as: 'p', args: { u: '{{ctx.user}}' } }],
      outputs: ['p'],
    });
    await assert.rejects(runPattern(bad, {}, ctx, registry, opts), /\{\{ctx\.user\}\} is not allowed/);
  });
});
