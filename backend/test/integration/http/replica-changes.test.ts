import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { nowIso } from '../../../src/clock.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createApiKey, revokeApiKey } from '../../../src/services/users.js';
import { buildPack } from '../../../src/services/packs/build.js';
import { markPackFresh } from '../../../src/services/packs/mark-fresh.js';
import { reconcilePack } from '../../../src/services/packs/reconcile.js';
import { DEMO_KEY, requirePostgres, seededDatabase, type TestDatabase } from '../../support/databases.js';
import { runFolio, startService, type ServiceProcess } from '../../support/folio-process.js';
import { providerFor } from '../jobs/support.js';

/**
 * Caches far longer than any wait below: whatever a replica sees within the wait, it learnt
 * from a notification, not from an expired entry.
 */
const LONG_TTLS = { FOLIO_AUTH_CACHE_TTL_MS: '600000', FOLIO_CURRENT_STATE_TTL_MS: '60000' };
/** How long a change may take to reach a replica here: far below the TTLs, far above the notification's latency (docs/operations.md#replicas). */
const SEEN_WITHIN_MS = 5000;
/** The first trading day after the demo data's last pack. */
const NEXT_DATE = '2025-10-27';

interface Answer {
  status: number;
  body: any;
}

async function call(
  svc: ServiceProcess,
  method: string,
  path: string,
  opts: { key?: string; body?: unknown } = {},
): Promise<Answer> {
  const res = await fetch(svc.url + path, {
    method,
    headers: {
      authorization: `Bearer ${opts.key ?? DEMO_KEY}`,
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const execute = (svc: ServiceProcess, portfolioId: string) =>
  call(svc, 'POST', '/v1/execute', {
    body: { pattern_id: 'portfolio_overview', inputs: { portfolio_id: portfolioId }, require_fresh: false },
  });

/**
 * Asks `probe` every 5 ms until `seen` holds; the milliseconds from `since` to the start of the
 * first request that saw it. Fails after SEEN_WITHIN_MS with the last answer.
 */
async function msUntil(what: string, since: number, probe: () => Promise<Answer>, seen: (a: Answer) => boolean) {
  for (;;) {
    const asked = performance.now();
    const answer = await probe();
    if (seen(answer)) return Math.round(asked - since);
    if (performance.now() - since > SEEN_WITHIN_MS)
      assert.fail(
        `${what}: not seen within ${SEEN_WITHIN_MS} ms; last answer ${answer.status} ${JSON.stringify(answer.body?.metadata ?? answer.body).slice(0, 500)}`,
      );
    await new Promise((r) => setTimeout(r, 5));
  }
}

const metric = async (svc: ServiceProcess, sample: string) => {
  const text = await (await fetch(`${svc.url}/metrics`)).text();
  const escaped = sample.replace(/[{}"]/g, '\\$&');
  return Number(new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
};

const listening = async (svc: ServiceProcess) => {
  const deadline = Date.now() + 15_000;
  while ((await metric(svc, 'folio_change_listener_up')) !== 1) {
    assert.ok(Date.now() < deadline, 'the change listener is listening');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const deposit = (date: string, amount: number) => ({
  transactions: [{ date, type: 'DEPOSIT', amount, currency: 'USD' }],
});

describe('replicas on one PostgreSQL database hear of each other’s writes (LISTEN/NOTIFY)', function () {
  requirePostgres('replicas hear of writes');
  let t: TestDatabase;
  let db: Knex;
  let replicas: ServiceProcess[] = [];
  /** Figures printed once at the end, to compare with docs/operations.md#replicas. */
  const seenAfter: Record<string, number[]> = {};
  const note = (what: string, ms: number) => (seenAfter[what] ??= []).push(ms);

  before(async function () {
    this.timeout(180_000);
    t = await seededDatabase('postgres');
    db = t.open();
    const env = {
      DATABASE_URL: t.config.DATABASE_URL!,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      FOLIO_SEED_DEMO: 'false',
      FOLIO_DEMO_API_KEY: DEMO_KEY,
      FOLIO_RATE_LIMIT_PER_MINUTE: '0',
      ...LONG_TTLS,
    };
    const start = () => startService(env, { readyTimeoutMs: 90_000 });
    replicas = await Promise.all([start(), start(), start()]);
    for (const r of replicas) await listening(r);
  });
  after(async () => {
    if (Object.keys(seenAfter).length) console.log(`      seen after (ms): ${JSON.stringify(seenAfter)}`);
    await Promise.all(replicas.map((r) => r.stop('SIGTERM', 15_000).catch(() => r.stop('SIGKILL'))));
    await db?.destroy();
    await t?.drop();
  });

  it('when an import commits on replica A, replica B executes against the new ledger head', async () => {
    const [a, b] = replicas as [ServiceProcess, ServiceProcess];
    const created = await call(a, 'POST', '/v1/portfolios', { body: { name: 'replicated', base_currency: 'USD' } });
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    for (let i = 1; i <= 3; i++) {
      // B answers (and caches the head) before each import.
      const before = await execute(b, id);
      assert.equal(before.status, 200, JSON.stringify(before.body));
      const imported = await call(a, 'POST', `/v1/portfolios/${id}/transactions`, {
        body: deposit(`2025-10-0${i}`, 1000 * i),
      });
      const acked = performance.now();
      assert.equal(imported.status, 201, JSON.stringify(imported.body));
      const head = imported.body.ledger_commit_hash as string;
      assert.notEqual(before.body.metadata.ledger_commit_hash, head);
      const ms = await msUntil(
        'the new head on B',
        acked,
        () => execute(b, id),
        (r) => r.status === 200 && r.body.metadata.ledger_commit_hash === head,
      );
      note('ledger head', ms);
    }
    assert.ok((await metric(b, 'folio_change_notifications_total{kind="ledger"}')) >= 3);
  });

  it('when a key is revoked, by folio keys revoke or through the service, every replica refuses it', async () => {
    const env = { DATABASE_URL: t.config.DATABASE_URL! };
    for (const how of ['cli', 'service'] as const) {
      const key = await createApiKey(db, { username: 'demo', label: `revoked by ${how}` });
      // Every replica remembers the key as valid first.
      for (const r of replicas) assert.equal((await call(r, 'GET', '/v1/patterns', { key: key.api_key })).status, 200);
      let since: number;
      if (how === 'cli') {
        const revoked = await runFolio(['keys', 'revoke', key.id], { env });
        since = performance.now();
        assert.equal(revoked.code, 0, revoked.stderr);
        assert.match(revoked.stdout, /refuse it at once/);
      } else {
        await revokeApiKey(db, key.id);
        since = performance.now();
      }
      const seen = await Promise.all(
        replicas.map((r) =>
          msUntil(
            `key ${key.id} refused`,
            since,
            () => call(r, 'GET', '/v1/patterns', { key: key.api_key }),
            (res) => res.status === 401,
          ),
        ),
      );
      for (const ms of seen) note(`key revoked (${how})`, ms);
      const refused = await call(replicas[1]!, 'GET', '/v1/patterns', { key: key.api_key });
      assert.equal(refused.body.error, 'unauthorized');
    }
  });

  it('when a pack is marked fresh, replica B pins it (and not while it is only built)', async () => {
    const b = replicas[1]!;
    const before = await execute(b, 'pf_demo_usd');
    assert.equal(before.status, 200);
    assert.equal(before.body.metadata.pricing_pack_id, 'PP_2025-10-24');
    const ctx = { db, logger: createLogger({ level: 'silent', pretty: false }) };
    const built = await buildPack(
      ctx,
      { minCoverage: 1, lockTtlSeconds: 30 },
      { date: NEXT_DATE, provider: providerFor('demo'), markFresh: false, force: false },
    );
    assert.equal(built.ok, true, JSON.stringify(built));
    const id = `PP_${NEXT_DATE}`;
    assert.equal((await reconcilePack(ctx, id)).status, 'success');
    // Built and reconciled but warming: not a pin for anyone yet.
    assert.equal((await execute(b, 'pf_demo_usd')).body.metadata.pricing_pack_id, 'PP_2025-10-24');
    assert.equal((await markPackFresh(ctx, id, { force: false })).status, 'success');
    const since = performance.now();
    const seen = await Promise.all(
      replicas.map((r) =>
        msUntil(
          `${id} pinned`,
          since,
          () => execute(r, 'pf_demo_usd'),
          (res) => res.status === 200 && res.body.metadata.pricing_pack_id === id,
        ),
      ),
    );
    for (const ms of seen) note('pack fresh', ms);
  });

  it('when the listener connection is killed, the replica reconnects and re-reads what it had cached', async () => {
    const b = replicas[1]!;
    const key = await createApiKey(db, { username: 'demo', label: 'revoked behind the listener' });
    assert.equal((await call(b, 'GET', '/v1/patterns', { key: key.api_key })).status, 200);
    // Revoked by hand, with no notification: the cached answer outlives it (the TTL is 10 minutes).
    await db('api_keys').where({ id: key.id }).update({ revoked_at: nowIso() });
    assert.equal((await call(b, 'GET', '/v1/patterns', { key: key.api_key })).status, 200);

    const killed = await db.raw(
      'select pg_terminate_backend(pid) as killed from pg_stat_activity where application_name like ?',
      [`folio-listener ${b.child.pid} %`],
    );
    assert.deepEqual(
      killed.rows.map((r: { killed: boolean }) => r.killed),
      [true],
      'one listener connection per replica',
    );
    const deadline = Date.now() + 15_000;
    while (!b.logs().some((l) => l.msg.startsWith('change listener reconnected'))) {
      assert.ok(Date.now() < deadline, 'B logs that its change listener reconnected');
      await new Promise((r) => setTimeout(r, 20));
    }
    const lost = b.logs().find((l) => l.msg.startsWith('change listener lost its connection'));
    assert.equal(lost?.level, 40);
    assert.equal(await metric(b, 'folio_change_listener_up'), 1);
    assert.equal((await call(b, 'GET', '/v1/patterns', { key: key.api_key })).status, 401, 'the key was re-read');
    // And it hears notifications again.
    const created = await call(b, 'POST', '/v1/portfolios', {
      body: { name: 'after reconnect', base_currency: 'USD' },
    });
    const id = created.body.id as string;
    assert.equal((await execute(b, id)).status, 200);
    const imported = await call(replicas[0]!, 'POST', `/v1/portfolios/${id}/transactions`, {
      body: deposit('2025-10-01', 500),
    });
    assert.equal(imported.status, 201);
    await msUntil(
      'the new head on B after the reconnect',
      performance.now(),
      () => execute(b, id),
      (r) => r.body.metadata?.ledger_commit_hash === imported.body.ledger_commit_hash,
    );
  });
});
