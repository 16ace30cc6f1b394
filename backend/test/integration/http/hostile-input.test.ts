import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { Knex } from 'knex';
import { ERROR_STATUS } from '../../../src/errors.js';
import { verifyAllLedgers } from '../../../src/services/ledger-verify.js';
import { DEMO_KEY, describeEachDb } from '../../support/databases.js';
import { useSeededServer } from '../../support/server.js';
import { hostileCases, type HostileCase, type OpenApi } from './hostile-cases.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Sends a case byte for byte: node:http sends the target and body as given, raw cases go to a socket. */
function send(base: URL, agent: http.Agent, c: HostileCase): Promise<Answer> {
  if (c.raw) return sendRaw(base, c.raw);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: c.method,
        path: c.path,
        agent,
        headers: {
          authorization: `Bearer ${DEMO_KEY}`,
          ...c.headers,
          ...(c.body ? { 'content-length': String(c.body.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(c.body);
  });
}

function sendRaw(base: URL, bytes: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(base.port), base.hostname, () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, text: body });
    });
  });
}

/**
 * Why an answer breaks the contract, or null: no 5xx, and every error in the envelope. A
 * health route reports the service's state, so its plain answer (`usual`, 503 while the
 * demo's pack is overdue) is the one 5xx allowed there.
 */
function problemWith(a: Answer, usual: number | undefined): string | null {
  if (!Number.isInteger(a.status)) return 'no HTTP status';
  if (a.status >= 500 && a.status !== usual) return `status ${a.status}: ${a.text.slice(0, 300)}`;
  if (a.status >= 500) return null;
  if (a.status < 400) return null;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(a.text) as Record<string, unknown>;
  } catch {
    return `status ${a.status} without a JSON body: ${JSON.stringify(a.text.slice(0, 200))}`;
  }
  const code = body.error as keyof typeof ERROR_STATUS;
  if (ERROR_STATUS[code] !== a.status) return `status ${a.status} with error code ${String(code)}`;
  if (typeof body.message !== 'string') return 'no message';
  if (typeof body.details !== 'object' || body.details === null || Array.isArray(body.details)) return 'no details';
  if (typeof body.request_id !== 'string' || typeof body.trace_id !== 'string') return 'no request or trace id';
  if (a.headers['x-request-id'] !== body.request_id) return 'X-Request-ID differs from request_id';
  return null;
}

const GUARDED_TABLES = [
  'portfolios',
  'ledger_commits',
  'transactions',
  'pricing_packs',
  'prices',
  'fx_rates',
  'pack_portfolios',
  'pack_positions',
];

/** The ledger and pack rows as a comparable value: counts, every commit, every pack's state. */
async function snapshot(k: Knex): Promise<string> {
  const counts = await Promise.all(GUARDED_TABLES.map(async (t) => Number((await k(t).count({ n: '*' }))[0]!.n)));
  const commits = await k('ledger_commits').orderBy('hash').select('hash', 'parent_hash', 'seq', 'tx_count');
  const packs = await k('pricing_packs').orderBy('id').select('id', 'status', 'content_hash');
  return JSON.stringify({ counts, commits, packs });
}

/** Runs `fn` over `items` with at most `width` at a time. */
async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

describeEachDb('hostile input over HTTP', (dialect) => {
  // No rate limit: the suite sends far more than a minute's allowance from one key.
  const t = useSeededServer(dialect, { FOLIO_RATE_LIMIT_PER_MINUTE: '0' });
  let k: Knex;
  let cases: HostileCase[];
  let portfolio: string;
  let base: URL;
  let agent: http.Agent;
  before(async () => {
    k = t.db.open();
    base = new URL(t.srv.url);
    agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const created = await t.srv.request('POST', '/v1/portfolios', { body: { name: 'target', base_currency: 'USD' } });
    portfolio = created.body.id as string;
    const deposit = '2025-10-01,DEPOSIT,,,,1000,USD,,funding';
    const first = await t.srv.request('POST', `/v1/portfolios/${portfolio}/transactions`, {
      raw: `date,type,symbol,quantity,price,amount,currency,fee,note\n${deposit}\n`,
      headers: { 'content-type': 'text/csv' },
    });
    assert.equal(first.status, 201, first.text);
    const executed = await t.srv.request('POST', '/v1/execute', {
      body: { pattern_id: 'portfolio_overview', inputs: { portfolio_id: portfolio } },
      headers: { 'x-request-id': 'hostile-fixture' },
    });
    assert.equal(executed.status, 200, executed.text);
    const packs = await t.srv.request('GET', '/v1/packs?limit=1');
    const pack = packs.body.packs[0].id as string;
    const doc = (await t.srv.request('GET', '/openapi.json')).body as OpenApi;
    cases = hostileCases(doc, {
      ids: (path, param) =>
        param === 'request_id'
          ? 'hostile-fixture'
          : path.startsWith('/v1/packs')
            ? pack
            : path.startsWith('/v1/patterns')
              ? 'portfolio_overview'
              : portfolio,
      bodies: {
        'POST /v1/execute': { pattern_id: 'portfolio_overview', inputs: { portfolio_id: portfolio } },
        'POST /v1/portfolios': { name: 'hostile', base_currency: 'USD' },
        'PATCH /v1/portfolios/{id}': { name: 'renamed' },
        'POST /v1/portfolios/{id}/transactions': {
          transactions: [{ date: '2025-10-02', type: 'DEPOSIT', amount: '10', currency: 'USD', note: 'n' }],
        },
      },
      csvRow: ['2025-10-02', 'DEPOSIT', '', '', '', '10', 'USD', '', 'n'],
    });
  });
  after(async () => {
    agent?.destroy();
    await k?.destroy();
  });

  it('answers at least 500 generated hostile requests with no 5xx, every error in the envelope', async function () {
    this.timeout(300_000);
    assert.ok(cases.length >= 500, `only ${cases.length} cases`);
    const failures: string[] = [];
    // The plain answer of each health route, without any attack.
    const usual = new Map<string, number>();
    for (const path of ['/health/live', '/health/ready', '/health/pack']) {
      usual.set(`GET ${path}`, (await t.srv.request('GET', path)).status);
    }
    const check = (c: HostileCase, a: Answer, changed: boolean) => {
      const problem =
        problemWith(a, usual.get(c.operation)) ?? (a.status >= 400 && changed ? 'ledger or pack rows changed' : null);
      if (problem) failures.push(`${c.name}: ${problem}`);
    };

    // Reads run side by side; none of them may change anything.
    const reads = cases.filter((c) => c.method === 'GET');
    const before = await snapshot(k);
    await pool(reads, 8, async (c) => check(c, await send(base, agent, c), false));
    assert.equal(await snapshot(k), before, 'hostile reads changed ledger or pack rows');

    // Writes one at a time, so a change is pinned on the request that made it.
    for (const c of cases.filter((c) => c.method !== 'GET')) {
      const prior = await snapshot(k);
      const answer = await send(base, agent, c);
      check(c, answer, (await snapshot(k)) !== prior);
    }
    assert.deepEqual(failures.slice(0, 40), [], `${failures.length} of ${cases.length} cases failed`);
  });

  it('leaves every chain verifiable, including commits of accepted hostile strings', async () => {
    const results = await verifyAllLedgers(k);
    assert.deepEqual(
      results.filter((r) => !r.ok),
      [],
    );
    const res = await t.srv.request('GET', `/v1/portfolios/${portfolio}/ledger/verify`);
    assert.equal(res.body.ok, true, res.text);
    assert.ok(res.body.commits > 1, 'accepted hostile imports added commits to verify');
  });
});
