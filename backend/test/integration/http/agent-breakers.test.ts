import assert from 'node:assert/strict';
import { describeEachDb, postgresUnavailable, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { until } from '../../support/until.js';
import { startTracedService, type SpanRecord, type TracedService } from '../observability/support/traced-process.js';

const PORTFOLIO = 'pf_demo_usd';
const BREAKER = 'agent:history';
const RESET_MS = 4000;

const sample = (text: string, name: string, labels: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

/**
 * The history agent's breaker through the HTTP API, with a real fault: the table of pack rows
 * the history agent lists on every call (and nothing else reads once the pins and the pinned
 * pack are cached) is renamed away in the test's own database, then back.
 */
describeEachDb('agent circuit breakers', (dialect) => {
  let db: TestDatabase;
  let svc: TracedService;

  before(async () => {
    db = await seededDatabase(dialect);
    svc = await startTracedService(db, {
      // Pins are answered from memory during the fault, so only the history agent meets it.
      FOLIO_CURRENT_STATE_TTL_MS: '60000',
      // Histories are computed, not remembered, so each call reads the pack list.
      FOLIO_CACHE_HISTORY_POINTS: '0',
      FOLIO_AGENT_HISTORY_BREAKER_VOLUME_THRESHOLD: '3',
      FOLIO_AGENT_HISTORY_BREAKER_ERROR_THRESHOLD_PERCENT: '25',
      FOLIO_AGENT_HISTORY_BREAKER_RESET_TIMEOUT_MS: String(RESET_MS),
    });
  });
  after(async () => {
    await svc?.stop();
    await db?.drop();
  });

  const renamePacks = async (from: string, to: string) => {
    const k = db.open();
    try {
      await k.schema.renameTable(from, to);
    } finally {
      await k.destroy();
    }
  };
  const overview = (topN: number) =>
    svc.request('POST', '/v1/execute', {
      pattern_id: 'portfolio_overview',
      inputs: { portfolio_id: PORTFOLIO, top_n: topN },
    });
  const risk = (inputs: Record<string, unknown> = {}) =>
    svc.request('POST', '/v1/execute', { pattern_id: 'risk', inputs: { portfolio_id: PORTFOLIO, ...inputs } });
  const metrics = async () => (await fetch(`${svc.url}/metrics`)).text();
  const event = (text: string, name: string) =>
    sample(text, 'folio_circuit_breaker_events_total', `breaker="${BREAKER}",event="${name}"`);
  const state = (text: string) => sample(text, 'folio_circuit_breaker_state', `breaker="${BREAKER}"`);
  const spansOf = (traceId: string, name: string) =>
    until(`${name} spans of trace ${traceId}`, async () => {
      const spans = (await svc.spans()).filter((s) => s.traceId === traceId && s.name === name);
      return spans.length > 0 ? spans : undefined;
    });
  const eventNames = (s: SpanRecord) => s.events.map((e) => e.name);

  it('opens on failures but not on client errors, fails fast with 503, degrades optional steps, and closes after a good probe', async () => {
    // Every agent of the registration table has a closed breaker from the start.
    let text = await metrics();
    for (const agent of ['allocation', 'attribution', 'history', 'holdings', 'ledger', 'metrics', 'pricing'])
      assert.equal(sample(text, 'folio_circuit_breaker_state', `breaker="agent:${agent}"`), 0, agent);

    const warm = await overview(1);
    assert.equal(warm.status, 200, JSON.stringify(warm.body));
    assert.ok(warm.body.result.metrics, 'the complete overview has its metrics strip');
    assert.ok(!warm.body.warnings.some((w: { code: string }) => w.code === 'step_left_out'));

    // A client's mistake reaching the agent (an unknown benchmark) is no failure.
    for (let i = 0; i < 3; i++) {
      const bad = await risk({ benchmark: 'ZZZZ' });
      assert.equal(bad.status, 404);
      assert.equal(bad.body.error, 'security_not_found');
    }
    text = await metrics();
    assert.equal(event(text, 'failure'), 0);
    assert.equal(state(text), 0);

    type Reply = Awaited<ReturnType<TracedService['request']>>;
    let degraded: Reply, rejected: Reply, again: Reply;
    await renamePacks('pricing_packs', 'pricing_packs_away');
    try {
      // First failure: the breaker stays closed (1 of 5 calls) and the answer fails as it would without one.
      const failed = await risk();
      assert.ok(failed.status >= 500, `a server-side failure, got ${failed.status}`);
      assert.ok(failed.body.error !== 'dependency_unavailable' || failed.body.details.agent === undefined);

      // Second failure, in an optional step: the answer is given without history and the metrics strip that reads it.
      degraded = await overview(2);
      assert.equal(degraded.status, 200, JSON.stringify(degraded.body));
      assert.equal(degraded.body.result.metrics, null);
      assert.ok(degraded.body.result.valuation, 'the rest of the overview is there');
      const leftOut = degraded.body.warnings.filter((w: { code: string }) => w.code === 'step_left_out');
      assert.deepEqual(
        leftOut.map((w: { message: string }) => w.message),
        [
          'step "history" (history.values) was left out: its agent history failed or is unavailable',
          'step "metrics" (metrics.summary) was left out: it reads step "history", which was left out',
        ],
      );

      // That opened it: the step fails fast with 503, Retry-After and the agent named.
      rejected = await risk();
      assert.equal(rejected.status, 503);
      assert.equal(rejected.body.error, 'dependency_unavailable');
      assert.deepEqual(rejected.body.details, { agent: 'history', capability: 'history.values' });
      const retryAfter = Number(rejected.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= Math.ceil(RESET_MS / 1000), `Retry-After ${retryAfter}`);

      const rejectedOptional = await overview(3);
      assert.equal(rejectedOptional.status, 200);
      assert.equal(rejectedOptional.body.result.metrics, null);
      // The hash is a function of the pins and of which steps were left out, not of why they were.
      again = await overview(2);
      assert.equal(again.body.metadata.cached, false, 'a degraded answer is not cached');
      assert.equal(again.body.metadata.result_hash, degraded.body.metadata.result_hash);
    } finally {
      await renamePacks('pricing_packs_away', 'pricing_packs');
    }

    text = await metrics();
    assert.equal(state(text), 1, 'open');
    assert.equal(event(text, 'failure'), 2);
    assert.equal(event(text, 'open'), 1);
    assert.equal(event(text, 'reject'), 3);
    assert.equal(event(text, 'fallback'), 3);
    assert.equal(
      sample(
        text,
        'folio_pattern_step_duration_seconds_count',
        'pattern="portfolio_overview",step="history",status="left_out"',
      ),
      3,
    );
    const opened = await svc.logLine((l) => l.breaker === BREAKER && l.event === 'open');
    assert.equal(opened.level, 40);

    // Spans: the failing step's span (one per step, around its capability call) carries the
    // breaker's events and the step's status.
    const trace = degraded.body.metadata.trace_id as string;
    const historyStep = async (traceId: string) => {
      const found = await until(`the history step's span of trace ${traceId}`, async () =>
        (await spansOf(traceId, 'pattern.step')).find((s) => s.attributes['folio.step'] === 'history'),
      );
      assert.equal(found.attributes['folio.capability'], 'history.values');
      assert.equal(found.attributes['folio.agent'], 'history');
      return found;
    };
    const failing = await historyStep(trace);
    assert.ok(eventNames(failing).includes('breaker.failure'), eventNames(failing).join());
    assert.ok(eventNames(failing).includes('breaker.open'));
    assert.ok(eventNames(failing).includes('breaker.fallback'));
    const steps = await spansOf(trace, 'pattern.step');
    const statusOf = (step: string) =>
      steps.find((s) => s.attributes['folio.step'] === step)?.attributes['folio.step.status'];
    assert.equal(statusOf('history'), 'left_out');
    assert.equal(statusOf('metrics'), 'left_out');
    assert.equal(statusOf('valuation'), 'ok');
    const [request] = await spansOf(trace, 'POST /v1/execute');
    assert.equal(request!.events.filter((e) => e.name === 'step left out').length, 2);
    const rejectedCall = await historyStep(rejected.body.trace_id as string);
    assert.ok(eventNames(rejectedCall).includes('breaker.reject'));

    // After the reset timeout the breaker lets one trial call through; a good one closes it.
    await until('the half-open state', async () => (state(await metrics()) === 2 ? true : undefined), RESET_MS + 5000);
    const probe = await overview(2);
    assert.equal(probe.status, 200);
    assert.ok(probe.body.result.metrics, 'complete again');
    assert.equal(probe.body.metadata.cached, false);
    assert.notEqual(probe.body.metadata.result_hash, again.body.metadata.result_hash);
    // The reset timer half-opened it outside any request, so the trial call's step span tells of it.
    const closing = await historyStep(probe.body.metadata.trace_id as string);
    const trial = eventNames(closing).filter((e) => e.startsWith('breaker.'));
    assert.deepEqual(trial, ['breaker.half_open', 'breaker.close']);
    text = await metrics();
    assert.equal(state(text), 0);
    assert.equal(event(text, 'half_open'), 1);
    assert.equal(event(text, 'close'), 1);
    await svc.logLine((l) => l.breaker === BREAKER && l.event === 'close');

    // Replay of the degraded answer runs everything again and says it no longer matches.
    const replay = await svc.request('POST', `/v1/executions/${degraded.body.metadata.request_id}/replay`);
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.match, false);
    assert.ok(replay.body.result.metrics);
  });
});

/**
 * The agent's call timeout, with a real fault: the pack table is locked by another transaction in
 * the test's own PostgreSQL database, so the history agent's query waits. (SQLite has no table
 * locks that block readers, so this fault exists on PostgreSQL only.)
 */
describe('agent call timeout [postgres]', function () {
  const TIMEOUT_MS = 400;
  let db: TestDatabase;
  let srv: TestServer;

  before(async function () {
    const reason = await postgresUnavailable();
    if (reason !== null) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL is required under CI=true: ${reason}`);
      this.skip();
    }
    db = await seededDatabase('postgres');
    srv = await startTestServer(db, {
      FOLIO_CURRENT_STATE_TTL_MS: '60000',
      FOLIO_CACHE_HISTORY_POINTS: '0',
      FOLIO_AGENT_HISTORY_TIMEOUT_MS: String(TIMEOUT_MS),
    });
  });
  after(async () => {
    await srv?.close();
    await db?.drop();
  });

  it('fails a required step with 504 naming the agent and leaves an optional one out, while the table is locked', async () => {
    const execute = (pattern_id: string, inputs: Record<string, unknown> = {}) =>
      srv.request('POST', '/v1/execute', { body: { pattern_id, inputs: { portfolio_id: PORTFOLIO, ...inputs } } });
    assert.equal((await execute('portfolio_overview', { top_n: 1 })).status, 200);

    const k = db.open();
    const locker = await k.transaction();
    try {
      await locker.raw('LOCK TABLE pricing_packs IN ACCESS EXCLUSIVE MODE');
      const slow = await execute('risk');
      assert.equal(slow.status, 504, JSON.stringify(slow.body));
      assert.equal(slow.body.error, 'timeout');
      assert.deepEqual(slow.body.details, { agent: 'history', capability: 'history.values', timeout_ms: TIMEOUT_MS });

      const degraded = await execute('portfolio_overview', { top_n: 2 });
      assert.equal(degraded.status, 200);
      assert.equal(degraded.body.result.metrics, null);
      assert.deepEqual(
        degraded.body.warnings.map((w: { code: string }) => w.code),
        ['step_left_out', 'step_left_out'],
      );
    } finally {
      await locker.rollback();
      await k.destroy();
    }
    const complete = await execute('portfolio_overview', { top_n: 2 });
    assert.equal(complete.status, 200);
    assert.ok(complete.body.result.metrics);
    assert.deepEqual(complete.body.warnings, []);
  });
});
