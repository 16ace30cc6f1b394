import {
  createContextKey,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  RandomIdGenerator,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type IdGenerator,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace-base';
import type { Config } from '../config.js';
import type { Pattern } from '../executor/pattern.js';
import type { StepReport } from '../executor/runner.js';
import { errorCodeOf as errorCode } from '../errors.js';

/**
 * Errors and slow requests stay visible in Jaeger when the head sampler drops their trace.
 *
 * Recording every span of every request and deciding at its end (record-but-not-export) would
 * cost what 100% sampling costs. Instead, a request the sampler drops records nothing but its
 * start time and, for an execute, references to the step reports the metrics already get. When
 * it ends in a 5xx, is aborted, or took longer than FOLIO_TRACE_SLOW_MS, its server span is
 * created after the fact, with the ids its unrecorded span had (so the trace_id and span_id of
 * its response and log lines find it), its real start and end times, the pattern's attributes
 * and one `step` event per step with its status and duration. Its trace then holds that one span.
 */

/** Set on the parent context of a span recorded after the fact: the sampler keeps it. */
const KEEP = createContextKey('folio.keep_after_the_fact');
/** The UnsampledRequest of the request being handled, when its trace was not sampled. */
const UNSAMPLED = createContextKey('folio.unsampled_request');

/** The configured head sampler (OTEL_TRACES_SAMPLER, as the SDK reads it), which keeps what is kept after the fact. */
export class KeepingSampler implements Sampler {
  constructor(private readonly head: Sampler) {}

  shouldSample(
    ctx: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    return ctx.getValue(KEEP) === true
      ? { decision: SamplingDecision.RECORD_AND_SAMPLED }
      : this.head.shouldSample(ctx, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `KeepingSampler{${this.head.toString()}}`;
  }
}

/** The samplers of the OpenTelemetry specification's OTEL_TRACES_SAMPLER, default parentbased_always_on. */
export function headSampler(config: Pick<Config, 'OTEL_TRACES_SAMPLER' | 'OTEL_TRACES_SAMPLER_ARG'>): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(config.OTEL_TRACES_SAMPLER_ARG ?? 1);
  switch (config.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on') {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
  }
}

/**
 * Random ids, except for a span recorded after the fact, which takes the ids of the unrecorded
 * span it stands for. The SDK asks for them synchronously inside startSpan, where they are set.
 */
export class KeptIds implements IdGenerator {
  private readonly random = new RandomIdGenerator();
  private preset: SpanContext | undefined;

  generateTraceId = (): string => this.preset?.traceId ?? this.random.generateTraceId();
  generateSpanId = (): string => this.preset?.spanId ?? this.random.generateSpanId();

  /** Runs `start` (one startSpan call) with the ids of `unrecorded`. */
  reuse<T>(unrecorded: SpanContext, start: () => T): T {
    this.preset = unrecorded;
    try {
      return start();
    } finally {
      this.preset = undefined;
    }
  }
}

/** The process's id generator; tracing.ts gives it to the SDK. */
export const keptIds = new KeptIds();

interface StepEnd {
  report: StepReport;
  error: unknown;
  /** performance.now() when the step ended. */
  at: number;
}

/** What a request the sampler dropped keeps about itself, in case it turns out to need its span. */
export class UnsampledRequest {
  /** performance.now() at the start; the SDK reads such a number as a time since the time origin. */
  readonly started = performance.now();
  private pattern: Pattern | undefined;
  private pins: [string, string, string] | undefined;
  private readonly steps: StepEnd[] = [];
  private error: unknown;
  /** performance.now() when its execution record was stored. */
  private storedAt: number | undefined;

  constructor(
    /** The unrecorded server span: its ids are the ones the response and the logs named. */
    readonly span: SpanContext,
    /** The context the server span was started in (a caller's traceparent, or none). */
    readonly parent: Context,
  ) {}

  patternRan(pattern: Pattern): void {
    this.pattern = pattern;
  }

  pinned(pricingPackId: string, ledgerCommitHash: string, asofDate: string): void {
    this.pins = [pricingPackId, ledgerCommitHash, asofDate];
  }

  stepEnded(report: StepReport, error: unknown): void {
    this.steps.push({ report, error, at: performance.now() });
  }

  failed(error: unknown): void {
    this.error = error;
  }

  stored(): void {
    this.storedAt = performance.now();
  }

  /** Records the server span now, as it would have been; `why` says why it was kept. */
  record(tracer: Tracer, name: string, options: SpanOptions, why: 'error' | 'slow'): Span {
    const attributes: Attributes = { ...options.attributes, 'folio.kept': why };
    if (this.pattern) {
      attributes['folio.pattern_id'] = this.pattern.id;
      attributes['folio.pattern_version'] = this.pattern.version;
    }
    if (this.pins) {
      [attributes['folio.pricing_pack_id'], attributes['folio.ledger_commit_hash'], attributes['folio.asof_date']] =
        this.pins;
    }
    if (this.error !== undefined) attributes['folio.error_code'] = errorCode(this.error);
    const span = keptIds.reuse(this.span, () =>
      tracer.startSpan(name, { ...options, attributes, startTime: this.started }, this.parent.setValue(KEEP, true)),
    );
    for (const { report, error, at } of this.steps) {
      const event: Attributes = {
        'folio.step': report.as,
        'folio.capability': report.capability,
        'folio.step.status': report.status,
        'folio.step.duration_ms': report.duration_ms,
      };
      if (report.status === 'failed') event['folio.error_code'] = errorCode(error);
      span.addEvent('step', event, at);
    }
    if (this.storedAt !== undefined) span.addEvent('provenance stored', this.storedAt);
    return span;
  }
}

export const unsampledRequest = (ctx: Context): UnsampledRequest | undefined =>
  ctx.getValue(UNSAMPLED) as UnsampledRequest | undefined;

export const withUnsampledRequest = (ctx: Context, request: UnsampledRequest): Context =>
  ctx.setValue(UNSAMPLED, request);
