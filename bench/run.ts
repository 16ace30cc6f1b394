/**
 * Throughput and latency of POST /v1/execute (portfolio_overview on the largest demo
 * portfolio) with the result cache off (cold) and on (warm), against an express
 * hello-world measured in the same run. Figures are printed, never asserted.
 *
 * The service runs from the compiled build (dist/), as `npm start` runs it.
 *
 *   npm run bench            (BENCH_SECONDS=8 BENCH_ROUNDS=3 BENCH_CONNECTIONS=32 by default)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { root, start, stop } from './server.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const apiKey = 'bench-demo-key-0123456789';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-bench-'));

interface Figures {
  name: string;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  rssMb?: number;
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function load(name: string, port: number, body: object, headers: Record<string, string>): Promise<Figures> {
  const opts = {
    url: `http://127.0.0.1:${port}/v1/execute`,
    method: 'POST' as const,
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
  await autocannon({ ...opts, duration: 1 }); // warm-up: JIT, connection pools, page cache
  // autocannon reports p97.5 but not p95, so percentiles come from every response time.
  const times: number[] = [];
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
  times.sort((a, b) => a - b);
  const pct = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return {
    name,
    rps: r.requests.average,
    p50: pct(0.5),
    p95: pct(0.95),
    p99: pct(0.99),
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

async function startService(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  return start(['dist/jobs/folio.js', 'serve'], {
    PORT: '0',
    HOST: '127.0.0.1',
    FOLIO_DATA_DIR: dataDir,
    FOLIO_DEMO_API_KEY: apiKey,
    FOLIO_RATE_LIMIT_PER_MINUTE: '0',
    // info: the start-up line carries the port; nothing is logged per request.
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    FOLIO_SEED_DEMO: 'true',
    ...env,
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function medianFigures(name: string, runs: Figures[]): Figures {
  const pick = (k: 'rps' | 'p50' | 'p95' | 'p99') => median(runs.map((r) => r[k]));
  return {
    name,
    rps: pick('rps'),
    p50: pick('p50'),
    p95: pick('p95'),
    p99: pick('p99'),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
  };
}

async function main() {
  // Seed once up front so no measured run pays for it.
  const seed = spawn(process.execPath, ['dist/jobs/folio.js', 'seed-demo'], {
    cwd: root,
    env: { ...process.env, FOLIO_DATA_DIR: dataDir, FOLIO_DEMO_API_KEY: apiKey, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await new Promise((r) => seed.once('exit', r));

  // All three servers stay up and are loaded in turn, round after round, so each ratio compares
  // runs made under the same machine conditions; medians over rounds damp the noise of a shared VM.
  const base = await start(['--import=tsx', 'bench/baseline.ts'], { PORT: '0' });
  const cold = await startService({ FOLIO_RESULT_CACHE_SIZE: '0' });
  const warm = await startService({ FOLIO_RESULT_CACHE_SIZE: '1000' });
  const body = { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } };
  const auth = { authorization: `Bearer ${apiKey}` };
  const runs = { baseline: [] as Figures[], cold: [] as Figures[], warm: [] as Figures[] };
  try {
    for (let round = 1; round <= rounds; round++) {
      runs.baseline.push(await load('express hello-world', base.port, { pattern_id: 'x' }, {}));
      runs.cold.push(await load('overview, cache off (cold)', cold.port, body, auth));
      runs.warm.push(await load('overview, cache on (warm)', warm.port, body, auth));
      const [b, c, w] = [runs.baseline.at(-1)!, runs.cold.at(-1)!, runs.warm.at(-1)!];
      console.log(
        `round ${round}: baseline ${b.rps.toFixed(0)} req/s, cold ${c.rps.toFixed(0)} req/s (p99 ${c.p99.toFixed(1)} ms), warm ${w.rps.toFixed(0)} req/s; warm/baseline ${(w.rps / b.rps).toFixed(2)}`,
      );
    }
    const coldRss = rssMb(cold.child.pid!);
    const warmRss = rssMb(warm.child.pid!);
    const figures = [
      medianFigures('express hello-world', runs.baseline),
      { ...medianFigures('overview, cache off (cold)', runs.cold), rssMb: coldRss },
      { ...medianFigures('overview, cache on (warm)', runs.warm), rssMb: warmRss },
    ];
    const ratios = (k: 'cold' | 'warm') => median(runs[k].map((r, i) => r.rps / runs.baseline[i]!.rps));

    console.log(
      `\nPOST /v1/execute portfolio_overview pf_demo_usd, SQLite, ${connections} connections, ${rounds} rounds of ${seconds}s, medians; node ${process.version}, ${os.cpus().length} cores\n`,
    );
    const row = (f: Figures) =>
      `${f.name.padEnd(30)} ${f.rps.toFixed(0).padStart(8)} req/s   p50 ${f.p50.toFixed(1).padStart(6)} ms   p95 ${f.p95.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(6)} ms   errors ${f.errors}  non-2xx ${f.non2xx}${f.rssMb ? `   rss ${f.rssMb.toFixed(0)} MB` : ''}`;
    for (const f of figures) console.log(row(f));
    console.log(`\nwarm / baseline throughput (median of per-round ratios): ${ratios('warm').toFixed(2)}   (target >= 0.50)`);
    console.log(`cold / baseline throughput (median of per-round ratios): ${ratios('cold').toFixed(2)}`);
    console.log(`cold p99: ${figures[1]!.p99.toFixed(1)} ms   (target < 50 ms)`);
    console.log(`service RSS after the run: cold ${coldRss.toFixed(0)} MB, warm ${warmRss.toFixed(0)} MB   (target < 250 MB)`);
  } finally {
    await Promise.all([stop(base.child), stop(cold.child), stop(warm.child)]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
