/**
 * Time from `npm start` to the first 200 from GET /health/ready, on an existing (seeded)
 * SQLite database with dist/ current, so the build is skipped (bin/build-stamp.js). Figures
 * are printed, never asserted.
 *
 *   npm run bench:startup     (BENCH_STARTS=5 by default)
 */
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { seededDemo, root } from './server.js';

const STARTS = Number(process.env.BENCH_STARTS ?? 5);
const TARGET_MS = 2000;

/** Runs `npm start` and resolves with the ms until /health/ready answered 200, then stops the service. */
async function timeStart(dataDir: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, FOLIO_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (?:on port )?(\d+)/.exec(out);
      if (m) {
        child.stdout.resume();
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
  });
  try {
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null);
      await res?.arrayBuffer();
      if (res?.status === 200) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    // npm runs the service in a child shell: the whole process group is stopped.
    child.removeAllListeners('exit');
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

async function main() {
  if (spawnSync('node', ['bin/build-stamp.js', 'check'], { cwd: root, stdio: 'inherit' }).status !== 0)
    spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  const demo = await seededDemo();
  try {
    const times: number[] = [];
    for (let i = 0; i < STARTS; i++) times.push(await timeStart(demo.dataDir));
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    console.log(
      `npm start to /health/ready 200 on an existing SQLite database, dist/ current; ${STARTS} starts, node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(2)}`,
    );
    console.log(
      `  median ${median.toFixed(0)} ms  min ${times[0]!.toFixed(0)} ms  max ${times.at(-1)!.toFixed(0)} ms   (target median < ${TARGET_MS} ms: ${median < TARGET_MS ? 'met' : 'MISSED'})`,
    );
  } finally {
    demo.remove();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
