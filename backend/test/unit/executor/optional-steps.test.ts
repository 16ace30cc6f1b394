import assert from 'node:assert/strict';
import { AppError } from '../../../src/errors.js';
import type { CapabilityCall } from '../../../src/executor/capability.js';
import type { Pattern, PatternStep } from '../../../src/executor/pattern.js';
import { planPattern } from '../../../src/executor/plan.js';
import { resultHash } from '../../../src/executor/result.js';
import { runPattern } from '../../../src/executor/runner.js';
import { cap, ctx, pattern, registryOf, untilAborted } from './fixtures.js';

const opts = { timeoutMs: 5000 };

/** base -> extra (optional, failing as told) -> uses_extra (optional, reads extra); other (required) beside. */
function degradable(steps: Partial<Record<string, Partial<PatternStep>>> = {}): Pattern {
  return pattern({
    steps: [
      { capability: 'data.base', as: 'base', args: {} },
      { capability: 'flaky.extra', as: 'extra', args: { base: '{{base}}' }, optional: true, ...steps.extra },
      {
        capability: 'data.uses',
        as: 'uses_extra',
        args: { extra: '{{extra}}' },
        optional: true,
        ...steps.uses_extra,
      },
      { capability: 'data.other', as: 'other', args: { base: '{{base}}' } },
    ],
    outputs: ['base', 'extra', 'uses_extra', 'other'],
  });
}

function registry(extra: (call: CapabilityCall) => Promise<unknown>) {
  return registryOf(
    cap('data.base', async () => 1),
    cap('flaky.extra', async (_args, call) => extra(call)),
    cap('data.uses', async (args: { extra: number }) => args.extra + 1),
    cap('data.other', async (args: { base: number }) => args.base + 10),
  );
}

describe('executor/runner: optional steps', () => {
  it('leaves out an optional step that fails server-side, and the steps reading it, with a warning each', async () => {
    const seen: (boolean | undefined)[] = [];
    const run = await runPattern(
      degradable(),
      { portfolio_id: 'p1' },
      ctx,
      registry(async (call) => {
        seen.push(call.optional);
        call.warn({ code: 'negative_cash', message: 'dropped with the step' });
        throw new AppError('dependency_unavailable', 'agent flaky is unavailable', { agent: 'flaky' }, 3);
      }),
      opts,
    );
    assert.deepEqual(seen, [true], 'the capability is told its step is optional');
    assert.deepEqual(run.result, { base: 1, extra: null, uses_extra: null, other: 11 });
    assert.deepEqual(run.left_out, ['extra', 'uses_extra']);
    assert.deepEqual(run.warnings, [
      {
        code: 'step_left_out',
        message: 'step "extra" (flaky.extra) was left out: its agent flaky failed or is unavailable',
      },
      {
        code: 'step_left_out',
        message: 'step "uses_extra" (data.uses) was left out: it reads step "extra", which was left out',
      },
    ]);
    assert.deepEqual(
      run.steps.map((s) => [s.as, s.status]),
      [
        ['base', 'ok'],
        ['extra', 'left_out'],
        ['uses_extra', 'left_out'],
        ['other', 'ok'],
      ],
    );
  });

  it('gives the same hash whatever the failure was, and a different one from the complete answer', async () => {
    const hashOf = async (extra: (call: CapabilityCall) => Promise<unknown>) => {
      const run = await runPattern(degradable(), { portfolio_id: 'p1' }, ctx, registry(extra), opts);
      return resultHash(run.result, run.warnings);
    };
    const timedOut = await hashOf(async () => {
      throw new AppError('timeout', 'agent flaky did not answer within 5 ms', { agent: 'flaky', timeout_ms: 5 });
    });
    const crashed = await hashOf(async () => {
      throw new TypeError('cannot read properties of undefined');
    });
    const complete = await hashOf(async () => 41);
    assert.equal(timedOut, crashed);
    assert.notEqual(timedOut, complete);
  });

  it('fails the run with a client error from an optional step, as from any step', async () => {
    const err = await runPattern(
      degradable(),
      { portfolio_id: 'p1' },
      ctx,
      registry(async () => {
        throw new AppError('security_not_found', 'benchmark NOPE is not a known security', { symbol: 'NOPE' });
      }),
      opts,
    ).catch((e: unknown) => e);
    assert.ok(err instanceof AppError);
    assert.equal(err.code, 'security_not_found');
  });

  it('leaves nothing out once the run is over: the deadline fails the run', async () => {
    const err = await runPattern(
      degradable(),
      { portfolio_id: 'p1' },
      ctx,
      registry((call) => untilAborted(call.signal)),
      { timeoutMs: 30 },
    ).catch((e: unknown) => e);
    assert.ok(err instanceof AppError);
    assert.equal(err.code, 'timeout');
  });

  it('fails the run when a required step fails, whatever is optional', async () => {
    const p = degradable({ extra: { optional: false }, uses_extra: { optional: false } });
    const err = await runPattern(
      p,
      { portfolio_id: 'p1' },
      ctx,
      registry(async () => {
        throw new Error('database is gone');
      }),
      opts,
    ).catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    assert.equal(err.message, 'database is gone');
  });

  it('refuses a pattern whose required step reads an optional one', () => {
    assert.throws(
      () => planPattern(degradable({ uses_extra: { optional: false } })),
      /step "uses_extra" reads optional step "extra", so it must be optional too/,
    );
    // Through a condition as well.
    assert.throws(
      () => planPattern(degradable({ uses_extra: { optional: false, args: {}, when: '{{extra}} > 1' } })),
      /step "uses_extra" reads optional step "extra"/,
    );
  });
});
