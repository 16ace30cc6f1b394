import { context, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { errorCodeOf as errorCode, isAppError } from '../errors.js';
import { agentOf } from '../executor/capability.js';
import type { Pattern } from '../executor/pattern.js';
import type { StepInfo, StepReport } from '../executor/runner.js';
import type { ExecutionObserver, ExecutionProbe, ExecutionStart } from '../executor/observer.js';
import type { Config } from '../config.js';
import { tracingActive } from './instrument.js';
import type { Logger } from './logger.js';
import { UNKNOWN_PATTERN, type FolioMetrics } from './metrics.js';
import { unsampledRequest, type UnsampledRequest } from './kept-traces.js';
import { idHasher, type IdHasher } from './pii.js';

export interface ExecutionTracing {
  tracer: Tracer;
  /** Spans name the user only by this hash (observability/pii.ts). */
  hashId: IdHasher;
}

/** The tracer of the spans this service makes itself (server, command and execution spans). */
export const folioTracer = (): Tracer => trace.getTracer('folio-executor');

/** What pattern spans need, when spans are recorded in this process; null otherwise. */
export function executionTracing(
  config: Pick<Config, 'PII_HASH_KEY'>,
  logger: Pick<Logger, 'warn'>,
): ExecutionTracing | null {
  return tracingActive() ? { tracer: folioTracer(), hashId: idHasher(config, logger) } : null;
}

/**
 * Metrics for every execution (when the process serves them) and, when tracing is on, its
 * spans. The execution is described on the span of the request or command that runs it (the
 * HTTP server span, `cli.execute`): a span of its own would cover the same interval, and each
 * recorded span costs about as much CPU as the rest of a cached request's observability
 * (docs/operations.md, Observability overhead). Under it, one pattern.step span per step,
 * carrying its capability's attributes, and under that whatever the capability calls
 * (providers, the database).
 */
export class ExecutionTelemetry implements ExecutionObserver {
  constructor(
    private readonly metrics: FolioMetrics | null,
    private readonly tracing: ExecutionTracing | null,
  ) {}

  observe<T>(start: ExecutionStart, run: (probe: ExecutionProbe) => Promise<T>): Promise<T> {
    const tracing = this.tracing;
    if (!tracing) return this.measured(run, new Recorder(this.metrics));
    // A request whose trace the sampler dropped starts no spans and computes no attributes; it
    // keeps references to what it learns, in case it ends up recorded after the fact (kept-traces.ts).
    const unsampled = unsampledRequest(context.active());
    if (unsampled) return this.measured(run, new UnsampledRecorder(this.metrics, unsampled));
    // No span (an execution outside a request or command) or one the sampler dropped (folio
    // execute): nothing to describe, and no attribute work.
    const span = trace.getActiveSpan();
    if (!span?.isRecording()) return this.measured(run, new Recorder(this.metrics));
    span.setAttributes({
      'folio.pattern_id': start.pattern_id,
      'folio.user': tracing.hashId(start.user_id),
      // Names only: input values are the user's data.
      'folio.input_keys': Object.keys(start.inputs).sort(),
    });
    return this.measured(run, new TracingRecorder(this.metrics, tracing.tracer, span));
  }

  private measured<T>(run: (probe: ExecutionProbe) => Promise<T>, recorder: Recorder): Promise<T> {
    return run(recorder).catch((err: unknown) => {
      recorder.failed(err);
      throw err;
    });
  }
}

/** One execution's metrics, if any; also the runner's hooks, so nothing else is allocated per run. */
class Recorder implements ExecutionProbe {
  protected patternId: string = UNKNOWN_PATTERN;
  private known = false;

  constructor(protected readonly metrics: FolioMetrics | null) {}

  get hooks(): this {
    return this;
  }

  pattern(pattern: Pattern): void {
    this.patternId = pattern.id;
    this.known = true;
  }

  pinned(_pricingPackId: string, _ledgerCommitHash: string, _asofDate: string): void {}

  cache(hit: boolean): void {
    if (this.metrics) (hit ? this.metrics.cacheHits : this.metrics.cacheMisses).inc({ pattern: this.patternId });
  }

  succeeded(_resultHash: string, cached: boolean): void {
    this.metrics?.patternExecutions.inc({ pattern: this.patternId, outcome: cached ? 'cached' : 'computed' });
  }

  stored(): void {}

  /** A request for a pattern that does not exist is not a pattern run, so it is not counted here. */
  failed(_err: unknown): void {
    if (this.known) this.metrics?.patternExecutions.inc({ pattern: this.patternId, outcome: 'failed' });
  }

  onStepEnd(report: StepReport, _error?: unknown): void {
    this.metrics?.stepDuration.observe(
      { pattern: this.patternId, step: report.as, status: report.status },
      report.duration_ms / 1000,
    );
  }

  async wrapCapability<T>(step: StepInfo, run: () => Promise<T>): Promise<T> {
    const metrics = this.metrics;
    if (!metrics) return run();
    const started = performance.now();
    let status = 'failed';
    try {
      const result = await run();
      status = 'ok';
      return result;
    } finally {
      const { capability } = step;
      metrics.capabilityDuration.observe({ capability, status }, (performance.now() - started) / 1000);
      metrics.agentInvocations.inc({ agent: agentOf(capability), capability, status });
    }
  }
}

/** Metrics, and what a request the sampler dropped needs if its span is recorded after the fact. */
class UnsampledRecorder extends Recorder {
  constructor(
    metrics: FolioMetrics | null,
    private readonly request: UnsampledRequest,
  ) {
    super(metrics);
  }

  override pattern(pattern: Pattern): void {
    super.pattern(pattern);
    this.request.patternRan(pattern);
  }

  override pinned(pricingPackId: string, ledgerCommitHash: string, asofDate: string): void {
    this.request.pinned(pricingPackId, ledgerCommitHash, asofDate);
  }

  override failed(err: unknown): void {
    super.failed(err);
    this.request.failed(err);
  }

  override onStepEnd(report: StepReport, error?: unknown): void {
    super.onStepEnd(report, error);
    this.request.stepEnded(report, error);
  }

  override stored(): void {
    this.request.stored();
  }
}

class TracingRecorder extends Recorder {
  private readonly stepSpans = new Map<string, Span>();

  constructor(
    metrics: FolioMetrics | null,
    private readonly tracer: Tracer,
    private readonly span: Span,
  ) {
    super(metrics);
  }

  override pattern(pattern: Pattern): void {
    super.pattern(pattern);
    this.span.setAttribute('folio.pattern_version', pattern.version);
  }

  override pinned(pricingPackId: string, ledgerCommitHash: string, asofDate: string): void {
    this.span.setAttributes({
      'folio.pricing_pack_id': pricingPackId,
      'folio.ledger_commit_hash': ledgerCommitHash,
      'folio.asof_date': asofDate,
    });
  }

  override failed(err: unknown): void {
    super.failed(err);
    markFailure(this.span, err);
  }

  override cache(hit: boolean): void {
    super.cache(hit);
    if (hit) this.span.addEvent('cache hit');
  }

  /** The provenance insert is shared by the requests of a batch and has no span in any of their traces. */
  override stored(): void {
    this.span.addEvent('provenance stored');
  }

  override succeeded(resultHash: string, cached: boolean): void {
    super.succeeded(resultHash, cached);
    this.span.setAttributes({ 'folio.result_hash': resultHash, 'folio.cache_hit': cached });
  }

  /**
   * One span per step, carrying the capability it calls: the provider and database spans of that
   * call sit under it. It is started here but made current only around the capability call
   * (wrapCapability), as nothing else in the step makes spans.
   */
  wrapStep<T>(step: StepInfo, run: () => Promise<T>): Promise<T> {
    const span = this.tracer.startSpan('pattern.step', {
      attributes: {
        'folio.step': step.as,
        'folio.capability': step.capability,
        'folio.agent': agentOf(step.capability),
      },
    });
    this.stepSpans.set(step.as, span);
    return run().finally(() => span.end());
  }

  override onStepEnd(report: StepReport, error?: unknown): void {
    super.onStepEnd(report, error);
    this.stepSpans.get(report.as)?.setAttribute('folio.step.status', report.status);
    if (report.status === 'skipped') this.span.addEvent('step skipped', { 'folio.step': report.as });
    if (report.status === 'left_out') {
      // The answer is still given, so the pattern span stays OK; the step span shows why it is missing.
      this.span.addEvent('step left out', { 'folio.step': report.as });
      const stepSpan = this.stepSpans.get(report.as);
      if (stepSpan && error !== undefined) markFailure(stepSpan, error);
    }
    if (report.status === 'failed') {
      this.span.addEvent('step failed', { 'folio.step': report.as, 'folio.error_code': errorCode(error) });
      const stepSpan = this.stepSpans.get(report.as);
      if (stepSpan) markFailure(stepSpan, error);
    }
  }

  override wrapCapability<T>(step: StepInfo, run: () => Promise<T>): Promise<T> {
    const stepSpan = this.stepSpans.get(step.as);
    if (!stepSpan) return super.wrapCapability(step, run);
    return context.with(trace.setSpan(context.active(), stepSpan), () => super.wrapCapability(step, run));
  }
}

/** The error each span was last marked with: a request's span may be handed its execution's failure twice. */
const marked = new WeakMap<Span, unknown>();

/**
 * Records a failure on a span, once however often it is handed the same error (by the execution
 * the span describes and by the request or command that owns it). A client's mistake (an
 * AppError below 500: unknown pattern, bad input, warming pack) is the service working as
 * intended, so the span keeps status UNSET and only records the code.
 */
export function markFailure(span: Span, err: unknown): void {
  if (marked.get(span) === err) return;
  marked.set(span, err);
  span.setAttribute('folio.error_code', errorCode(err));
  if (isAppError(err) && err.status < 500) {
    span.addEvent('request rejected', { 'folio.error_code': err.code, 'http.response.status_code': err.status });
    return;
  }
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode(err) });
}
