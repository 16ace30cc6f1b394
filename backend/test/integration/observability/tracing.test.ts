import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { keyedHasher } from '../../../src/observability/pii.js';
import { describeEachDb, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { until } from '../../support/until.js';
import { startTracedService, type SpanRecord, type TracedService } from './support/traced-process.js';

const PII_HASH_KEY = 'tracing-test-key-0123456789abcdef';
const PORTFOLIO = 'pf_demo_usd';

/** The spans of one trace once its server span has ended (it ends just after the response). */
function traceOf(svc: TracedService, traceId: string): Promise<SpanRecord[]> {
  return until(
    `the server span of trace ${traceId}`,
    async () => {
      const spans = (await svc.spans()).filter((s) => s.traceId === traceId);
      return spans.some((s) => s.kind === SpanKind.SERVER) ? spans : undefined;
    },
    2500,
  );
}

function ancestors(span: SpanRecord, spans: SpanRecord[]): SpanRecord[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const chain: SpanRecord[] = [];
  for (
    let p = span.parentSpanId && byId.get(span.parentSpanId);
    p;
    p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined
  )
    chain.push(p);
  return chain;
}

describeEachDb('tracing: spans of a request', (dialect) => {
  let db: TestDatabase;
  let svc: TracedService;
  let userId: string;

  before(async () => {
    db = await seededDatabase(dialect);
    const k = db.open();
    try {
      userId = (await k('users').where({ username: 'demo' }).first<{ id: string }>('id')).id;
    } finally {
      await k.destroy();
    }
    svc = await startTracedService(db, { PII_HASH_KEY });
  });
  after(async () => {
    await svc?.stop();
    await db?.drop();
  });

  let first: { body: any; spans: SpanRecord[] };
  it('nests HTTP (describing the execution) -> pattern.step (with its capability) -> database, in the trace the response names', async () => {
    const res = await svc.request('POST', '/v1/execute', {
      pattern_id: 'portfolio_overview',
      inputs: { portfolio_id: PORTFOLIO, top_n: 37 },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const traceId = res.body.metadata.trace_id as string;
    const spans = await traceOf(svc, traceId);
    first = { body: res.body, spans };

    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    assert.equal(server.name, 'POST /v1/execute');
    assert.equal(server.scope, 'folio-executor');
    assert.equal(server.parentSpanId, undefined, 'the server span is the root');
    assert.equal(server.attributes['http.request.method'], 'POST');
    assert.equal(server.attributes['http.route'], '/v1/execute');
    assert.equal(server.attributes['url.path'], '/v1/execute');
    assert.equal(server.attributes['http.response.status_code'], 200);
    assert.equal(server.status.code, SpanStatusCode.UNSET);
    assert.equal(
      server.attributes['folio.pattern_id'],
      'portfolio_overview',
      'the server span describes the execution',
    );
    assert.ok(!spans.some((s) => s.name === 'pattern.execute'), 'the execution has no span of its own');
    const steps = spans.filter((s) => s.name === 'pattern.step');
    assert.equal(steps.length, 7, 'one span per step of portfolio_overview');
    for (const step of steps) {
      assert.equal(step.parentSpanId, server.spanId);
      assert.equal(step.attributes['folio.step.status'], 'ok');
      const capability = step.attributes['folio.capability'];
      assert.ok(typeof capability === 'string' && capability, 'the step names its capability');
      assert.equal(step.attributes['folio.agent'], capability.split('.')[0]);
      assert.equal(step.status.code, SpanStatusCode.UNSET);
    }
    assert.ok(!spans.some((s) => s.name.startsWith('capability ')), 'a capability call has no span of its own');
    const dbScope = dialect === 'sqlite' ? '@opentelemetry/instrumentation-knex' : '@opentelemetry/instrumentation-pg';
    const dbSpans = spans.filter((s) => s.scope === dbScope);
    assert.ok(dbSpans.length > 0, `${dbScope} spans exist`);
    const underStep = dbSpans.filter((s) => ancestors(s, spans).some((a) => a.name === 'pattern.step'));
    assert.ok(underStep.length > 0, 'database spans sit under step spans');
    for (const s of underStep) {
      const names = ancestors(s, spans).map((a) => a.name);
      const step = names.indexOf('pattern.step');
      assert.deepEqual(names.slice(step, step + 2), ['pattern.step', 'POST /v1/execute']);
    }
    // The provenance insert stores a whole batch of requests' records, so it is in no request's trace.
    assert.ok(
      !dbSpans.some((s) => /executions/.test(JSON.stringify([s.name, s.attributes]))),
      'no span of the provenance insert',
    );
    assert.ok(server.events.some((e) => e.name === 'provenance stored'));
    assert.equal(res.headers.get('x-request-id'), res.body.metadata.request_id);
  });

  it('describes the execution on the server span, with the user hashed and input names without values', () => {
    const { body, spans } = first;
    const a = spans.find((s) => s.kind === SpanKind.SERVER)!.attributes;
    const m = body.metadata;
    assert.equal(a['folio.pattern_id'], 'portfolio_overview');
    assert.equal(a['folio.pattern_version'], m.pattern_version);
    assert.equal(a['folio.pricing_pack_id'], m.pricing_pack_id);
    assert.equal(a['folio.ledger_commit_hash'], m.ledger_commit_hash);
    assert.equal(a['folio.asof_date'], m.asof_date);
    assert.equal(a['folio.result_hash'], m.result_hash);
    assert.equal(a['folio.cache_hit'], false);
    assert.deepEqual(a['folio.input_keys'], ['portfolio_id', 'top_n']);
    assert.equal(a['folio.user'], keyedHasher(PII_HASH_KEY)(userId));
    const text = JSON.stringify(spans.map((s) => [s.attributes, s.events]));
    assert.ok(!text.includes(PORTFOLIO), 'the portfolio id (an input value) appears in no attribute');
    assert.ok(!text.includes(userId), 'the user id appears in no attribute');
    const values = spans.flatMap((s) => [
      ...Object.values(s.attributes),
      ...s.events.flatMap((e) => Object.values(e.attributes)),
    ]);
    assert.ok(!values.includes(37), 'the top_n value appears in no attribute');
  });

  it('records a cache hit as an event', async () => {
    const res = await svc.request('POST', '/v1/execute', {
      pattern_id: 'portfolio_overview',
      inputs: { portfolio_id: PORTFOLIO, top_n: 37 },
    });
    assert.equal(res.body.metadata.cached, true);
    const spans = await traceOf(svc, res.body.metadata.trace_id);
    const execute = spans.find((s) => s.kind === SpanKind.SERVER)!;
    assert.deepEqual(
      spans.map((s) => s.name),
      ['POST /v1/execute'],
      'a cached answer records one span',
    );
    assert.equal(execute.attributes['folio.cache_hit'], true);
    assert.ok(execute.events.some((e) => e.name === 'cache hit'));
  });

  it('continues the caller’s traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await svc.request('GET', '/v1/patterns', undefined, {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    assert.equal(res.status, 200);
    const server = (await traceOf(svc, traceId)).find((s) => s.kind === SpanKind.SERVER)!;
    assert.equal(server.parentSpanId, '00f067aa0ba902b7');
    assert.equal(server.name, 'GET /v1/patterns');
  });

  it('traces no health check or metrics scrape', async () => {
    const traceId = '5cf92f3577b34da6a3ce929d0e0e4737';
    const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
    assert.equal((await svc.request('GET', '/health/live', undefined, { traceparent })).status, 200);
    assert.equal((await fetch(`${svc.url}/metrics`, { headers: { traceparent } })).status, 200);
    // A traced request after them: once its server span is in, theirs would be too.
    const later = '6df92f3577b34da6a3ce929d0e0e4738';
    assert.equal(
      (await svc.request('GET', '/v1/patterns', undefined, { traceparent: `00-${later}-00f067aa0ba902b7-01` })).status,
      200,
    );
    await traceOf(svc, later);
    assert.deepEqual(
      (await svc.spans()).filter((s) => s.traceId === traceId),
      [],
    );
  });

  it('leaves a client error (404 pattern) UNSET and records its code', async () => {
    const res = await svc.request('POST', '/v1/execute', {
      pattern_id: 'no_such_pattern',
      inputs: { portfolio_id: PORTFOLIO },
    });
    assert.equal(res.status, 404);
    assert.equal(res.body.error, 'pattern_not_found');
    const spans = await traceOf(svc, res.body.trace_id);
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    assert.equal(server.attributes['http.response.status_code'], 404);
    assert.equal(server.status.code, SpanStatusCode.UNSET, 'a client error is not a server failure');
    assert.equal(server.attributes['folio.error_code'], 'pattern_not_found');
    assert.ok(
      server.events.some(
        (e) => e.name === 'request rejected' && e.attributes['folio.error_code'] === 'pattern_not_found',
      ),
    );
  });

  // Last: it breaks the database.
  it('marks a server failure (the database lost a table: 503) ERROR, with a step-failed event, and logs it with the request’s ids', async () => {
    const k = db.open();
    try {
      await k.schema.dropTable('transactions');
    } finally {
      await k.destroy();
    }
    // A portfolio not read before, so its ledger is not cached in the service.
    const res = await svc.request('POST', '/v1/execute', {
      pattern_id: 'portfolio_overview',
      inputs: { portfolio_id: 'pf_demo_eur' },
    });
    assert.equal(res.status, 503, JSON.stringify(res.body));
    const spans = await traceOf(svc, res.body.trace_id);
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    assert.equal(server.status.code, SpanStatusCode.ERROR);
    assert.equal(server.attributes['error.type'], '503');
    assert.equal(server.events.filter((e) => e.name === 'exception').length, 1, 'the exception is recorded once');
    const failed = server.events.filter((e) => e.name === 'step failed');
    assert.ok(failed.length >= 1, 'a step-failed event');
    assert.equal(failed[0]!.attributes['folio.error_code'], 'dependency_unavailable');
    const failedStep = spans.find(
      (s) => s.name === 'pattern.step' && s.attributes['folio.step'] === failed[0]!.attributes['folio.step'],
    )!;
    assert.equal(failedStep.attributes['folio.step.status'], 'failed');
    assert.equal(failedStep.status.code, SpanStatusCode.ERROR);

    const line = await svc.logLine((l) => l.msg === 'request failed' && l.request_id === res.body.request_id);
    assert.equal(line.trace_id, res.body.trace_id);
    assert.ok(
      spans.some((s) => s.spanId === line.span_id),
      'span_id names a span of the request’s trace',
    );
  });
});

describe('tracing: a trace the sampler drops [sqlite]', () => {
  let db: TestDatabase;
  let svc: TracedService;

  before(async () => {
    db = await seededDatabase('sqlite');
    // The default sampler follows the caller's sampled flag.
    // A slow request would be recorded after the fact (kept-traces.test.ts); none is here.
    svc = await startTracedService(db, { PII_HASH_KEY, FOLIO_RESULT_CACHE_SIZE: '0', FOLIO_TRACE_SLOW_MS: '60000' });
  });
  after(async () => {
    await svc?.stop();
    await db?.drop();
  });

  const executions = async (): Promise<number> => {
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    const line = /^folio_pattern_executions_total\{pattern="portfolio_overview",outcome="computed"\} (\d+)$/m.exec(
      text,
    );
    return Number(line?.[1] ?? 0);
  };

  it('records no spans, still names the caller’s trace on the response, and still counts the run', async () => {
    const dropped = '0af7651916cd43dd8448eb211c80319c';
    const before = await executions();
    const res = await svc.request(
      'POST',
      '/v1/execute',
      { pattern_id: 'portfolio_overview', inputs: { portfolio_id: PORTFOLIO } },
      { traceparent: `00-${dropped}-b7ad6b7169203331-00` },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.metadata.trace_id, dropped);
    assert.equal(await executions(), before + 1, 'metrics do not depend on sampling');

    // A sampled request after it: once its spans are in, the dropped one's would be too.
    const kept = 'e1c2bd2f3a0b4c5d8e9f0a1b2c3d4e5f';
    const next = await svc.request(
      'POST',
      '/v1/execute',
      { pattern_id: 'portfolio_overview', inputs: { portfolio_id: PORTFOLIO } },
      { traceparent: `00-${kept}-b7ad6b7169203331-01` },
    );
    assert.equal(next.status, 200);
    const spans = await traceOf(svc, kept);
    assert.equal(spans.filter((s) => s.name === 'pattern.step').length, 7, 'the sampled request has its full tree');
    assert.deepEqual(
      (await svc.spans()).filter((s) => s.traceId === dropped),
      [],
      'no span of the dropped trace',
    );
  });
});
