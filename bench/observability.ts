/**
 * What observability costs on the hot path: POST /v1/execute (portfolio_overview, result
 * cache on and off) with tracing (100% sampled, exported over OTLP/HTTP), metrics and Sentry
 * all on, against all of them off, measured in turn in one run. The exporters send to a local
 * receiver that accepts everything, so the cost includes serialising and sending spans.
 * Figures are printed, never asserted.
 *
 *   npm run bench            (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS as for run.ts)
 */
import { createServer } from 'node:http';
import os from 'node:os';
import { connections, load, median, medianFigures, rounds, row, seconds, type Figures } from './load.js';
import { seededDemo, stop } from './server.js';

/** Accepts OTLP trace exports and Sentry envelopes alike, and counts what arrived. */
async function receiver() {
  const seen = { traces: 0, envelopes: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (seen.bytes += chunk.length));
    req.on('end', () => {
      if (req.url?.startsWith('/v1/traces')) seen.traces++;
      else if (req.url?.includes('/envelope')) seen.envelopes++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { port, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function main() {
  const sink = await receiver();
  const demo = await seededDemo();
  const off = { FOLIO_METRICS: 'false', OTEL_TRACES_EXPORTER: 'none' };
  const on = {
    FOLIO_METRICS: 'true',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`,
    OTEL_TRACES_SAMPLER: 'always_on',
    SENTRY_DSN: `http://public@127.0.0.1:${sink.port}/1`,
    PII_HASH_KEY: 'bench-pii-hash-key-0123456789abcdef',
  };
  const services = {
    warmOff: await demo.start({ ...off, FOLIO_RESULT_CACHE_SIZE: '1000' }),
    warmOn: await demo.start({ ...on, FOLIO_RESULT_CACHE_SIZE: '1000' }),
    coldOff: await demo.start({ ...off, FOLIO_RESULT_CACHE_SIZE: '0' }),
    coldOn: await demo.start({ ...on, FOLIO_RESULT_CACHE_SIZE: '0' }),
  };
  const body = { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } };
  const auth = { authorization: `Bearer ${demo.apiKey}` };
  const runs: Record<keyof typeof services, Figures[]> = { warmOff: [], warmOn: [], coldOff: [], coldOn: [] };
  const names: Record<keyof typeof services, string> = {
    warmOff: 'warm, observability off',
    warmOn: 'warm, observability on',
    coldOff: 'cold, observability off',
    coldOn: 'cold, observability on',
  };
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const key of Object.keys(services) as (keyof typeof services)[]) {
        runs[key].push(await load(names[key], services[key].port, body, auth));
      }
      const ratio = (a: Figures[], b: Figures[]) => (a.at(-1)!.rps / b.at(-1)!.rps).toFixed(2);
      console.log(`round ${round}: on/off warm ${ratio(runs.warmOn, runs.warmOff)}, cold ${ratio(runs.coldOn, runs.coldOff)}`);
    }
    console.log(
      `\nobservability overhead: POST /v1/execute portfolio_overview, SQLite, ${connections} connections, ${rounds} rounds of ${seconds}s, medians; node ${process.version}, ${os.cpus().length} cores`,
    );
    console.log('on = OTLP tracing at 100% sampling to a local receiver + /metrics + Sentry (local DSN); off = none of them\n');
    for (const key of Object.keys(services) as (keyof typeof services)[]) console.log(row(medianFigures(names[key], runs[key])));
    const ratio = (a: Figures[], b: Figures[]) => median(a.map((r, i) => r.rps / b[i]!.rps));
    console.log(`\non / off throughput, warm (median of per-round ratios): ${ratio(runs.warmOn, runs.warmOff).toFixed(2)}   (target >= 0.85)`);
    console.log(`on / off throughput, cold (median of per-round ratios): ${ratio(runs.coldOn, runs.coldOff).toFixed(2)}   (target >= 0.85)`);
    console.log(`the receiver got ${sink.seen.traces} trace exports (${(sink.seen.bytes / 1e6).toFixed(1)} MB in all) and ${sink.seen.envelopes} Sentry envelopes`);
  } finally {
    await Promise.all(Object.values(services).map((s) => stop(s.child)));
    await sink.close();
    demo.remove();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
