import assert from 'node:assert/strict';
import { context, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AppError } from '../../../src/errors.js';
import { runPattern } from '../../../src/executor/runner.js';
import { ExecutionTelemetry, markFailure } from '../../../src/observability/execution-telemetry.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { keyedHasher } from '../../../src/observability/pii.js';
import { cap, ctx, pattern, registryOf } from '../executor/fixtures.js';

const p = pattern({
  inputs: { portfolio_id: { type: 'string', required: true } },
  steps: [
    { capability: 'echo', as: 'first', args: { id: '{{inputs.portfolio_id}}' } },
    { capability: 'echo', as: 'never', args: { x: 1 }, when: '{{inputs.portfolio_id}} == "nobody"' },
    { capability: 'fail', as: 'broken', args: { x: 1 } },
  ],
  outputs: ['first', 'never', 'broken'],
});

describe('observability/execution-telemetry', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const manager = new AsyncLocalStorageContextManager();
  before(() => context.setGlobalContextManager(manager.enable()));
  after(() => context.disable());
  beforeEach(() => exporter.reset());

  /** Runs the pattern, which fails with `failure`, inside a request's span when `inRequest`. */
  async function run(failure: Error, inRequest = true, served = true) {
    // A process that serves no metrics records none.
    const metrics = served ? createMetrics([p], 'sqlite') : null;
    const tracer = provider.getTracer('test');
    const telemetry = new ExecutionTelemetry(metrics, { tracer, hashId: keyedHasher('k') });
    const registry = registryOf(
      cap('echo'),
      cap('fail', async () => Promise.reject(failure)),
    );
    const execute = () =>
      telemetry.observe({ pattern_id: p.id, user_id: 'u1', inputs: { portfolio_id: 'pf_x' } }, async (probe) => {
        probe.pattern(p);
        return runPattern(p, { portfolio_id: 'pf_x' }, ctx, registry, { timeoutMs: 1000, hooks: probe.hooks });
      });
    const request = () =>
      tracer.startActiveSpan('request', async (span) => {
        try {
          return await execute();
        } catch (err) {
          // The owner of the span marks the failure it is handed too.
          markFailure(span, err);
          throw err;
        } finally {
          span.end();
        }
      });
    await assert.rejects(inRequest ? request() : execute(), (err) => err === failure);
    const spans = exporter.getFinishedSpans();
    return {
      spans,
      request: spans.find((s) => s.name === 'request')!,
      exposition: (await metrics?.registry.metrics()) ?? '',
    };
  }

  it('describes the execution on the request’s span: skipped and failed steps as events, a server failure as ERROR once, with their metrics', async () => {
    const { spans, request: execute, exposition } = await run(new Error('disk on fire'));
    assert.deepEqual(
      execute.events.filter((e) => e.name.startsWith('step ')).map((e) => [e.name, e.attributes?.['folio.step']]),
      [
        ['step skipped', 'never'],
        ['step failed', 'broken'],
      ],
    );
    assert.equal(execute.status.code, SpanStatusCode.ERROR);
    assert.equal(execute.attributes['folio.pattern_id'], 'demo');
    assert.deepEqual(execute.attributes['folio.input_keys'], ['portfolio_id']);
    assert.equal(
      execute.events.filter((e) => e.name === 'exception').length,
      1,
      'the exception is recorded once, though the execution and the request both mark it',
    );
    const step = (as: string) => spans.find((s) => s.name === 'pattern.step' && s.attributes['folio.step'] === as)!;
    assert.equal(step('never').attributes['folio.step.status'], 'skipped');
    assert.equal(step('broken').status.code, SpanStatusCode.ERROR);
    // One span per step, with its capability's attributes: no span of the capability call itself.
    assert.deepEqual(step('broken').attributes['folio.capability'], 'fail');
    assert.deepEqual(step('broken').attributes['folio.agent'], 'fail');
    const requestSpanId = execute.spanContext().spanId;
    assert.ok(
      spans.filter((s) => s.name === 'pattern.step').every((s) => s.parentSpanContext?.spanId === requestSpanId),
      'the step spans sit under the request’s span',
    );
    assert.deepEqual(spans.map((s) => s.name).sort(), ['pattern.step', 'pattern.step', 'pattern.step', 'request']);
    assert.match(
      exposition,
      /folio_pattern_step_duration_seconds_count\{pattern="demo",step="never",status="skipped"\} 1/,
    );
    assert.match(exposition, /folio_capability_duration_seconds_count\{capability="fail",status="failed"\} 1/);
    assert.match(exposition, /folio_agent_invocations_total\{agent="fail",capability="fail",status="failed"\} 1/);
    assert.match(exposition, /folio_pattern_executions_total\{pattern="demo",outcome="failed"\} 1/);
  });

  it('leaves spans UNSET when a capability rejects the request (4xx)', async () => {
    const { spans, request: execute } = await run(new AppError('security_not_found', 'no such security'));
    assert.equal(execute.status.code, SpanStatusCode.UNSET);
    assert.equal(execute.attributes['folio.error_code'], 'security_not_found');
    assert.ok(spans.every((s) => s.status.code === SpanStatusCode.UNSET));
    const broken = spans.find((s) => s.name === 'pattern.step' && s.attributes['folio.step'] === 'broken')!;
    assert.ok(broken.events.some((e) => e.name === 'request rejected'));
  });

  it('records metrics only for an execution outside any request or command', async () => {
    const { spans, exposition } = await run(new Error('disk on fire'), false);
    assert.deepEqual(spans, []);
    assert.match(exposition, /folio_pattern_executions_total\{pattern="demo",outcome="failed"\} 1/);
  });

  it('records the same spans in a process that serves no metrics', async () => {
    const { spans, request } = await run(new Error('disk on fire'), true, false);
    assert.equal(request.status.code, SpanStatusCode.ERROR);
    assert.deepEqual(spans.map((s) => s.name).sort(), ['pattern.step', 'pattern.step', 'pattern.step', 'request']);
  });
});
