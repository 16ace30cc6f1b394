/**
 * Whether a large ledger import freezes the service: /health/live and a cached
 * POST /v1/execute are probed at a steady rate with no import running, then while 1 MiB CSV
 * imports (the default body limit) run one after another, on SQLite and on PostgreSQL.
 * Figures are printed, never asserted.
 *
 * Probes are sent on a fixed schedule whatever the answers do, and each latency is counted
 * from the time the probe was due, so a stall counts against every probe it holds back
 * rather than against one.
 *
 *   npm run bench:import   (BENCH_IMPORTS=3 imports in a row, BENCH_PROBE_MS=10 between probes)
 */
import http from 'node:http';
import os from 'node:os';
import { scratchPostgres } from './databases.js';
import { largeLedgerCsv } from '../backend/test/support/large-ledger.js';
import { runtimeNote, seededDemo, stop } from './server.js';

const IMPORTS = Number(process.env.BENCH_IMPORTS ?? 3);
const PROBE_MS = Number(process.env.BENCH_PROBE_MS ?? 10);
const BASELINE_MS = 5000;
const TARGET_P99_MS = 50;
const BODY_BYTES = 1_048_576;

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Answer {
  status: number;
  body: string;
}

function request(
  port: number,
  method: string,
  url: string,
  headers: http.OutgoingHttpHeaders,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: url, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

interface Probed {
  times: number[];
  /** Answers other than 200, by status (0: no answer), with the first error code seen. */
  failed: Map<number, string>;
  failures: number;
}

interface Probe {
  stop(): Promise<Probed>;
}

/** Sends `send` every PROBE_MS, each one timed from when it was due. */
function probe(send: () => Promise<Answer>): Probe {
  const times: number[] = [];
  const failed = new Map<number, string>();
  let failures = 0;
  const fail = (status: number, why: string) => {
    failures++;
    if (!failed.has(status)) failed.set(status, why);
  };
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  let sent = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    const now = performance.now();
    // Every probe that fell due since the last tick goes out now, timed from when it was due.
    while (started + sent * PROBE_MS <= now) {
      const due = started + sent++ * PROBE_MS;
      const p = send().then(
        (a) => {
          if (a.status === 200) times.push(performance.now() - due);
          else fail(a.status, /"error":"([a-z_]+)"/.exec(a.body)?.[1] ?? '');
        },
        (e: Error) => fail(0, e.message),
      );
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    setTimeout(tick, Math.max(0, started + sent * PROBE_MS - performance.now()));
  };
  tick();
  return {
    stop: async () => {
      running = false;
      await Promise.all(pending);
      return { times: times.sort((a, b) => a - b), failed, failures };
    },
  };
}

const pct = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;
const ms = (x: number) => `${x.toFixed(1).padStart(7)} ms`;
const stats = ({ times, failed, failures }: Probed) =>
  `p50 ${ms(pct(times, 0.5))} p95 ${ms(pct(times, 0.95))} p99 ${ms(pct(times, 0.99))} max ${ms(times.at(-1) ?? NaN)}  ` +
  `(${times.length} ok, ${failures} failed${failures ? `: ${[...failed].map(([s, why]) => `${s} ${why}`).join(', ')}` : ''})`;
const loadAverage = () =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;

async function measure(label: string, env: Record<string, string>, ledger: { csv: string; rows: number }) {
  const demo = await seededDemo(env);
  const { child, port } = await demo.start({});
  const auth = { authorization: `Bearer ${demo.apiKey}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const execute = JSON.stringify({ pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } });
  try {
    for (let i = 0; i < 3; i++) {
      const warm = await request(port, 'POST', '/v1/execute', json, execute);
      if (warm.status !== 200) throw new Error(`execute answered ${warm.status}: ${warm.body}`);
    }
    // One empty portfolio per import, so every import does the same work.
    const portfolios: string[] = [];
    for (let i = 0; i < IMPORTS; i++) {
      const made = await request(
        port,
        'POST',
        '/v1/portfolios',
        json,
        JSON.stringify({ name: `bench import ${i}`, base_currency: 'USD' }),
      );
      portfolios.push((JSON.parse(made.body) as { id: string }).id);
    }
    const probes = () => ({
      live: probe(() => request(port, 'GET', '/health/live', {})),
      execute: probe(() => request(port, 'POST', '/v1/execute', json, execute)),
    });

    let running = probes();
    await new Promise((r) => setTimeout(r, BASELINE_MS));
    const idle = { live: await running.live.stop(), execute: await running.execute.stop() };

    running = probes();
    const durations: number[] = [];
    for (const id of portfolios) {
      const t0 = performance.now();
      const res = await request(
        port,
        'POST',
        `/v1/portfolios/${id}/transactions`,
        { ...auth, 'content-type': 'text/csv' },
        ledger.csv,
      );
      durations.push(performance.now() - t0);
      if (res.status !== 201) throw new Error(`import answered ${res.status}: ${res.body.slice(0, 300)}`);
    }
    const busy = { live: await running.live.stop(), execute: await running.execute.stop() };

    const verdict = (times: number[]) => (pct(times, 0.99) < TARGET_P99_MS ? 'met' : 'MISSED');
    console.log(`\n${label}: ${IMPORTS} imports in a row, ${loadAverage()}`);
    for (const k of ['live', 'execute'] as const) {
      const name = k === 'live' ? 'GET /health/live' : 'cached execute';
      console.log(`  ${name.padEnd(17)} no import      ${stats(idle[k])}`);
      console.log(
        `  ${''.padEnd(17)} during import  ${stats(busy[k])}   (target p99 < ${TARGET_P99_MS} ms: ${verdict(busy[k].times)})`,
      );
    }
    console.log(`  import durations ${durations.map((d) => `${(d / 1000).toFixed(2)} s`).join(', ')}`);
  } finally {
    await stop(child);
    demo.remove();
  }
}

async function main() {
  const ledger = largeLedgerCsv(BODY_BYTES);
  console.log(
    `ledger CSV of ${Buffer.byteLength(ledger.csv)} bytes (${ledger.rows} rows) per import; a probe of each kind every ${PROBE_MS} ms, ` +
      `latency from when it was due; service from dist/, node ${process.version}, ${os.cpus().length} cores;\n${runtimeNote()}`,
  );
  await measure('SQLite', {}, ledger);
  const pg = await scratchPostgres();
  if (!pg) return;
  try {
    await measure('PostgreSQL', { DATABASE_URL: pg.url }, ledger);
  } finally {
    await pg.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
