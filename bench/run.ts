/**
 * Throughput and latency of POST /v1/execute (portfolio_overview on the largest demo
 * portfolio) with the result cache off (cold) and on (warm), against an express
 * hello-world measured in the same run. Figures are printed, never asserted.
 *
 * The service runs from the compiled build (dist/), as `npm start` runs it.
 *
 *   npm run bench            (BENCH_SECONDS=8 BENCH_ROUNDS=3 BENCH_CONNECTIONS=32 by default)
 */
import os from 'node:os';
import { connections, load, median, medianFigures, rounds, row, rssMb, seconds, type Figures } from './load.js';
import { runtimeNote, seededDemo, start, stop } from './server.js';

const TARGET_WARM_RATIO = 0.7;
const TARGET_COLD_P99_MS = 35;
const TARGET_RSS_MB = 250;

async function main() {
  const demo = await seededDemo();
  const startService = (env: Record<string, string>) => demo.start(env);
  const apiKey = demo.apiKey;

  // All three servers stay up and are loaded in turn, round after round, so each ratio compares
  // runs made under the same machine conditions; medians over rounds damp the noise of a shared VM.
  const base = await start(['--import=tsx', 'bench/baseline.ts'], { PORT: '0' });
  const cold = await startService({ FOLIO_RESULT_CACHE_SIZE: '0' });
  const warm = await startService({ FOLIO_RESULT_CACHE_SIZE: '1000' });
  const body = { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } };
  const auth = { authorization: `Bearer ${apiKey}` };
  const runs = { baseline: [] as Figures[], cold: [] as Figures[], warm: [] as Figures[] };
  const peakRss = { cold: 0, warm: 0 };
  try {
    for (let round = 1; round <= rounds; round++) {
      runs.baseline.push(await load('express hello-world', base.port, { pattern_id: 'x' }, {}, base.child.pid));
      runs.cold.push(await load('overview, cache off (cold)', cold.port, body, auth, cold.child.pid));
      runs.warm.push(await load('overview, cache on (warm)', warm.port, body, auth, warm.child.pid));
      const [b, c, w] = [runs.baseline.at(-1)!, runs.cold.at(-1)!, runs.warm.at(-1)!];
      peakRss.cold = Math.max(peakRss.cold, rssMb(cold.child.pid!));
      peakRss.warm = Math.max(peakRss.warm, rssMb(warm.child.pid!));
      console.log(
        `round ${round}: baseline ${b.rps.toFixed(0)} req/s, cold ${c.rps.toFixed(0)} req/s (p99 ${c.p99.toFixed(1)} ms), warm ${w.rps.toFixed(0)} req/s; warm/baseline ${(w.rps / b.rps).toFixed(2)}`,
      );
    }
    const coldRss = Math.max(rssMb(cold.child.pid!), peakRss.cold);
    const warmRss = Math.max(rssMb(warm.child.pid!), peakRss.warm);
    const figures = [
      medianFigures('express hello-world', runs.baseline),
      { ...medianFigures('overview, cache off (cold)', runs.cold), rssMb: coldRss },
      { ...medianFigures('overview, cache on (warm)', runs.warm), rssMb: warmRss },
    ];
    const ratios = (k: 'cold' | 'warm') => median(runs[k].map((r, i) => r.rps / runs.baseline[i]!.rps));

    console.log(
      `\nPOST /v1/execute portfolio_overview pf_demo_usd, SQLite, ${connections} connections, ${rounds} rounds of ${seconds}s, medians; node ${process.version}, ${os.cpus().length} cores;\n${runtimeNote()}\n`,
    );
    for (const f of figures) console.log(row(f));
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    console.log(
      `\nwarm / baseline throughput (median of per-round ratios): ${ratios('warm').toFixed(2)}   (target >= ${TARGET_WARM_RATIO}: ${verdict(ratios('warm') >= TARGET_WARM_RATIO)})`,
    );
    console.log(`cold / baseline throughput (median of per-round ratios): ${ratios('cold').toFixed(2)}`);
    console.log(
      `cold p99: ${figures[1]!.p99.toFixed(1)} ms   (target < ${TARGET_COLD_P99_MS} ms: ${verdict(figures[1]!.p99 < TARGET_COLD_P99_MS)})`,
    );
    console.log(
      `service RSS peak (sampled after each round): cold ${coldRss.toFixed(0)} MB, warm ${warmRss.toFixed(0)} MB   (target < ${TARGET_RSS_MB} MB: ${verdict(Math.max(coldRss, warmRss) < TARGET_RSS_MB)})`,
    );
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await Promise.all([stop(base.child), stop(cold.child), stop(warm.child)]);
    demo.remove();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
