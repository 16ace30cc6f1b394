/**
 * What observability costs on the hot path: POST /v1/execute (portfolio_overview, result
 * cache on and off) with tracing (100% sampled, exported over OTLP/HTTP), metrics and Sentry
 * all on, against all of them off, in one run, each next to an "off" run; then each part alone,
 * everything on at 10% sampling, and tracing with nothing sampled. The exporters send to a
 * local receiver that accepts everything, so the cost includes serialising and sending spans.
 * Figures are printed, never asserted.
 *
 *   npm run bench            (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS as for run.ts)
 */
import os from 'node:os';
import { connections, load, median, medianFigures, rounds, row, seconds, type Figures } from './load.js';
import { seededDemo, start, stop } from './server.js';

/**
 * Accepts OTLP trace exports and Sentry envelopes alike, and counts what arrived. It runs in a
 * process of its own, as a collector would: inside this one it would take its share of the
 * event loop that generates the load.
 */
const RECEIVER = `
  const { createServer } = require('node:http');
  const seen = { traces: 0, envelopes: 0, bytes: 0 };
  const server = createServer((req, res) => {
    req.on('data', (chunk) => (seen.bytes += chunk.length));
    req.on('end', () => {
      if (req.url === '/seen') return res.end(JSON.stringify(seen));
      if (req.url.startsWith('/v1/traces')) seen.traces++;
      else if (req.url.includes('/envelope')) seen.envelopes++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1', () => console.log('listening on port ' + server.address().port));
`;

async function receiver() {
  const { child, port } = await start(['-e', RECEIVER], {});
  return {
    port,
    seen: async () =>
      (await (await fetch(`http://127.0.0.1:${port}/seen`)).json()) as {
        traces: number;
        envelopes: number;
        bytes: number;
      },
    close: () => stop(child),
  };
}

interface Variant {
  name: string;
  env: Record<string, string>;
  /** The variant it is compared with (throughput ratio), if any. */
  vs?: string;
  /** Whether the target applies to the ratio. */
  target?: boolean;
}

async function main() {
  const sink = await receiver();
  const demo = await seededDemo();
  const off = { FOLIO_METRICS: 'false', OTEL_TRACES_EXPORTER: 'none' };
  const tracing = {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.port}`,
    OTEL_TRACES_SAMPLER: 'always_on',
    PII_HASH_KEY: 'bench-pii-hash-key-0123456789abcdef',
  };
  const sentry = { SENTRY_DSN: `http://public@127.0.0.1:${sink.port}/1`, PII_HASH_KEY: tracing.PII_HASH_KEY };
  const on = { ...tracing, ...sentry, FOLIO_METRICS: 'true' };
  const sampled = { ...on, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' };
  const warm = { FOLIO_RESULT_CACHE_SIZE: '1000' };
  const cold = { FOLIO_RESULT_CACHE_SIZE: '0' };
  // The parts of "on" alone show where its cost lies; 10% sampling is what production would run.
  const variants: Record<string, Variant> = {
    warmOff: { name: 'warm, all off', env: { ...off, ...warm } },
    warmOn: { name: 'warm, all on', env: { ...on, ...warm }, vs: 'warmOff', target: true },
    warmTracing: { name: 'warm, tracing only', env: { ...off, ...tracing, ...warm }, vs: 'warmOff' },
    warmMetrics: { name: 'warm, metrics only', env: { ...off, FOLIO_METRICS: 'true', ...warm }, vs: 'warmOff' },
    warmSentry: { name: 'warm, Sentry only', env: { ...off, ...sentry, ...warm }, vs: 'warmOff' },
    warmSampled: { name: 'warm, all on, 10% sampled', env: { ...sampled, ...warm }, vs: 'warmOff' },
    // Context propagation and instrumentation with no span recorded: what sampling cannot remove.
    warmUnsampled: {
      name: 'warm, tracing, none sampled',
      env: { ...off, ...tracing, OTEL_TRACES_SAMPLER: 'always_off', ...warm },
      vs: 'warmOff',
    },
    coldOff: { name: 'cold, all off', env: { ...off, ...cold } },
    coldOn: { name: 'cold, all on', env: { ...on, ...cold }, vs: 'coldOff', target: true },
    coldSampled: { name: 'cold, all on, 10% sampled', env: { ...sampled, ...cold }, vs: 'coldOff' },
  };
  const keys = Object.keys(variants);
  const services = new Map<string, Awaited<ReturnType<typeof demo.start>>>();
  const body = { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } };
  const auth = { authorization: `Bearer ${demo.apiKey}` };
  const runs = new Map<string, Figures[]>(keys.map((k) => [k, []]));
  const ratios = new Map<string, number[]>(keys.map((k) => [k, []]));
  // The same comparison by the service's CPU time per request (off / on), which the load
  // generator and other processes sharing the cores disturb less than throughput.
  const cpuRatios = new Map<string, number[]>(keys.map((k) => [k, []]));
  const ratio = (key: string): number => median(ratios.get(key)!);
  const measure = async (key: string): Promise<Figures> => {
    const service = services.get(key)!;
    const figures = await load(variants[key]!.name, service.port, body, auth, service.child.pid);
    runs.get(key)!.push(figures);
    return figures;
  };
  try {
    for (const key of keys) services.set(key, await demo.start(variants[key]!.env));
    for (let round = 1; round <= rounds; round++) {
      // Each variant is measured right next to its own "off" run, first after it and then
      // before it in alternate rounds, so the machine's drift over a round does not enter
      // the ratio.
      for (const key of keys.filter((k) => variants[k]!.vs)) {
        const vs = variants[key]!.vs!;
        const [first, second] = round % 2 ? [vs, key] : [key, vs];
        const a = await measure(first);
        const b = await measure(second);
        const [mine, base] = first === key ? [a, b] : [b, a];
        ratios.get(key)!.push(mine.rps / base.rps);
        cpuRatios.get(key)!.push(base.cpuUs! / mine.cpuUs!);
      }
      console.log(
        `round ${round}: all on / all off, warm ${ratio('warmOn').toFixed(2)} and cold ${ratio('coldOn').toFixed(2)} (so far)`,
      );
    }
    console.log(
      `\nobservability overhead: POST /v1/execute portfolio_overview, SQLite, ${connections} connections, ${rounds} rounds of ${seconds}s, medians; node ${process.version}, ${os.cpus().length} cores`,
    );
    console.log(
      'on = OTLP/protobuf tracing (100% sampled unless said) to a local receiver + /metrics + Sentry (local DSN); off = none of them\n',
    );
    for (const key of keys) {
      const v = variants[key]!;
      const spread = v.vs
        ? `, rounds ${Math.min(...ratios.get(key)!).toFixed(2)}-${Math.max(...ratios.get(key)!).toFixed(2)}`
        : '';
      const vs = v.vs
        ? `   ${ratio(key).toFixed(2)} of ${variants[v.vs]!.name}${spread}; by CPU per request ${median(cpuRatios.get(key)!).toFixed(2)}${v.target ? ' (target >= 0.85)' : ''}`
        : '';
      console.log(row(medianFigures(v.name, runs.get(key)!)) + vs);
    }
    const seen = await sink.seen();
    console.log(
      `\nthe receiver got ${seen.traces} trace exports (${(seen.bytes / 1e6).toFixed(1)} MB in all) and ${seen.envelopes} Sentry envelopes`,
    );
  } finally {
    await Promise.all([...services.values()].map((s) => stop(s.child)));
    await sink.close();
    demo.remove();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
