import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { DEMO_KEY, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { runFolio, startService, tempDir, type ServiceProcess, type TempDir } from '../../support/folio-process.js';
import { until } from '../../support/until.js';
import { decodeOtlpProto, receiver } from './support/collector.js';

/** A port nothing listens on: bound once, then released. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function execute(svc: ServiceProcess): Promise<{ status: number; body: any }> {
  const res = await fetch(`${svc.url}/v1/execute`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEMO_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } }),
  });
  return { status: res.status, body: await res.json() };
}

describe('tracing exporters: a real `folio serve` against a local collector', function () {
  let seeded: TestDatabase;
  let dir: TempDir;
  const env = () => ({
    FOLIO_DATA_DIR: dir.path,
    FOLIO_SEED_DEMO: 'false',
    FOLIO_DEMO_API_KEY: DEMO_KEY,
    PORT: '0',
    HOST: '127.0.0.1',
    PII_HASH_KEY: 'exporter-test-key-0123456789abcdef',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    FOLIO_SHUTDOWN_TIMEOUT_MS: '3000',
  });

  before(async () => {
    seeded = await seededDatabase('sqlite');
    dir = tempDir();
    fs.copyFileSync(seeded.config.sqliteFile, path.join(dir.path, 'folio.sqlite'));
  });
  after(async () => {
    dir?.remove();
    await seeded?.drop();
  });

  it('jaeger: POSTs thrift batches with the service name and the spans of the request', async () => {
    const collector = await receiver();
    const svc = await startService({
      ...env(),
      OTEL_TRACES_EXPORTER: 'jaeger',
      OTEL_EXPORTER_JAEGER_ENDPOINT: `${collector.url}/api/traces`,
    });
    try {
      const res = await execute(svc);
      assert.equal(res.status, 200);
      const traceId = Buffer.from(res.body.metadata.trace_id as string, 'hex');
      const batch = await until('a batch with the server span', () =>
        collector.received.find((r) => r.body.includes('POST /v1/execute')),
      );
      assert.equal(batch.path, '/api/traces');
      assert.equal(batch.headers['content-type'], 'application/x-thrift');
      // Thrift binary Batch: field 1 is the Process struct (type 12), whose service name comes first.
      assert.deepEqual([...batch.body.subarray(0, 3)], [0x0c, 0x00, 0x01]);
      assert.ok(batch.body.includes('folio-executor'), 'service name');
      for (const name of ['pattern.step', 'ledger.positions', 'folio.result_hash']) {
        assert.ok(
          collector.received.some((r) => r.body.includes(name)),
          `${name} exported`,
        );
      }
      // traceIdHigh and traceIdLow are i64s, big-endian.
      assert.ok(
        batch.body.includes(traceId.subarray(0, 8)) && batch.body.includes(traceId.subarray(8)),
        'the response’s trace id',
      );
    } finally {
      await svc.stop();
      await collector.close();
    }
  });

  it('otlp: POSTs OTLP protobuf (the default protocol) to /v1/traces: the request’s span tree, with the service name', async () => {
    const collector = await receiver();
    const svc = await startService({
      ...env(),
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    });
    try {
      const res = await execute(svc);
      assert.equal(res.status, 200);
      const traceId = res.body.metadata.trace_id as string;
      const posts = await until('exports with the server span and the step spans', () => {
        const got = collector.received.filter(
          (r) => r.body.includes('pattern.step') || r.body.includes('POST /v1/execute'),
        );
        return got.some((r) => r.body.includes('POST /v1/execute')) && got.some((r) => r.body.includes('pattern.step'))
          ? got
          : undefined;
      });
      for (const post of posts) {
        assert.equal(post.path, '/v1/traces');
        assert.equal(post.headers['content-type'], 'application/x-protobuf');
      }
      const requests = posts.map((p) => decodeOtlpProto(p.body));
      const rs = requests[0]!.resourceSpans[0]!;
      assert.equal(rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue, 'folio-executor');
      const spans = requests.flatMap((r) => r.resourceSpans.flatMap((x) => x.scopeSpans.flatMap((s) => s.spans)));
      const ofTrace = spans.filter((s) => s.traceId.toString('hex') === traceId);
      const server = ofTrace.find((s) => s.name === 'POST /v1/execute')!;
      assert.ok(server, `the server span is exported: ${ofTrace.map((s) => s.name).join(', ')}`);
      assert.equal(server.kind, 2, 'SPAN_KIND_SERVER');
      assert.equal(server.parentSpanId.length, 0, 'the server span is the root');
      assert.equal(server.attributes.find((a) => a.key === 'http.route')?.value.stringValue, '/v1/execute');
      assert.equal(server.attributes.find((a) => a.key === 'http.response.status_code')?.value.intValue, '200');
      assert.equal(
        server.attributes.find((a) => a.key === 'folio.result_hash')?.value.stringValue,
        res.body.metadata.result_hash,
        'the server span describes the execution',
      );
      const steps = ofTrace.filter((s) => s.name === 'pattern.step');
      assert.equal(steps.length, 7);
      for (const step of steps) assert.deepEqual(step.parentSpanId, server.spanId);
    } finally {
      await svc.stop();
      await collector.close();
    }
  });

  it('otlp: POSTs OTLP JSON with OTEL_EXPORTER_OTLP_PROTOCOL=http/json', async () => {
    const collector = await receiver();
    const svc = await startService({
      ...env(),
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
    try {
      const res = await execute(svc);
      assert.equal(res.status, 200);
      const traceId = res.body.metadata.trace_id as string;
      const post = await until('an export with the server span', () =>
        collector.received.find((r) => r.body.includes('POST /v1/execute')),
      );
      assert.equal(post.path, '/v1/traces');
      assert.equal(post.headers['content-type'], 'application/json');
      const payload = JSON.parse(post.body.toString('utf8')) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: { name: string; traceId: string }[] }[];
        }[];
      };
      const rs = payload.resourceSpans[0]!;
      assert.equal(rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue, 'folio-executor');
      const spans = payload.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
      assert.equal(spans.find((s) => s.name === 'POST /v1/execute')?.traceId, traceId);
    } finally {
      await svc.stop();
      await collector.close();
    }
  });

  it('folio execute: the command’s span is the root of the pattern’s tree and describes the execution, in the trace it prints', async () => {
    const collector = await receiver();
    try {
      const r = await runFolio(['execute', 'portfolio_overview', '--input', 'portfolio_id=pf_demo_usd'], {
        env: {
          ...env(),
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        },
      });
      assert.equal(r.code, 0, r.stderr);
      const traceId = JSON.parse(r.stdout).metadata.trace_id as string;
      // The command flushes its spans before it exits.
      const spans = collector.received
        .filter((p) => p.path === '/v1/traces')
        .flatMap(
          (p) =>
            (
              JSON.parse(p.body.toString('utf8')) as {
                resourceSpans: {
                  scopeSpans: { spans: { name: string; traceId: string; spanId: string; parentSpanId?: string }[] }[];
                }[];
              }
            ).resourceSpans,
        )
        .flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))
        .filter((s) => s.traceId === traceId);
      const root = spans.find((s) => s.name === 'cli.execute');
      assert.ok(root, `a cli.execute span in the printed trace: ${spans.map((s) => s.name).join(', ')}`);
      assert.ok(!root.parentSpanId, 'cli.execute is the root');
      assert.ok(!spans.some((s) => s.name === 'pattern.execute'), 'the command’s span describes the execution');
      const steps = spans.filter((s) => s.name === 'pattern.step');
      assert.equal(steps.length, 7);
      for (const step of steps) assert.equal(step.parentSpanId, root.spanId);
    } finally {
      await collector.close();
    }
  });

  for (const exporter of ['otlp', 'jaeger'] as const) {
    it(`${exporter}: keeps serving with the collector down and still shuts down cleanly`, async () => {
      const port = await deadPort();
      const svc = await startService({
        ...env(),
        OTEL_TRACES_EXPORTER: exporter,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_JAEGER_ENDPOINT: `http://127.0.0.1:${port}/api/traces`,
      });
      for (let i = 0; i < 5; i++) assert.equal((await execute(svc)).status, 200);
      // Let at least one export fail before stopping.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await execute(svc)).status, 200);
      // FOLIO_SHUTDOWN_TIMEOUT_MS bounds the flush of spans nobody receives.
      const stopped = await svc.stop('SIGTERM', 10_000);
      assert.equal(stopped.code, 0, svc.stderr());
      assert.ok(stopped.ms < 8000, `stopped in ${stopped.ms} ms`);
      assert.ok(svc.logs().some((l) => l.msg === 'shut down'));
    });
  }
});
