import assert from 'node:assert/strict';
import fs from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { createDb } from '../../../src/db/knex.js';
import { DEMO_KEY, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { startService, tempDir, type ServiceProcess, type TempDir } from '../../support/folio-process.js';
import { until } from '../../support/until.js';
import { attribute, receivedSpans, receiver } from './support/collector.js';

const SLOW_MS = 300;

/**
 * POST /v1/execute; with `delayMs`, the body is sent that long after the headers, so the request
 * takes at least that long on the server whatever the machine's speed.
 */
function execute(
  svc: ServiceProcess,
  portfolioId: string,
  delayMs = 0,
): Promise<{ status: number; body: { metadata?: { trace_id: string }; trace_id?: string } }> {
  const body = JSON.stringify({ pattern_id: 'portfolio_overview', inputs: { portfolio_id: portfolioId } });
  return new Promise((resolve, reject) => {
    const req = request(
      `${svc.url}/v1/execute`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${DEMO_KEY}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.flushHeaders();
    setTimeout(() => req.end(body), delayMs);
  });
}

describe('tracing at 0% sampling: errors and slow requests still reach the collector, over OTLP', function () {
  let seeded: TestDatabase;
  let dir: TempDir;
  let collector: Awaited<ReturnType<typeof receiver>>;
  let svc: ServiceProcess;

  before(async () => {
    seeded = await seededDatabase('sqlite');
    dir = tempDir();
    fs.copyFileSync(seeded.config.sqliteFile, path.join(dir.path, 'folio.sqlite'));
    collector = await receiver();
    svc = await startService({
      FOLIO_DATA_DIR: dir.path,
      FOLIO_SEED_DEMO: 'false',
      FOLIO_DEMO_API_KEY: DEMO_KEY,
      PORT: '0',
      HOST: '127.0.0.1',
      PII_HASH_KEY: 'kept-traces-test-key-0123456789abcdef',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      // The production sampler, with a ratio that samples no new trace at all.
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
      FOLIO_TRACE_SLOW_MS: String(SLOW_MS),
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  });
  after(async () => {
    await svc?.stop();
    await collector?.close();
    dir?.remove();
    await seeded?.drop();
  });

  it('exports the server span of a 5xx and of a slow request, with their step timings, and nothing of a fast OK one', async () => {
    // The first execute loads caches and compiles code; it may be slow, so it proves nothing.
    assert.equal((await execute(svc, 'pf_demo_usd')).status, 200);
    const fastStarted = performance.now();
    const fast = await execute(svc, 'pf_demo_usd');
    assert.equal(fast.status, 200);
    assert.ok(performance.now() - fastStarted < SLOW_MS, 'the fast request is under the threshold');
    const slow = await execute(svc, 'pf_demo_cad', SLOW_MS + 200);
    assert.equal(slow.status, 200);
    // A portfolio not read yet, whose ledger is gone: a 503, the database cannot serve it.
    const db = createDb({ sqliteFile: path.join(dir.path, 'folio.sqlite') });
    try {
      await db.schema.dropTable('transactions');
    } finally {
      await db.destroy();
    }
    const failed = await execute(svc, 'pf_demo_eur');
    assert.equal(failed.status, 503, JSON.stringify(failed.body));

    const ids = {
      fast: fast.body.metadata!.trace_id,
      slow: slow.body.metadata!.trace_id,
      failed: failed.body.trace_id!,
    };
    // Spans are exported in the order they end, so once the last request's span is in, the
    // fast one's would be too.
    const spans = await until('the failed request’s span', () => {
      const got = receivedSpans(collector.received);
      return got.some((s) => s.traceId.toString('hex') === ids.failed) ? got : undefined;
    });
    const ofTrace = (id: string) => spans.filter((s) => s.traceId.toString('hex') === id);
    assert.deepEqual(ofTrace(ids.fast), [], 'a fast OK request the sampler dropped is not exported');

    const [error] = ofTrace(ids.failed);
    assert.equal(ofTrace(ids.failed).length, 1, 'one span: the server span, recorded after the fact');
    assert.equal(error!.name, 'POST /v1/execute');
    assert.equal(error!.kind, 2, 'SPAN_KIND_SERVER');
    assert.equal(error!.parentSpanId.length, 0, 'the root of its trace');
    assert.equal(error!.status?.code, 2, 'STATUS_CODE_ERROR');
    assert.equal(attribute(error!.attributes, 'http.response.status_code'), '503');
    assert.equal(attribute(error!.attributes, 'folio.kept'), 'error');
    assert.equal(attribute(error!.attributes, 'folio.pattern_id'), 'portfolio_overview');
    assert.equal(attribute(error!.attributes, 'folio.error_code'), 'dependency_unavailable');
    const failedSteps = error!.events.filter((e) => attribute(e.attributes, 'folio.step.status') === 'failed');
    assert.ok(failedSteps.length >= 1, 'the failed step is an event');
    assert.equal(attribute(failedSteps[0]!.attributes, 'folio.error_code'), 'dependency_unavailable');
    // A failed execution's record is stored too, after its last step.
    const storedOf = (span: typeof error) => span!.events.filter((e) => e.name === 'provenance stored');
    assert.equal(storedOf(error).length, 1, 'the provenance record is stored');
    assert.ok(BigInt(storedOf(error)[0]!.timeUnixNano) >= BigInt(failedSteps.at(-1)!.timeUnixNano));

    const [late] = ofTrace(ids.slow);
    assert.equal(ofTrace(ids.slow).length, 1);
    assert.equal(late!.name, 'POST /v1/execute');
    assert.equal(attribute(late!.attributes, 'folio.kept'), 'slow');
    assert.equal(attribute(late!.attributes, 'http.response.status_code'), '200');
    assert.notEqual(late!.status?.code, 2);
    const durationMs = Number(BigInt(late!.endTimeUnixNano) - BigInt(late!.startTimeUnixNano)) / 1e6;
    assert.ok(durationMs >= SLOW_MS + 150, `its real duration, ${durationMs} ms`);
    const steps = late!.events.filter((e) => e.name === 'step');
    assert.equal(steps.length, 7, 'one event per step of portfolio_overview');
    for (const step of steps) {
      assert.equal(attribute(step.attributes, 'folio.step.status'), 'ok');
      assert.ok(Number(attribute(step.attributes, 'folio.step.duration_ms')) >= 0);
      assert.ok(attribute(step.attributes, 'folio.capability'));
    }
    assert.equal(storedOf(late).length, 1, 'the provenance record is stored');
    assert.ok(BigInt(storedOf(late)[0]!.timeUnixNano) >= BigInt(steps.at(-1)!.timeUnixNano));
    assert.ok(BigInt(storedOf(late)[0]!.timeUnixNano) <= BigInt(late!.endTimeUnixNano));
    // The ids the logs name are the exported span's.
    const line = await until('the failed request’s log line', () =>
      svc.logs().find((l) => l.msg === 'request failed' && l.trace_id === ids.failed),
    );
    assert.equal(line.span_id, error!.spanId.toString('hex'));
  });
});
