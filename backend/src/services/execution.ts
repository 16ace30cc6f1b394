import type { Knex } from 'knex';
import { isUniqueViolation } from '../db/knex.js';
import type { CurrentState } from '../db/current-state.js';
import type { ProvenanceWriter } from '../db/provenance-writer.js';
import type { ReadCache } from '../db/read-cache.js';
import { AppError, errorCodeOf } from '../errors.js';
import * as executions from '../db/repositories/executions.js';
import type { ExecutionRecord } from '../db/repositories/executions.js';
import type { User } from '../db/repositories/users.js';
import type { CapabilityRegistry, RequestCtx } from '../executor/capability.js';
import type { ResultCache } from '../executor/cache.js';
import { resolveInputs } from '../executor/inputs.js';
import type { Pattern } from '../executor/pattern.js';
import { resolvePins, type PackGate } from '../executor/pins.js';
import type { ExecuteRequest } from '../executor/request.js';
import { cacheKey, sealResult, type SealedResult } from '../executor/result.js';
import { unobserved, type ExecutionObserver, type ExecutionProbe } from '../executor/observer.js';
import { runPattern } from '../executor/runner.js';
import type { ExecuteResponse, ReplayResponse } from './execution-response.js';
import { replayExecution, requireExecution } from './replay.js';
import { elapsedMs, nowIso } from '../clock.js';

export interface RequestMeta {
  requestId: string;
  traceId: string;
  /** The client chose the request id, so it may collide with an earlier one. */
  clientRequestId?: boolean;
}

/** Raw inputs of a rejected request are kept for diagnosis, but not at any size. */
const MAX_STORED_INPUT_BYTES = 16 * 1024;
function storableInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  const size = Buffer.byteLength(JSON.stringify(inputs));
  return size <= MAX_STORED_INPUT_BYTES ? inputs : { _omitted: `inputs of ${size} bytes are not stored` };
}

const reusedRequestId = (id: string) =>
  new AppError('conflict', `request id ${id} was already used; send a new X-Request-ID`, { request_id: id });

export interface ExecutionServiceDeps {
  db: Knex;
  reads: ReadCache;
  current: CurrentState;
  provenance: ProvenanceWriter;
  patterns: ReadonlyMap<string, Pattern>;
  registry: CapabilityRegistry;
  cache: ResultCache;
  timeoutMs: number;
  packGate: PackGate;
}

/** Every pattern reads one portfolio: that is what its ledger pin refers to. */
export function assertPortfolioScoped(patterns: ReadonlyMap<string, Pattern>): void {
  for (const p of patterns.values()) {
    if (!p.inputs.portfolio_id?.required) {
      throw new Error(`pattern ${p.id}: every pattern must declare a required portfolio_id input`);
    }
  }
}

/**
 * The execute use case, for POST /v1/execute and `folio execute`: check the caller owns the
 * portfolio, pin the pack, as-of date and ledger commit, answer from the result cache or run
 * the pattern, and store the provenance record whether it succeeds or fails. Replay and the
 * stored records (replay.ts) go through it too.
 */
export class ExecutionService {
  private observer: ExecutionObserver = unobserved;

  constructor(private readonly deps: ExecutionServiceDeps) {
    assertPortfolioScoped(deps.patterns);
  }

  /** Set once by the composition root, before the first execution. */
  observeWith(observer: ExecutionObserver): void {
    this.observer = observer;
  }

  listPatterns(): Pattern[] {
    return [...this.deps.patterns.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  getPattern(id: string): Pattern {
    const p = this.deps.patterns.get(id);
    if (!p) throw new AppError('pattern_not_found', `pattern ${id} does not exist`, { pattern_id: id });
    return p;
  }

  /** Runs a request and stores its provenance, whether it succeeds or fails. */
  execute(
    user: User,
    req: ExecuteRequest,
    meta: RequestMeta,
    replayOf: string | null = null,
  ): Promise<ExecuteResponse> {
    return this.observer.observe({ pattern_id: req.pattern_id, user_id: user.id, inputs: req.inputs }, (probe) =>
      this.executeObserved(user, req, meta, replayOf, probe),
    );
  }

  private async executeObserved(
    user: User,
    req: ExecuteRequest,
    meta: RequestMeta,
    replayOf: string | null,
    probe: ExecutionProbe,
  ): Promise<ExecuteResponse> {
    const started = performance.now();
    const record: ExecutionRecord = {
      request_id: meta.requestId,
      user_id: user.id,
      pattern_id: req.pattern_id,
      pattern_version: '',
      inputs: storableInputs(req.inputs),
      pricing_pack_id: req.pricing_pack_id ?? null,
      ledger_commit_hash: req.ledger_commit_hash ?? null,
      asof_date: req.asof_date ?? null,
      require_fresh: req.require_fresh,
      status: 'error',
      error_code: null,
      result_hash: null,
      cached: false,
      trace_id: meta.traceId,
      duration_ms: 0,
      created_at: nowIso(),
      replay_of: replayOf,
    };
    if (meta.clientRequestId && (await executions.exists(this.deps.db, user.id, meta.requestId)))
      throw reusedRequestId(meta.requestId);
    let response: ExecuteResponse | undefined;
    let failure: unknown;
    try {
      response = await this.run(user, req, meta, record, started, replayOf !== null, probe);
      Object.assign(record, {
        status: 'ok',
        result_hash: response.metadata.result_hash,
        cached: response.metadata.cached,
      });
    } catch (err) {
      failure = err;
      record.error_code = errorCodeOf(err);
    }
    record.duration_ms = elapsedMs(started);
    try {
      await this.deps.provenance.write(record);
    } catch (err) {
      // Two concurrent requests with one client-chosen id: the second loses at the primary key.
      throw isUniqueViolation(err) ? reusedRequestId(meta.requestId) : err;
    }
    probe.stored();
    if (!response) throw failure;
    probe.succeeded(response.metadata.result_hash, response.metadata.cached);
    return response;
  }

  private async run(
    user: User,
    req: ExecuteRequest,
    meta: RequestMeta,
    record: ExecutionRecord,
    started: number,
    bypassCache: boolean,
    probe: ExecutionProbe,
  ): Promise<ExecuteResponse> {
    const { db, cache } = this.deps;
    const pattern = this.getPattern(req.pattern_id);
    probe.pattern(pattern);
    record.pattern_version = pattern.version;
    const inputs = resolveInputs(pattern, req.inputs);
    record.inputs = inputs;
    const portfolioId = inputs.portfolio_id as string;
    if (!(await this.deps.reads.portfolioFor(portfolioId, user.id))) {
      throw new AppError('portfolio_not_found', `portfolio ${portfolioId} does not exist`, {
        portfolio_id: portfolioId,
      });
    }
    const pins = await resolvePins(db, this.deps.current, portfolioId, req, this.deps.packGate);
    Object.assign(record, {
      pricing_pack_id: pins.pack.id,
      ledger_commit_hash: pins.ledger.hash,
      asof_date: pins.asof_date,
    });
    probe.pinned(pins.pack.id, pins.ledger.hash, pins.asof_date);
    const key = cacheKey({
      pattern_id: pattern.id,
      pattern_version: pattern.version,
      inputs,
      pricing_pack_id: pins.pack.id,
      ledger_commit_hash: pins.ledger.hash,
      asof_date: pins.asof_date,
    });
    const cacheable = pattern.cache_results !== false;
    const hit = bypassCache || !cacheable ? undefined : cache.get(key);
    if (!bypassCache && cacheable) probe.cache(hit !== undefined);
    if (hit) return this.respond(pattern, pins, meta, hit, true, started);
    const ctx: RequestCtx = {
      request_id: meta.requestId,
      trace_id: meta.traceId,
      user,
      pricing_pack_id: pins.pack.id,
      pricing_pack_date: pins.pack.date,
      ledger_commit_hash: pins.ledger.hash,
      asof_date: pins.asof_date,
    };
    const run = await runPattern(pattern, inputs, ctx, this.deps.registry, {
      timeoutMs: this.deps.timeoutMs,
      hooks: probe.hooks,
    });
    const entry = sealResult(run.result, [...pins.warnings, ...run.warnings]);
    // A degraded answer (steps left out) is not the answer the key stands for; the next request tries again.
    if (cacheable && run.left_out.length === 0) cache.set(key, entry);
    return this.respond(pattern, pins, meta, entry, false, started);
  }

  private respond(
    pattern: Pattern,
    pins: Awaited<ReturnType<typeof resolvePins>>,
    meta: RequestMeta,
    entry: Readonly<SealedResult>,
    cached: boolean,
    started: number,
  ): ExecuteResponse {
    return {
      result_json: entry.result_json,
      metadata: {
        pattern_id: pattern.id,
        pattern_version: pattern.version,
        pricing_pack_id: pins.pack.id,
        ledger_commit_hash: pins.ledger.hash,
        asof_date: pins.asof_date,
        request_id: meta.requestId,
        trace_id: meta.traceId,
        duration_ms: elapsedMs(started),
        result_hash: entry.result_hash,
        cached,
      },
      warnings: [...pins.notices, ...entry.warnings],
    };
  }

  /** Re-runs a stored request with its pins and no cache, and says whether the answer is identical. */
  replay(user: User, originalId: string, meta: RequestMeta): Promise<ReplayResponse> {
    return replayExecution(this, this.deps.db, user, originalId, meta);
  }

  /** The stored provenance of one of `user`'s executions. */
  getExecution(user: User, requestId: string): Promise<ExecutionRecord> {
    return requireExecution(this.deps.db, user, requestId);
  }
}
