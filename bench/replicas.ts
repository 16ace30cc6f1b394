/**
 * Throughput of POST /v1/execute (portfolio_overview on the largest demo portfolio) through
 * HAProxy with 1 and 2 replicas on PostgreSQL, result cache off (cold) and on (warm), measured
 * side by side in one run, with the CPU each request costs the replicas: the figure a capacity
 * model is built from (docs/operations.md#capacity-model). Figures are printed, never asserted.
 *
 * The replicas are `folio serve` processes from dist/ on one scratch PostgreSQL database; the
 * balancer is Debian's haproxy with deploy/haproxy/haproxy.cfg, its replicas on loopback.
 *
 *   npm run bench:replicas    (BENCH_SECONDS=8 BENCH_ROUNDS=3 BENCH_CONNECTIONS=32 by default)
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loopbackHaproxyConfig } from '../deploy/haproxy/loopback.js';
import { freePort, startDaemon, type Daemon } from '../backend/test/integration/observability-stack/stack.js';
import { scratchPostgres } from './databases.js';
import { connections, load, median, medianFigures, rounds, row, seconds, type Figures } from './load.js';
import { runtimeNote, seededDemo, stop } from './server.js';

const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface Run extends Figures {
  /** CPU of the replicas together, of the balancer, and of this process (the load generator), µs per request. */
  replicasUs: number;
  balancerUs: number;
  clientUs: number;
}

async function main() {
  if (spawnSync('haproxy', ['-v']).error) {
    console.log('replicas bench: skipped, haproxy is not installed (apt-get install haproxy)');
    return;
  }
  const pg = await scratchPostgres();
  if (!pg) return;
  try {
    const demo = await seededDemo({ DATABASE_URL: pg.url });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-bench-balancer-'));
    const replicas = await Promise.all([
      demo.start({ FOLIO_RESULT_CACHE_SIZE: '0' }),
      demo.start({ FOLIO_RESULT_CACHE_SIZE: '0' }),
      demo.start({ FOLIO_RESULT_CACHE_SIZE: '1000' }),
      demo.start({ FOLIO_RESULT_CACHE_SIZE: '1000' }),
    ]);
    const [coldA, coldB, warmA, warmB] = replicas;
    const balancers: Daemon[] = [];
    const balancer = async (behind: { child: ChildProcess; port: number }[]) => {
      const [port, metricsPort] = [await freePort(), await freePort()];
      const file = path.join(dir, `haproxy-${port}.cfg`);
      const addrs = behind.map((r) => `127.0.0.1:${r.port}`);
      fs.writeFileSync(file, loopbackHaproxyConfig({ port, metricsPort, replicas: addrs }));
      const daemon = await startDaemon('haproxy', ['-f', file], metricsPort, '/metrics');
      balancers.push(daemon);
      return { port, pids: [...behind.map((r) => r.child.pid!), daemon.child.pid!] };
    };
    // Every set-up stays up and is loaded in turn, round after round, so the 2-replica and
    // 1-replica figures of a round are taken under the same machine conditions.
    const setups = {
      'cold, 1 replica': await balancer([coldA]),
      'cold, 2 replicas': await balancer([coldA, coldB]),
      'warm, 1 replica': await balancer([warmA]),
      'warm, 2 replicas': await balancer([warmA, warmB]),
    };
    type Name = keyof typeof setups;
    const names = Object.keys(setups) as Name[];
    const runs = Object.fromEntries(names.map((n) => [n, [] as Run[]])) as Record<Name, Run[]>;
    const body = { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } };
    const auth = { authorization: `Bearer ${demo.apiKey}` };
    try {
      for (let round = 1; round <= rounds; round++) {
        for (const name of names) {
          const { port, pids } = setups[name];
          const client = process.cpuUsage();
          const f = await load(name, port, body, auth, pids);
          const used = process.cpuUsage(client);
          const clientUs = (used.user + used.system) / f.served;
          const each = f.cpuUsEach!;
          runs[name].push({ ...f, replicasUs: f.cpuUs! - each.at(-1)!, balancerUs: each.at(-1)!, clientUs });
        }
        const r = (n: Name) => runs[n].at(-1)!.rps.toFixed(0);
        console.log(
          `round ${round}: cold ${r('cold, 1 replica')} -> ${r('cold, 2 replicas')} req/s, warm ${r('warm, 1 replica')} -> ${r('warm, 2 replicas')} req/s; load average ${loadAverage()}`,
        );
      }
      console.log(
        `\nPOST /v1/execute portfolio_overview pf_demo_usd through HAProxy, PostgreSQL, ${connections} connections, ${rounds} rounds of ${seconds}s, medians; node ${process.version}, ${os.cpus().length} cores;\n${runtimeNote()}\n`,
      );
      const cpu = (n: Name, k: 'replicasUs' | 'balancerUs' | 'clientUs') => median(runs[n].map((x) => x[k]));
      for (const n of names) {
        const f = medianFigures(n, runs[n]);
        console.log(
          `${row({ ...f, cpuUs: undefined })}   cpu µs/req: replicas ${cpu(n, 'replicasUs').toFixed(0).padStart(5)}, balancer ${cpu(n, 'balancerUs').toFixed(0).padStart(4)}, load generator ${cpu(n, 'clientUs').toFixed(0).padStart(4)}`,
        );
      }
      const ratio = (a: Name, b: Name) => median(runs[a].map((x, i) => x.rps / runs[b][i]!.rps)).toFixed(2);
      console.log(
        `\n2 replicas / 1 replica throughput (median of per-round ratios): cold ${ratio('cold, 2 replicas', 'cold, 1 replica')}, warm ${ratio('warm, 2 replicas', 'warm, 1 replica')}`,
      );
      // One core answers 1 / (CPU seconds per request) requests per second; the 1-replica runs
      // are the cleaner figure (the 2-replica ones share the cores with a second service).
      for (const kind of ['cold', 'warm'] as const) {
        const us = [cpu(`${kind}, 1 replica`, 'replicasUs'), cpu(`${kind}, 2 replicas`, 'replicasUs')];
        const balancerUs = cpu(`${kind}, 1 replica`, 'balancerUs');
        console.log(
          `capacity, ${kind}: ${(1e6 / us[0]!).toFixed(0)} req/s per replica core (${(1e6 / us[1]!).toFixed(0)} with 2 replicas), ${(1e6 / balancerUs).toFixed(0)} req/s per balancer core`,
        );
      }
      console.log(`load average ${loadAverage()}`);
    } finally {
      await Promise.all([...balancers.map((b) => b.stop()), ...replicas.map((r) => stop(r.child))]);
      fs.rmSync(dir, { recursive: true, force: true });
      demo.remove();
    }
  } finally {
    await pg.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
