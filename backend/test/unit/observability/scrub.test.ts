import assert from 'node:assert/strict';
import type { Breadcrumb, Event } from '@sentry/node';
import { keyedHasher } from '../../../src/observability/pii.js';
import { createScrubber, REDACTED } from '../../../src/observability/scrub.js';

const hash = keyedHasher('unit-test-pii-key-0123456789abcdef');
const scrubber = createScrubber(hash);

const USER_ID = 'usr_6f1c0a4e-5b7d-4c1e-9a3f-canary000001';
const PORTFOLIO_ID = 'pf_7d2b9e1a-2c44-4f0b-8e51-canary000002';
const KEY_ID = 'key_91aa03cd-canary000003';
const USERNAME = 'jane-canary-username';
const EMAIL = 'jane.canary@example.org';
const IBAN = 'DE89370400440532013000';
const IBAN_SPACED = 'GB82 WEST 1234 5698 7654 32';
const IBAN_LOWER = 'fr1420041010050500013m02606';
const CARD_SPACED = '4111 1111 1111 1111';
const CARD_DASHED = '4000-0566-5566-5556';
const CARD_NOT_LUHN = '1234567890123456';
const API_KEY = 'fk_Canary0123456789abcdefghijklmnop';
const DEMO_STYLE_KEY = 'canary-demo-api-key-42';
const PASSWORD = 'hunter2-canary-pw';
const AMOUNT = '73519.84';
const QUANTITY = '1234.5678';
const PRICE = '4821.37';
const NAV = '991827.16';

const CANARIES = [
  USER_ID,
  PORTFOLIO_ID,
  KEY_ID,
  USERNAME,
  EMAIL,
  IBAN,
  IBAN_SPACED,
  IBAN_LOWER,
  CARD_SPACED,
  CARD_DASHED,
  CARD_NOT_LUHN,
  API_KEY,
  DEMO_STYLE_KEY,
  PASSWORD,
  AMOUNT,
  QUANTITY,
  PRICE,
  NAV,
];

/** Every spelling a canary could travel in: as is, URL-encoded, form-encoded, without separators. */
function assertNoCanary(value: unknown): void {
  const text = JSON.stringify(value);
  for (const c of CANARIES) {
    for (const form of new Set([c, encodeURIComponent(c), c.replaceAll(' ', '+'), c.replace(/[ -]/g, '')])) {
      assert.ok(!text.includes(form), `canary ${JSON.stringify(form)} survived in ${text}`);
    }
  }
}

function scrubbed(event: Event): Event {
  const out = scrubber.event(event);
  assert.ok(out, 'the event is kept');
  return out;
}

describe('error report scrubber', () => {
  it('hashes identifiers with the keyed hash, wherever and however their keys are spelled', () => {
    const out = scrubbed({
      user: { id: USER_ID, username: USERNAME, email: EMAIL, ip_address: '203.0.113.7' },
      tags: { user_id: USER_ID, request_id: '0190f3a2-7c1e-7abc-9def-0123456789ab' },
      extra: {
        portfolioId: PORTFOLIO_ID,
        'Api-Key-Id': KEY_ID,
        nested: [{ ACCOUNT: USER_ID }, { owner: { name: USERNAME, id: 42 } }],
      },
    });
    assertNoCanary(out);
    assert.deepEqual(out.user, { id: hash(USER_ID), username: hash(USERNAME), email: hash(EMAIL) });
    assert.equal(out.tags!.user_id, hash(USER_ID));
    assert.equal(out.tags!.request_id, '0190f3a2-7c1e-7abc-9def-0123456789ab', 'correlation ids stay readable');
    const extra = out.extra as any;
    assert.equal(extra.portfolioId, hash(PORTFOLIO_ID));
    assert.equal(extra['Api-Key-Id'], hash(KEY_ID));
    assert.equal(extra.nested[0].ACCOUNT, hash(USER_ID));
    assert.deepEqual(extra.nested[1].owner, { name: hash(USERNAME), id: hash('42') });
    assert.match(hash(USER_ID), /^[0-9a-f]{16}$/);
  });

  it('redacts amounts, quantities, prices, values, balances, cost basis, market value, NAV and P&L, also as text', () => {
    const out = scrubbed({
      extra: {
        amount: Number(AMOUNT),
        Quantity: QUANTITY,
        'unit-price': Number(PRICE),
        marketValue: 10,
        cost_basis: 11,
        NAV: NAV,
        unrealizedPnl: -12.5,
        cashBalance: '500.00',
        total_value_base: 99,
        positions: [{ symbol: 'AAPL', quantity: 3 }],
        symbol: 'AAPL',
        status_code: 500,
      },
      contexts: { pattern: { inputs: { lookback_days: 252, market_value: Number(NAV) } } },
    });
    assertNoCanary(out);
    const extra = out.extra as any;
    for (const k of [
      'amount',
      'Quantity',
      'unit-price',
      'marketValue',
      'cost_basis',
      'NAV',
      'unrealizedPnl',
      'cashBalance',
      'total_value_base',
      'positions',
    ]) {
      assert.equal(extra[k], REDACTED, k);
    }
    assert.equal(extra.symbol, 'AAPL', 'non-financial fields are kept');
    assert.equal(extra.status_code, 500);
    assert.deepEqual((out.contexts as any).pattern.inputs, { lookback_days: 252, market_value: REDACTED });
  });

  it('redacts secrets in headers, cookies and data', () => {
    const out = scrubbed({
      request: {
        method: 'POST',
        url: 'http://127.0.0.1:8000/v1/execute',
        headers: {
          Authorization: `Bearer ${DEMO_STYLE_KEY}`,
          Cookie: `session=${PASSWORD}`,
          'Set-Cookie': `sid=${PASSWORD}`,
          'X-Api-Key': DEMO_STYLE_KEY,
          'X-Forwarded-For': '203.0.113.7',
          'content-type': 'application/json',
        },
        cookies: { session: PASSWORD },
      },
      extra: {
        password: PASSWORD,
        accessToken: PASSWORD,
        sentry_dsn: `https://${PASSWORD}@o1.ingest.sentry.io/1`,
        client_secret: PASSWORD,
      },
    });
    assertNoCanary(out);
    const headers = out.request!.headers!;
    for (const h of ['Authorization', 'Cookie', 'Set-Cookie', 'X-Api-Key', 'X-Forwarded-For'])
      assert.equal(headers[h], REDACTED, h);
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(out.request!.cookies, REDACTED);
    assert.equal(out.request!.method, 'POST');
  });

  it('masks e-mail addresses, card numbers, IBANs, API keys and our identifiers inside free text', () => {
    const message =
      `refund for ${EMAIL} to ${IBAN} / ${IBAN_SPACED} / ${IBAN_LOWER}, cards ${CARD_SPACED}, ${CARD_DASHED}, ${CARD_NOT_LUHN}; ` +
      `key ${API_KEY}, header Authorization: Bearer ${DEMO_STYLE_KEY}, api_key=${DEMO_STYLE_KEY}; ` +
      `user ${USER_ID} portfolio ${PORTFOLIO_ID} paid USD ${AMOUNT} and $${PRICE} (${NAV} EUR)`;
    const out = scrubbed({
      message,
      exception: {
        values: [
          {
            type: 'Error',
            value: message,
            stacktrace: { frames: [{ filename: 'a.ts', lineno: 3, vars: { note: message, amount: 1 } }] },
          },
        ],
      },
      logentry: { message: 'import failed for %s', params: [EMAIL] },
      fingerprint: ['{{ default }}', USER_ID],
    });
    assertNoCanary(out);
    const value = out.exception!.values![0]!.value!;
    assert.match(value, /\[EMAIL\]/);
    assert.match(value, /\[IBAN\]/);
    assert.match(value, /\[CARD\]/);
    assert.match(value, /\[AMOUNT\]/);
    assert.ok(value.includes(`user ${hash(USER_ID)} portfolio ${hash(PORTFOLIO_ID)}`), value);
    assert.equal(out.exception!.values![0]!.type, 'Error');
    const frame = out.exception!.values![0]!.stacktrace!.frames![0]!;
    assert.equal(frame.filename, 'a.ts');
    assert.equal(frame.lineno, 3);
    assert.equal((frame.vars as any).amount, REDACTED);
  });

  it('removes bound values from SQL quoted in driver errors', () => {
    const sql =
      'insert into `transactions` (`amount`, `note`, `portfolio_id`, `quantity`) values ' +
      `(${AMOUNT}, 'refund ${EMAIL}', '${PORTFOLIO_ID}', ${QUANTITY}) - SQLITE_CONSTRAINT_TRIGGER: storage rejected the row`;
    const out = scrubbed({ exception: { values: [{ type: 'SqliteError', value: sql }] } });
    assertNoCanary(out);
    assert.equal(
      out.exception!.values![0]!.value,
      "insert into `transactions` (`amount`, `note`, `portfolio_id`, `quantity`) values (?, '?', '?', ?) - SQLITE_CONSTRAINT_TRIGGER: storage rejected the row",
    );
  });

  it('scrubs query strings in string, object and pair form, decoding values first', () => {
    const qs = new URLSearchParams({
      user_id: USER_ID,
      email: EMAIL,
      note: `pay ${IBAN_SPACED}`,
      amount: AMOUNT,
      api_key: API_KEY,
      lookback_days: '30',
    }).toString();
    const out = scrubbed({
      request: { url: `https://folio.example/v1/portfolios/${PORTFOLIO_ID}?${qs}#frag`, query_string: qs },
      extra: { query_string: { user_id: USER_ID, note: EMAIL }, pairs: 'x' },
      contexts: {
        trace: {
          trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
          span_id: '00f067aa0ba902b7',
          data: { 'url.query': qs, 'http.target': `/v1/portfolios/${PORTFOLIO_ID}?${qs}` },
        },
      },
    });
    assertNoCanary(out);
    const query = new URLSearchParams(out.request!.query_string);
    assert.equal(query.get('user_id'), hash(USER_ID));
    assert.equal(query.get('email'), hash(EMAIL), 'an e-mail under an identifier key is hashed like one');
    assert.equal(query.get('amount'), REDACTED);
    assert.equal(query.get('api_key'), REDACTED);
    assert.equal(query.get('lookback_days'), '30');
    assert.ok(
      out.request!.url!.startsWith(`https://folio.example/v1/portfolios/${hash(PORTFOLIO_ID)}?`),
      out.request!.url,
    );
    assert.ok(!out.request!.url!.includes('#'), 'the fragment is dropped');
    assert.equal((out.contexts as any).trace.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal((out.contexts as any).trace.span_id, '00f067aa0ba902b7');

    const pairs = scrubbed({
      request: {
        query_string: [
          ['user_id', USER_ID],
          ['q', EMAIL],
        ],
      },
    });
    assertNoCanary(pairs);
    assert.deepEqual(pairs.request!.query_string, [
      ['user_id', hash(USER_ID)],
      ['q', '[EMAIL]'],
    ]);
  });

  it('walks JSON bodies by key and drops bodies it cannot read by key', () => {
    const json = JSON.stringify({
      transactions: [{ type: 'DEPOSIT', amount: Number(AMOUNT), note: `from ${EMAIL}`, currency: 'USD' }],
    });
    const asString = scrubbed({ request: { data: json } });
    const asObject = scrubbed({ request: { data: JSON.parse(json) } });
    assertNoCanary([asString, asObject]);
    assert.deepEqual(asString.request!.data, {
      transactions: [{ type: 'DEPOSIT', amount: REDACTED, note: 'from [EMAIL]', currency: 'USD' }],
    });
    assert.deepEqual(asObject.request!.data, asString.request!.data);
    const csv = scrubbed({ request: { data: `date,type,amount,note\n2024-01-02,DEPOSIT,${AMOUNT},initial` } });
    assert.equal(csv.request!.data, REDACTED);
    const truncated = scrubbed({ request: { data: json.slice(0, 40) } });
    assert.equal(truncated.request!.data, REDACTED);
    const form = scrubbed({ request: { data: `user=${encodeURIComponent(USERNAME)}&amount=${AMOUNT}` } });
    assertNoCanary(form);
    assert.equal(form.request!.data, `user=${hash(USERNAME)}&amount=%5BREDACTED%5D`);
  });

  it('scrubs breadcrumbs, and drops the ones about health checks and metrics scrapes', () => {
    const crumb: Breadcrumb = {
      category: 'http',
      message: `GET https://prices.example/v1/q?apikey=${DEMO_STYLE_KEY} for ${EMAIL}`,
      data: {
        url: `https://prices.example/v1/q?apikey=${DEMO_STYLE_KEY}&account=${USER_ID}`,
        method: 'GET',
        status_code: 503,
      },
    };
    const out = scrubber.breadcrumb(crumb);
    assert.ok(out);
    assertNoCanary(out);
    assert.equal((out.data as any).status_code, 503);
    assert.ok((out.data as any).url.startsWith('https://prices.example/v1/q?apikey=%5BREDACTED%5D&account='));
    assert.equal(
      crumb.data!.url,
      `https://prices.example/v1/q?apikey=${DEMO_STYLE_KEY}&account=${USER_ID}`,
      'the input is not modified',
    );

    for (const url of [
      'http://127.0.0.1:8000/health/live',
      '/health/ready?x=1',
      'http://localhost:9464/metrics',
      '/health',
    ]) {
      assert.equal(scrubber.breadcrumb({ category: 'http', data: { url } }), null, url);
    }
    assert.equal(scrubber.breadcrumb({ category: 'http', message: 'GET /health/pack' }), null);
    assert.ok(
      scrubber.breadcrumb({ category: 'http', data: { url: '/v1/healthcare' } }),
      'only the health and metrics endpoints are noise',
    );

    const event = scrubbed({
      breadcrumbs: [
        { message: 'GET /metrics' },
        { message: `console ${EMAIL}`, data: { user: USER_ID } },
        { data: { url: '/health/live' } },
      ],
    });
    assertNoCanary(event);
    assert.deepEqual(event.breadcrumbs, [{ message: 'console [EMAIL]', data: { user: hash(USER_ID) } }]);
  });

  it('drops events about health checks and metrics scrapes', () => {
    assert.equal(scrubber.event({ request: { url: 'http://127.0.0.1:8000/health/ready' } }), null);
    assert.equal(scrubber.event({ transaction: 'GET /metrics' }), null);
    assert.ok(scrubber.event({ transaction: 'GET /v1/packs' }));
  });

  it('hashes ids in transaction names and span data, and keeps trace and span ids', () => {
    const out = scrubbed({
      type: 'transaction',
      transaction: `POST /v1/portfolios/${PORTFOLIO_ID}/transactions`,
      spans: [
        {
          span_id: '00f067aa0ba902b7',
          trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
          start_timestamp: 1,
          description: `select * from portfolios where id = '${PORTFOLIO_ID}'`,
          data: {
            'db.statement': `update users set email = '${EMAIL}' where id = '${USER_ID}'`,
            'enduser.id': USER_ID,
          },
        },
      ],
      sdkProcessingMetadata: {
        dynamicSamplingContext: {
          trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
          transaction: `GET /v1/portfolios/${PORTFOLIO_ID}`,
        },
      },
    });
    assertNoCanary(out);
    assert.equal(out.transaction, `POST /v1/portfolios/${hash(PORTFOLIO_ID)}/transactions`);
    const span = out.spans![0]!;
    assert.equal(span.span_id, '00f067aa0ba902b7');
    assert.equal(span.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal((span.data as any)['enduser.id'], hash(USER_ID));
  });

  it('survives cycles, Maps, Sets, errors, class instances and deep nesting, without changing its input', () => {
    const cyclic: any = { name: 'root', user_id: USER_ID };
    cyclic.self = cyclic;
    cyclic.list = [cyclic, { email: EMAIL }];
    const shared = { note: EMAIL };
    class Holder {
      constructor(
        readonly account_id: string,
        readonly memo: string,
      ) {}
    }
    let deep: any = { note: EMAIL };
    for (let i = 0; i < 200; i++) deep = { child: deep };
    const extra = {
      cyclic,
      a: shared,
      b: shared,
      map: new Map<unknown, unknown>([
        ['user_id', USER_ID],
        ['price', PRICE],
        [7, EMAIL],
      ]),
      set: new Set([EMAIL, IBAN]),
      error: new Error(`failed for ${EMAIL}`),
      holder: new Holder(USER_ID, `memo ${CARD_SPACED}`),
      when: new Date('2025-10-24T00:00:00Z'),
      big: 10n,
      fn: () => EMAIL,
      deep,
    };
    const snapshot = () =>
      JSON.stringify({ ...extra, cyclic: undefined, big: undefined, map: [...extra.map], set: [...extra.set] });
    const before = snapshot();
    const out = scrubbed({ extra });
    assertNoCanary(out);
    const e = out.extra as any;
    assert.equal(e.cyclic.self, '[Circular]');
    assert.equal(e.cyclic.list[0], '[Circular]');
    assert.equal(e.cyclic.user_id, hash(USER_ID));
    assert.deepEqual(e.a, { note: '[EMAIL]' });
    assert.deepEqual(e.b, { note: '[EMAIL]' }, 'an object seen twice without a cycle is scrubbed both times');
    assert.deepEqual(e.map, { user_id: hash(USER_ID), price: REDACTED, '7': '[EMAIL]' });
    assert.deepEqual(e.set, ['[EMAIL]', '[IBAN]']);
    assert.deepEqual(e.error, { name: 'Error', message: 'failed for [EMAIL]' });
    assert.deepEqual(e.holder, { account_id: hash(USER_ID), memo: 'memo [CARD]' });
    assert.equal(e.when, '2025-10-24T00:00:00.000Z');
    assert.equal(e.big, '10');
    assert.equal(e.fn, undefined);
    assert.equal(snapshot(), before, 'input untouched');
    assert.equal(cyclic.user_id, USER_ID);
  });

  it('is idempotent, so breadcrumbs scrubbed when recorded are not hashed twice when sent', () => {
    const event: Event = {
      user: { id: USER_ID },
      message: `portfolio ${PORTFOLIO_ID} for ${EMAIL}`,
      breadcrumbs: [{ message: `user ${USER_ID}`, data: { user_id: USER_ID, amount: 3 } }],
      extra: { nested: { portfolio_id: PORTFOLIO_ID } },
    };
    const once = scrubbed(event);
    assert.deepEqual(scrubbed(once), once);
    const crumb = scrubber.breadcrumb(event.breadcrumbs![0]!)!;
    assert.deepEqual(scrubber.breadcrumb(crumb), crumb);
    assert.deepEqual(scrubbed({ breadcrumbs: [crumb] }).breadcrumbs, once.breadcrumbs);
  });

  it('drops an event it cannot scrub instead of sending it raw', () => {
    const hostile = {
      get note(): string {
        throw new Error('getter failed');
      },
    };
    assert.equal(scrubber.event({ extra: { hostile } }), null);
    assert.equal(scrubber.breadcrumb({ data: { hostile } }), null);
    const failingHash = createScrubber(() => {
      throw new Error('hash failed');
    });
    assert.equal(failingHash.event({ user: { id: USER_ID } }), null);
  });

  it('leaves the structure Sentry needs alone', () => {
    const event: Event = {
      event_id: 'a'.repeat(32),
      level: 'error',
      platform: 'node',
      timestamp: 1761264000,
      environment: 'test',
      release: 'folio@1.2.3',
      sdk: { name: 'sentry.javascript.node', version: '10.78.0' },
      contexts: {
        runtime: { name: 'node', version: 'v20.20.0' },
        trace: { trace_id: 'f'.repeat(32), span_id: 'e'.repeat(16) },
      },
      tags: { route: 'POST /v1/execute', pattern_id: 'portfolio_overview' },
    };
    assert.deepEqual(scrubbed(event), event);
  });
});
