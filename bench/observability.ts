/**
 * What observability costs on the hot path: POST /v1/execute (portfolio_overview, result
 * cache on and off) with tracing (exported over OTLP/HTTP), metrics and Sentry all on, against
 * all of them off, in one run, each next to an "off" run: at the production defaults (10% of new
 * traces sampled, errors and slow requests recorded after the fact) and at 100% sampling; then
 * each part alone and tracing with nothing sampled. The exporters send to a local receiver that
 * accepts everything, so the cost includes serialising and sending spans. Every service is
 * warmed up until its JIT has settled (load.ts), since what a process runs for the rest of its
 * life is the throughput at stake. It also prints the service's CPU per request and per recorded
 * span. Figures are printed, never asserted.
 *
 *   npm run bench            (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS as for run.ts)
 */
import os from 'node:os';
import { connections, loadSideBySide, median, medianFigures, rounds, row, seconds, type Figures } from './load.js';
import { runtimeNote, seededDemo, start, stop } from './server.js';

/**
 * Accepts OTLP trace exports and Sentry envelopes alike, and counts what arrived: spans by the
 * x-bench-variant header of the service that sent them, read from the protobuf wire format
 * (ExportTraceServiceRequest field 1 > ResourceSpans field 2 > ScopeSpans field 2 is a span)
 * without decoding them. It runs in a process of its own, as a collector would: inside this one
 * it would take its share of the event loop that generates the load.
 */
const RECEIVER = `
  const { createServer } = require('node:http');
  const seen = { traces: 0, envelopes: 0, bytes: 0, spans: {} };
  function varint(buf, at) {
    let value = 0, shift = 0, byte;
    do { byte = buf[at++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return [value, at];
  }
  // Calls fn(start, end) for every length-delimited field numbered 'field' in buf[start, end).
  function each(buf, start, end, field, fn) {
    for (let at = start; at < end; ) {
      let key, len;
      [key, at] = varint(buf, at);
      const type = key & 7;
      if (type === 0) [, at] = varint(buf, at);
      else if (type === 1) at += 8;
      else if (type === 5) at += 4;
      else { [len, at] = varint(buf, at); if (key >>> 3 === field) fn(at, at + len); at += len; }
    }
  }
  function countSpans(buf) {
    let n = 0;
    each(buf, 0, buf.length, 1, (a, b) => each(buf, a, b, 2, (c, d) => each(buf, c, d, 2, () => n++)));
    return n;
  }
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => { seen.bytes += chunk.length; chunks.push(chunk); });
    req.on('end', () => {
      if (req.url === '/seen') return res.end(JSON.stringify(seen));
      if (req.url.startsWith('/v1/traces')) {
        seen.traces++;
        const variant = req.headers['x-bench-variant'];
        seen.spans[variant] = (seen.spans[variant] || 0) + countSpans(Buffer.concat(chunks));
      } else if (req.url.includes('/envelope')) seen.envelopes++;
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
        spans: Record<string, number>;
      },
    close: () => stop(child),
  };
}

interface Variant {
  name: string;
  env: Record<string, string>;
  /** The variant it is compared with (throughput ratio), if any. */
  vs?: string;
  /** The throughput ratio the variant should reach, if it has a target. */
  target?: number;
}

const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main() {
  const startLoad = loadAverage();
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
  // The compose stack's settings (docker-compose.observability.yml); FOLIO_TRACE_SLOW_MS keeps its default.
  const production = { ...on, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' };
  const warm = { FOLIO_RESULT_CACHE_SIZE: '1000' };
  const cold = { FOLIO_RESULT_CACHE_SIZE: '0' };
  // The parts of "on" alone show where its cost lies.
  const variants: Record<string, Variant> = {
    warmOff: { name: 'warm, all off', env: { ...off, ...warm } },
    warmProduction: {
      name: 'warm, all on, production',
      env: { ...production, ...warm },
      vs: 'warmOff',
      target: 0.85,
    },
    warmOn: { name: 'warm, all on, 100% sampled', env: { ...on, ...warm }, vs: 'warmOff', target: 0.7 },
    warmTracing: { name: 'warm, tracing only', env: { ...off, ...tracing, ...warm }, vs: 'warmOff' },
    warmMetrics: { name: 'warm, metrics only', env: { ...off, FOLIO_METRICS: 'true', ...warm }, vs: 'warmOff' },
    warmSentry: { name: 'warm, Sentry only', env: { ...off, ...sentry, ...warm }, vs: 'warmOff' },
    // Context propagation and instrumentation with no span recorded: what sampling cannot remove.
    warmUnsampled: {
      name: 'warm, tracing, none sampled',
      env: { ...off, ...tracing, OTEL_TRACES_SAMPLER: 'always_off', ...warm },
      vs: 'warmOff',
    },
    coldOff: { name: 'cold, all off', env: { ...off, ...cold } },
    coldProduction: {
      name: 'cold, all on, production',
      env: { ...production, ...cold },
      vs: 'coldOff',
      target: 0.85,
    },
    coldOn: { name: 'cold, all on, 100% sampled', env: { ...on, ...cold }, vs: 'coldOff', target: 0.7 },
  };
  const keys = Object.keys(variants);
  const body = { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } };
  const auth = { authorization: `Bearer ${demo.apiKey}` };
  const runs = new Map<string, Figures[]>(keys.map((k) => [k, []]));
  const ratios = new Map<string, number[]>(keys.map((k) => [k, []]));
  // The same comparison by the service's CPU time per request (off / on), which the load
  // generator and other processes sharing the cores disturb less than throughput.
  const cpuRatios = new Map<string, number[]>(keys.map((k) => [k, []]));
  const ratio = (key: string): number => median(ratios.get(key)!);
  // The header tells the receiver which service sent the spans.
  const startVariant = (key: string) =>
    demo.start({ ...variants[key]!.env, OTEL_EXPORTER_OTLP_HEADERS: `x-bench-variant=${key}` });
  const running = new Set<Awaited<ReturnType<typeof startVariant>>>();
  const target = (key: string, service: Awaited<ReturnType<typeof startVariant>>) => ({
    name: variants[key]!.name,
    port: service.port,
    body,
    headers: auth,
    pid: service.child.pid,
  });
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const key of keys.filter((k) => variants[k]!.vs)) {
        const vs = variants[key]!.vs!;
        // Fresh processes for every pair: the same build and settings settle at a CPU cost per
        // request that differs from one process to the next by more than the margins measured
        // here, so a process kept for the whole run would carry its luck into every round.
        const services = await Promise.all([startVariant(key), startVariant(vs)]);
        services.forEach((s) => running.add(s));
        const [mineService, baseService] = services;
        // Each variant is measured in slices interleaved with its own "off" run's, starting with
        // either in alternate rounds, so the machine's drift does not enter the ratio.
        const [first, second] = round % 2 ? [vs, key] : [key, vs];
        const service = (k: string) => (k === key ? mineService : baseService);
        const [a, b] = await loadSideBySide([target(first, service(first)), target(second, service(second))]);
        const [mine, base] = first === key ? [a!, b!] : [b!, a!];
        runs.get(key)!.push(mine);
        runs.get(vs)!.push(base);
        ratios.get(key)!.push(mine.rps / base.rps);
        cpuRatios.get(key)!.push(base.cpuUs! / mine.cpuUs!);
        // Spans still queued are flushed as the services stop.
        await Promise.all(services.map((s) => stop(s.child)));
        services.forEach((s) => running.delete(s));
      }
      console.log(
        `round ${round} (load ${loadAverage()}): all on / all off so far, production warm ${ratio('warmProduction').toFixed(2)} and cold ${ratio('coldProduction').toFixed(2)}, 100% sampled warm ${ratio('warmOn').toFixed(2)} and cold ${ratio('coldOn').toFixed(2)}`,
      );
    }
    console.log(
      `\nobservability overhead: POST /v1/execute portfolio_overview, SQLite, ${connections} connections, ${rounds} rounds of ${seconds}s, medians; node ${process.version}, ${os.cpus().length} cores, load average ${loadAverage()} at the end (${startLoad} at the start);\n${runtimeNote()}`,
    );
    console.log(
      'on = OTLP/protobuf tracing to a local receiver + /metrics + Sentry (local DSN); off = none of them; production = parentbased_traceidratio 0.1 (errors and requests over FOLIO_TRACE_SLOW_MS recorded after the fact); tracing alone is 100% sampled\n',
    );
    const seen = await sink.seen();
    for (const key of keys) {
      const v = variants[key]!;
      const spread = v.vs
        ? `, rounds ${Math.min(...ratios.get(key)!).toFixed(2)}-${Math.max(...ratios.get(key)!).toFixed(2)}`
        : '';
      const vs = v.vs
        ? `   ${ratio(key).toFixed(2)} of ${variants[v.vs]!.name}${spread}; by CPU per request ${median(cpuRatios.get(key)!).toFixed(2)}${v.target ? ` (target >= ${v.target.toFixed(2)}: ${ratio(key) >= v.target ? 'met' : 'NOT met'})` : ''}`
        : '';
      const figures = medianFigures(v.name, runs.get(key)!);
      console.log(row(figures) + vs);
      // Spans per request from what the receiver got from this service over the whole run, and
      // the service's extra CPU per request over its "off" pair spread over those spans (left
      // out where next to no span is recorded, as with nothing sampled).
      const spans = seen.spans[key] ?? 0;
      if (v.vs && spans / figures.served >= 0.05) {
        const perRequest = spans / figures.served;
        const extraUs = figures.cpuUs! - medianFigures('', runs.get(v.vs)!).cpuUs!;
        console.log(
          `${''.padEnd(31)}${perRequest.toFixed(2)} spans recorded per request; ${extraUs.toFixed(0)} µs more CPU per request than all off, ${(extraUs / perRequest).toFixed(0)} µs per recorded span`,
        );
      }
    }
    console.log(
      `\nthe receiver got ${seen.traces} trace exports (${(seen.bytes / 1e6).toFixed(1)} MB in all) and ${seen.envelopes} Sentry envelopes`,
    );
  } finally {
    await Promise.all([...running].map((s) => stop(s.child)));
    await sink.close();
    demo.remove();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
