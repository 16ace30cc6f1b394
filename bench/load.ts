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
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Loads the service on `port`; with `pid`, also measures the CPU time per request of that
 * process (of those processes together, with `cpuUsEach` for each).
 */
export async function load(
  name: string,
  port: number,
  body: object,
  headers: Record<string, string>,
  pid?: number | number[],
): Promise<Figures> {
  const pids = pid === undefined ? [] : [pid].flat();
  const opts = {
    url: `http://127.0.0.1:${port}/v1/execute`,
    method: 'POST' as const,
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
  const warmUp = await autocannon({ ...opts, duration: 1 }); // warm-up: JIT, connection pools, page cache
  // autocannon reports p97.5 but not p95, so percentiles come from every response time.
  const times: number[] = [];
  const cpuBefore = pids.map(cpuMs);
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err as Error) : resolve(result)));
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
    served: warmUp.requests.total + r.requests.total,
    ...(pids.length === 0 ? {} : cpuPerRequest(pids, cpuBefore, r.requests.total)),
  };
}

function cpuPerRequest(pids: number[], before: number[], requests: number) {
  const each = pids.map((p, i) => ((cpuMs(p) - before[i]!) * 1000) / requests);
  return { cpuUs: each.reduce((a, b) => a + b, 0), cpuUsEach: each };
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
  };
}

export const row = (f: Figures): string =>
  `${f.name.padEnd(30)} ${f.rps.toFixed(0).padStart(8)} req/s   p50 ${f.p50.toFixed(1).padStart(6)} ms   p95 ${f.p95.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(6)} ms   errors ${f.errors}  non-2xx ${f.non2xx}${f.cpuUs ? `   cpu ${f.cpuUs.toFixed(0).padStart(4)} µs/req` : ''}${f.rssMb ? `   rss ${f.rssMb.toFixed(0)} MB` : ''}`;
