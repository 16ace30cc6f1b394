import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import path from 'node:path';
import { DEMO_KEY, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { startService, tempDir, type ServiceProcess, type TempDir } from '../../support/folio-process.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A stand-in collector on 127.0.0.1: records every POST and answers 200. */
async function receiver(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(() => r())) };
}

/** A port nothing listens on: bound once, then released. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function until<T>(what: string, fn: () => T | undefined, ms = 15_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const v = fn();
    if (v !== undefined) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
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
    const svc = await startService({ ...env(), OTEL_TRACES_EXPORTER: 'jaeger', OTEL_EXPORTER_JAEGER_ENDPOINT: `${collector.url}/api/traces` });
    try {
      const res = await execute(svc);
      assert.equal(res.status, 200);
      const traceId = Buffer.from(res.body.metadata.trace_id as string, 'hex');
      const batch = await until('a batch with pattern.execute', () => collector.received.find((r) => r.body.includes('pattern.execute')));
      assert.equal(batch.path, '/api/traces');
      assert.equal(batch.headers['content-type'], 'application/x-thrift');
      // Thrift binary Batch: field 1 is the Process struct (type 12), whose service name comes first.
      assert.deepEqual([...batch.body.subarray(0, 3)], [0x0c, 0x00, 0x01]);
      assert.ok(batch.body.includes('folio-executor'), 'service name');
      for (const name of ['pattern.step', 'capability ledger.positions', 'POST /v1/execute']) {
        assert.ok(collector.received.some((r) => r.body.includes(name)), `span ${name} exported`);
      }
      // traceIdHigh and traceIdLow are i64s, big-endian.
      assert.ok(batch.body.includes(traceId.subarray(0, 8)) && batch.body.includes(traceId.subarray(8)), 'the response’s trace id');
    } finally {
      await svc.stop();
      await collector.close();
    }
  });

  it('otlp: POSTs OTLP JSON to /v1/traces with the service name and the request’s trace', async () => {
    const collector = await receiver();
    const svc = await startService({ ...env(), OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    try {
      const res = await execute(svc);
      assert.equal(res.status, 200);
      const traceId = res.body.metadata.trace_id as string;
      const post = await until('an export with pattern.execute', () => collector.received.find((r) => r.body.includes('pattern.execute')));
      assert.equal(post.path, '/v1/traces');
      assert.equal(post.headers['content-type'], 'application/json');
      const payload = JSON.parse(post.body.toString('utf8')) as {
        resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { name: string; traceId: string }[] }[] }[];
      };
      const rs = payload.resourceSpans[0]!;
      assert.equal(rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue, 'folio-executor');
      const spans = payload.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
      assert.equal(spans.find((s) => s.name === 'pattern.execute')?.traceId, traceId);
    } finally {
      await svc.stop();
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
