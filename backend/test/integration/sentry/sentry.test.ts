import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createDb } from '../../../src/db/knex.js';
import * as portfolios from '../../../src/db/repositories/portfolios.js';
import { createUserWithKey } from '../../../src/db/repositories/users.js';
import { keyedHasher } from '../../../src/observability/pii.js';
import { seededDatabase, type TestDatabase } from '../../support/databases.js';
import { runFolio, startService, tempDir, type ServiceProcess, type TempDir } from '../../support/folio-process.js';
import { startSentrySink, type SentrySink } from './sentry-sink.js';

const PII_HASH_KEY = 'sentry-test-pii-hash-key-6b1f0e9d';
const hash = keyedHasher(PII_HASH_KEY);

const USERNAME = 'jane-canary-username';
const API_KEY = 'fk_SentryCanaryKey0123456789abcdefgh';
const EMAIL = 'jane.canary@example.org';
const IBAN = 'DE89370400440532013000';
const CARD = '4111 1111 1111 1111';
const AMOUNT = '73519.84';
const PRICE = '4821.37';

/** Every spelling a canary could travel in: as is, URL-encoded, form-encoded, without separators. */
function forms(canary: string): string[] {
  return [...new Set([canary, encodeURIComponent(canary), canary.replaceAll(' ', '+'), canary.replace(/[ -]/g, '')])];
}

function assertNoCanaryIn(sink: SentrySink, canaries: string[]): void {
  assert.ok(sink.envelopes.length > 0, 'envelopes were received');
  for (const envelope of sink.envelopes) {
    for (const c of canaries) {
      for (const f of forms(c))
        assert.ok(!envelope.text.includes(f), `canary ${JSON.stringify(f)} left the process:\n${envelope.text}`);
    }
  }
}

const traceparent = () => {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, header: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
};

interface FailingService {
  svc: ServiceProcess;
  userId: string;
  portfolioId: string;
  /** Personal and financial data that must never reach Sentry. */
  canaries: string[];
  /** A ledger import that fails inside the database, carrying personal and financial data everywhere it can. */
  failingImport(opts?: {
    traceparent?: boolean;
  }): Promise<{ status: number; body: { error: string; request_id: string; trace_id: string }; traceId?: string }>;
  close(): Promise<void>;
}

/** The seeded demo database plus a user and portfolio of our own, and a database that refuses every ledger write. */
async function startFailingService(sink: SentrySink, env: Record<string, string> = {}): Promise<FailingService> {
  const dir: TempDir = tempDir('folio-sentry-');
  const seeded: TestDatabase = await seededDatabase('sqlite');
  const file = path.join(dir.path, 'folio.sqlite');
  fs.copyFileSync(seeded.config.sqliteFile, file);
  await seeded.drop();
  const db = createDb({ sqliteFile: file });
  let userId: string;
  let portfolioId: string;
  try {
    userId = (await createUserWithKey(db, USERNAME, API_KEY)).user.id;
    portfolioId = (await portfolios.create(db, userId, 'canary portfolio', 'USD')).id;
    // A storage failure the service cannot foresee: every ledger write is refused.
    await db.raw(
      `create trigger refuse_ledger_writes before insert on transactions begin select raise(abort, 'storage rejected the row'); end`,
    );
  } finally {
    await db.destroy();
  }
  const svc = await startService({
    FOLIO_DATA_DIR: dir.path,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
    FOLIO_SEED_DEMO: 'false',
    SENTRY_DSN: sink.dsn,
    PII_HASH_KEY,
    ...env,
  });
  return {
    svc,
    userId,
    portfolioId,
    canaries: [userId, portfolioId, USERNAME, API_KEY, EMAIL, IBAN, CARD, AMOUNT, PRICE],
    async failingImport(opts = { traceparent: true }) {
      const tp = opts.traceparent ? traceparent() : undefined;
      const query = new URLSearchParams({ user_id: userId, email: EMAIL, iban: IBAN, amount: AMOUNT });
      const res = await fetch(`${svc.url}/v1/portfolios/${portfolioId}/transactions?${query}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${API_KEY}`,
          'content-type': 'application/json',
          'x-contact': EMAIL,
          cookie: `session=${API_KEY}`,
          ...(tp ? { traceparent: tp.header } : {}),
        },
        body: JSON.stringify({
          transactions: [
            {
              date: '2024-01-02',
              type: 'DEPOSIT',
              amount: Number(AMOUNT),
              currency: 'USD',
              note: `refund ${EMAIL} via ${IBAN}, card ${CARD}`,
            },
            { date: '2024-01-03', type: 'BUY', symbol: 'AAPL', quantity: 3, price: Number(PRICE), currency: 'USD' },
          ],
        }),
      });
      const body = (await res.json()) as { error: string; request_id: string; trace_id: string };
      return { status: res.status, body, traceId: tp?.traceId };
    },
    async close() {
      await svc.stop('SIGKILL').catch(() => undefined);
      dir.remove();
    },
  };
}

const byRequest = (requestId: string) => (e: any) => e.tags?.request_id === requestId;

describe('Sentry error reports from a running service (SQLite, real SDK, local ingestion endpoint)', () => {
  let sink: SentrySink;
  let service: FailingService;

  before(async () => {
    sink = await startSentrySink();
    service = await startFailingService(sink);
  });

  after(async () => {
    await service?.close();
    await sink?.close();
  });

  it('reports a 5xx with the trace id of the response, the keyed hash of the user, and no personal or financial data', async () => {
    const r = await service.failingImport();
    assert.equal(r.status, 500, JSON.stringify(r.body));
    assert.equal(r.body.error, 'internal_error');
    assert.equal(r.body.trace_id, r.traceId, "the response continues the caller's trace");
    const event = await sink.waitForEvent(byRequest(r.body.request_id));

    assert.equal(event.contexts?.trace?.trace_id, r.body.trace_id);
    assert.equal(event.user?.id, hash(service.userId));
    assert.equal(event.tags.route, 'POST /v1/portfolios/:id/transactions');
    assert.equal(event.transaction, 'POST /v1/portfolios/:id/transactions');
    assert.equal(event.environment, 'test');
    const exception = event.exception.values.at(-1);
    assert.match(exception.value, /storage rejected the row/, 'the database error reaches the report');
    assert.match(exception.value, /insert into "transactions" \(/, 'with the statement, its values masked');
    assert.ok(Array.isArray(exception.stacktrace?.frames) && exception.stacktrace.frames.length > 0);
    // The request was captured (so the canaries were there to leak) and scrubbed; its body never is.
    assert.equal(event.request?.method, 'POST');
    assert.equal(event.request?.data, undefined);
    assert.equal(event.request?.headers?.authorization, '[REDACTED]');
    assert.equal(event.request?.headers?.['x-contact'], '[EMAIL]');
    assert.equal(new URLSearchParams(event.request?.query_string).get('user_id'), hash(service.userId));
    assertNoCanaryIn(sink, service.canaries);
  });

  it('reports nothing for 4xx responses, and health checks leave neither events nor breadcrumbs', async () => {
    const { svc, portfolioId } = service;
    const before = sink.events().length;
    const notFound = await fetch(`${svc.url}/v1/portfolios/pf_does_not_exist?email=${encodeURIComponent(EMAIL)}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    assert.equal(notFound.status, 404);
    const unauthorized = await fetch(`${svc.url}/v1/portfolios`, {
      headers: { authorization: 'Bearer not-a-key-of-anyone' },
    });
    assert.equal(unauthorized.status, 401);
    const invalid = await fetch(`${svc.url}/v1/portfolios/${portfolioId}/transactions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: '{"transactions": [{"type": "NOPE"}]}',
    });
    assert.equal(invalid.status, 400);
    for (const p of ['/health/live', '/health/ready', '/health/pack', '/health/live', '/metrics']) {
      await fetch(svc.url + p);
    }
    // Reports are sent in capture order, so once a later 5xx has arrived, anything earlier would have too.
    const sentinel = await service.failingImport();
    assert.equal(sentinel.status, 500);
    const event = await sink.waitForEvent(byRequest(sentinel.body.request_id));
    assert.deepEqual(
      sink
        .events()
        .slice(before)
        .map((e) => e.tags?.request_id),
      [sentinel.body.request_id],
      'the 5xx is the only event',
    );
    const crumbs = JSON.stringify(event.breadcrumbs ?? []);
    assert.ok(!/\/health|\/metrics/.test(crumbs), `no health or metrics breadcrumbs: ${crumbs}`);
    assertNoCanaryIn(sink, service.canaries);
  });

  it('flushes on shutdown: a report captured just before SIGTERM still arrives', async () => {
    const r = await service.failingImport();
    assert.equal(r.status, 500);
    const stopped = await service.svc.stop('SIGTERM', 15_000);
    assert.equal(stopped.code, 0, service.svc.stderr());
    assert.ok(sink.events().some(byRequest(r.body.request_id)), 'the event was received before the process exited');
    assertNoCanaryIn(sink, service.canaries);
  });
});

describe('Sentry error reports with OpenTelemetry tracing on', () => {
  let sink: SentrySink;
  let service: FailingService;

  before(async () => {
    sink = await startSentrySink();
    service = await startFailingService(sink, {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.otlpEndpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
  });

  after(async () => {
    await service?.close();
    await sink?.close();
  });

  it('links the event to the exported request span: same trace as the response, and a span of it', async () => {
    const r = await service.failingImport({ traceparent: false });
    assert.equal(r.status, 500, JSON.stringify(r.body));
    const event = await sink.waitForEvent(byRequest(r.body.request_id));
    assert.equal(event.contexts?.trace?.trace_id, r.body.trace_id);
    // Spans are exported in batches; shutting down flushes them.
    assert.equal((await service.svc.stop('SIGTERM', 15_000)).code, 0, service.svc.stderr());
    const traceSpans = sink.spans.filter(([t]) => t === r.body.trace_id).map(([, s]) => s);
    assert.ok(
      traceSpans.length > 0,
      `spans of trace ${r.body.trace_id} were exported (got ${sink.spans.length} spans)`,
    );
    assert.ok(traceSpans.includes(event.contexts.trace.span_id), 'the event points at a span of the request');
    assertNoCanaryIn(sink, service.canaries);
  });
});

describe('Sentry reports of a failing job (folio build-pack against an unreachable provider)', () => {
  let sink: SentrySink;
  let dir: TempDir;

  before(async () => {
    sink = await startSentrySink();
    dir = tempDir('folio-sentry-job-');
  });

  after(async () => {
    await sink?.close();
    dir?.remove();
  });

  it('reports the failure with the job, date and provider, and without the provider key or URL credentials', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as { port: number }).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const providerKey = 'fk_ProviderCanaryKey0123456789abcdef';
    const r = await runFolio(['build-pack', '--date', '2025-10-27'], {
      env: {
        FOLIO_DATA_DIR: dir.path,
        LOG_LEVEL: 'info',
        NODE_ENV: 'test',
        SENTRY_DSN: sink.dsn,
        PII_HASH_KEY,
        FOLIO_PROVIDER: 'http',
        FOLIO_PROVIDER_HTTP_URL: `http://${encodeURIComponent(EMAIL)}:${PRICE}@127.0.0.1:${port}/prices?account=${USERNAME}`,
        FOLIO_PROVIDER_HTTP_API_KEY: providerKey,
        FOLIO_PROVIDER_RETRIES: '0',
      },
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 1, r.stderr);
    const event = await sink.waitForEvent((e) => e.tags?.kind === 'job', 5000);
    assert.equal(event.tags.job, 'build-pack');
    assert.equal(event.tags.date, '2025-10-27');
    assert.equal(event.tags.provider, 'http');
    assert.equal(event.transaction, 'job build-pack');
    assertNoCanaryIn(sink, [providerKey, EMAIL, PRICE, USERNAME]);
  });
});
