/** Load generation and the figures every throughput benchmark prints. */
import fs from 'node:fs';
import autocannon from 'autocannon';

export const seconds = Number(process.env.BENCH_SECONDS ?? 8);
export const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
export const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);

export interface Figures {
  name: string;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  rssMb?: number;
  /** CPU time (all threads) the measured processes spent per request during the run, in µs. */
  cpuUs?: number;
  /** The same for each measured process, in the order given. */
  cpuUsEach?: number[];
  /** Requests answered, the warm-up's included. */
  served: number;
  /** How long the warm-up ran before the measured processes had settled. */
  warmUpSeconds?: number;
}

export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/**
 * CPU time a process has used, in ms, from /proc (Linux only, as rssMb): utime + stime, in
 * clock ticks of 10 ms (USER_HZ is 100 on every mainstream Linux build).
 */
export function cpuMs(pid: number): number {
  return ticksMs(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

const ticksMs = (stat: string): number => {
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

/**
 * CPU time, in ms, of the process's V8 background threads (named V8Worker): optimising
 * compilers and concurrent GC. A thread that ended in between is no longer counted.
 */
function v8WorkerMs(pid: number): number {
  let ms = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      if (stat.includes('(V8Worker)')) ms += ticksMs(stat);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ms;
}

/** Bounds of the warm-up, in seconds of load (BENCH_WARMUP_MIN_SECONDS, BENCH_WARMUP_MAX_SECONDS). */
const warmUpMin = Number(process.env.BENCH_WARMUP_MIN_SECONDS ?? 2);
const warmUpMax = Number(process.env.BENCH_WARMUP_MAX_SECONDS ?? 20);
/**
 * A process whose V8 background threads take less than this share of its CPU has finished
 * compiling its hot code: what is left there is concurrent GC (about 4% under this load).
 */
const SETTLED_BACKGROUND_SHARE = 0.1;

/**
 * Loads the target in one-second bursts until every measured process has settled (its
 * background threads below SETTLED_BACKGROUND_SHARE of its CPU over the last burst), at least
 * warmUpMin and at most warmUpMax seconds; without pids, for warmUpMin seconds. A fresh
 * service spends its first seconds under load optimising its hot code on a second core: about
 * a fifth of its CPU goes to compiling after one second of load, 2% after eight. Measured before
 * that, a process running more code (tracing on) used up to 40% more CPU per request than it
 * does for the rest of its life.
 */
async function warmUp(opts: autocannon.Options, pids: number[]): Promise<{ requests: number; seconds: number }> {
  let requests = 0;
  for (let s = 1; s <= warmUpMax; s++) {
    const before = pids.map((p) => [cpuMs(p), v8WorkerMs(p)] as const);
    requests += (await autocannon({ ...opts, duration: 1 })).requests.total;
    const settled = pids.every((p, i) => {
      const total = cpuMs(p) - before[i]![0];
      return total > 0 && (v8WorkerMs(p) - before[i]![1]) / total < SETTLED_BACKGROUND_SHARE;
    });
    if (s >= warmUpMin && settled) return { requests, seconds: s };
  }
  return { requests, seconds: warmUpMax };
}

/** A service to load with POST /v1/execute. */
export interface Target {
  name: string;
  port: number;
  body: object;
  headers: Record<string, string>;
  /** The processes whose CPU time per request is measured (together, and each in cpuUsEach). */
  pid?: number | number[];
}

/** Loads one service for `seconds` after its warm-up; see loadSideBySide. */
export async function load(
  name: string,
  port: number,
  body: object,
  headers: Record<string, string>,
  pid?: number | number[],
): Promise<Figures> {
  const [figures] = await loadSideBySide([{ name, port, body, headers, pid }]);
  return figures!;
}

/**
 * Warms every target up, then loads them in turn in one-second slices, `seconds` slices each,
 * in the order A B B A A B... A shared virtual machine runs faster and slower for stretches of
 * seconds; targets measured one after the other for several seconds each carried that drift into
 * their ratio, while interleaved slices share it out evenly. A single target is loaded for
 * `seconds` without a break.
 */
export async function loadSideBySide(targets: Target[]): Promise<Figures[]> {
  const sliceSeconds = targets.length === 1 ? seconds : 1;
  const slices = Math.max(1, Math.round(seconds / sliceSeconds));
  const runs = targets.map((target) => ({
    target,
    pids: target.pid === undefined ? [] : [target.pid].flat(),
    opts: {
      url: `http://127.0.0.1:${target.port}/v1/execute`,
      method: 'POST' as const,
      connections,
      duration: sliceSeconds,
      headers: { 'content-type': 'application/json', ...target.headers },
      body: JSON.stringify(target.body),
    },
    // autocannon reports p97.5 but not p95, so percentiles come from every response time.
    times: [] as number[],
    requests: 0,
    errors: 0,
    non2xx: 0,
    cpuMs: [] as number[],
    warm: { requests: 0, seconds: 0 },
  }));
  for (const run of runs) {
    // JIT, connection pools, page cache.
    run.warm = await warmUp(run.opts, run.pids);
    run.cpuMs = run.pids.map(() => 0);
  }
  for (let slice = 0; slice < slices; slice++) {
    for (const run of slice % 2 ? [...runs].reverse() : runs) {
      const before = run.pids.map(cpuMs);
      const r = await new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon(run.opts, (err, result) => (err ? reject(err as Error) : resolve(result)));
        instance.on('response', (_client, _status, _bytes, responseTime) => run.times.push(responseTime));
      });
      run.pids.forEach((p, i) => (run.cpuMs[i]! += cpuMs(p) - before[i]!));
      run.requests += r.requests.total;
      run.errors += r.errors + r.timeouts;
      run.non2xx += r.non2xx;
    }
  }
  return runs.map((run) => {
    const times = run.times.sort((a, b) => a - b);
    const pct = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
    const each = run.cpuMs.map((ms) => (ms * 1000) / run.requests);
    return {
      name: run.target.name,
      rps: run.requests / (slices * sliceSeconds),
      p50: pct(0.5),
      p95: pct(0.95),
      p99: pct(0.99),
      errors: run.errors,
      non2xx: run.non2xx,
      served: run.warm.requests + run.requests,
      warmUpSeconds: run.warm.seconds,
      ...(each.length === 0 ? {} : { cpuUs: each.reduce((a, b) => a + b, 0), cpuUsEach: each }),
    };
  });
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function medianFigures(name: string, runs: Figures[]): Figures {
  const pick = (k: 'rps' | 'p50' | 'p95' | 'p99') => median(runs.map((r) => r[k]));
  return {
    name,
    rps: pick('rps'),
    p50: pick('p50'),
    p95: pick('p95'),
    p99: pick('p99'),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
    served: runs.reduce((s, r) => s + r.served, 0),
    ...(runs.every((r) => r.cpuUs !== undefined) ? { cpuUs: median(runs.map((r) => r.cpuUs!)) } : {}),
    ...(runs.every((r) => r.warmUpSeconds !== undefined)
      ? { warmUpSeconds: median(runs.map((r) => r.warmUpSeconds!)) }
      : {}),
  };
}

export const row = (f: Figures): string =>
  `${f.name.padEnd(30)} ${f.rps.toFixed(0).padStart(8)} req/s   p50 ${f.p50.toFixed(1).padStart(6)} ms   p95 ${f.p95.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(6)} ms   errors ${f.errors}  non-2xx ${f.non2xx}${f.cpuUs ? `   cpu ${f.cpuUs.toFixed(0).padStart(4)} µs/req` : ''}${f.rssMb ? `   rss ${f.rssMb.toFixed(0)} MB` : ''}${f.warmUpSeconds ? `   warm-up ${f.warmUpSeconds} s` : ''}`;
