/** Starting and stopping the processes a benchmark measures. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Node flags for every measured process, for profiling: BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);

/** Runs `node <args>` from the repository root and resolves once it logs the port it listens on. */
export function start(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (?:on port )?(\d+)/.exec(out);
      if (m) {
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code} before listening:\n${out}`)));
  });
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface SeededDemo {
  apiKey: string;
  dataDir: string;
  /** `folio serve` from dist/ on the seeded database, with `env` on top of the benchmark defaults. */
  start(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }>;
  remove(): void;
}

/**
 * A database with the demo data, seeded once up front so no measured run pays for it: SQLite
 * in a scratch directory, or the database `env` names (DATABASE_URL).
 */
export async function seededDemo(env: Record<string, string> = {}): Promise<SeededDemo> {
  const apiKey = 'bench-demo-key-0123456789';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-bench-'));
  const seed = spawn(process.execPath, ['dist/jobs/folio.js', 'seed-demo'], {
    cwd: root,
    env: { ...process.env, FOLIO_DATA_DIR: dataDir, FOLIO_DEMO_API_KEY: apiKey, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((r) => seed.once('exit', r));
  if (code !== 0) throw new Error(`seed-demo exited with ${code}`);
  return {
    apiKey,
    dataDir,
    start: (startEnv) =>
      start(['dist/jobs/folio.js', 'serve'], {
        PORT: '0',
        HOST: '127.0.0.1',
        FOLIO_DATA_DIR: dataDir,
        FOLIO_DEMO_API_KEY: apiKey,
        FOLIO_RATE_LIMIT_PER_MINUTE: '0',
        // info: the start-up line carries the port; nothing is logged per request.
        LOG_LEVEL: 'info',
        NODE_ENV: 'production',
        FOLIO_SEED_DEMO: 'false',
        ...env,
        ...startEnv,
      }),
    remove: () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}
