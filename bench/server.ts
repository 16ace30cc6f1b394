/** Starting and stopping the processes a benchmark measures. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Node flags for every measured process, for profiling: BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);

/**
 * How the image and the compose file run the service, which every measured process is run
 * with: the Dockerfile's NODE_OPTIONS and, in a memory cgroup of its own, docker-compose.yml's
 * memory limit (BENCH_MEMORY_MB overrides it; 0 for none). Node sizes its heap to the limit, so
 * the resident memory measured without one says more about the machine than about the service.
 */
export const production = {
  nodeOptions: /^\s*NODE_OPTIONS=(\S+)/m.exec(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8'))?.[1] ?? '',
  memoryMb:
    process.env.BENCH_MEMORY_MB !== undefined
      ? Number(process.env.BENCH_MEMORY_MB)
      : megabytes(
          (parseYaml(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as ComposeFile).services.folio
            .deploy.resources.limits.memory,
        ),
};

interface ComposeFile {
  services: { folio: { deploy: { resources: { limits: { memory: string } } } } };
}

function megabytes(size: string): number {
  const m = /^(\d+)([mg])$/i.exec(size);
  if (!m) throw new Error(`docker-compose.yml: memory limit ${size} is not <n>m or <n>g`);
  return Number(m[1]) * (m[2]!.toLowerCase() === 'g' ? 1024 : 1);
}

/**
 * A memory cgroup (v1 or v2; root only) of `mb` for one process: the shell line that moves the
 * shell into it before it becomes the process, and its removal once the process is gone; or
 * why none can be made here, and the process then runs without a limit.
 */
function memoryCgroup(mb: number): { enter: string; remove: () => void } | { reason: string } {
  const v2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
  const dir = path.join(v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory', `folio-bench-${process.pid}-${cgroups++}`);
  const remove = (tries = 10): void => {
    try {
      fs.rmdirSync(dir);
    } catch (e) {
      // The kernel may not have let go of the exited process yet; an empty cgroup left behind is harmless.
      if ((e as NodeJS.ErrnoException).code === 'EBUSY' && tries > 0) setTimeout(() => remove(tries - 1), 100);
    }
  };
  try {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(mb * 2 ** 20));
  } catch (e) {
    remove(0);
    return { reason: (e as Error).message };
  }
  return { enter: `echo $$ > ${path.join(dir, 'cgroup.procs')} && `, remove: () => remove() };
}
let cgroups = 0;
let warned = false;

/** What the measured processes run with, for the benchmarks' headers. */
export function runtimeNote(): string {
  const limit = production.memoryMb > 0 ? memoryCgroup(production.memoryMb) : null;
  if (limit && 'remove' in limit) limit.remove();
  const memory =
    production.memoryMb === 0
      ? 'no memory limit'
      : limit && 'reason' in limit
        ? `no memory limit (a ${production.memoryMb} MB cgroup cannot be made here: ${limit.reason})`
        : `a ${production.memoryMb} MB memory cgroup each, as docker-compose.yml limits the service`;
  return `services run with NODE_OPTIONS=${production.nodeOptions || '(none)'} as the image sets, in ${memory}`;
}

/** Runs `node <args>` from the repository root and resolves once it logs the port it listens on. */
export function start(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const cgroup = production.memoryMb > 0 ? memoryCgroup(production.memoryMb) : null;
    if (cgroup && 'reason' in cgroup && !warned) {
      warned = true;
      console.error(`measured processes run without a memory limit: ${cgroup.reason}`);
    }
    const enter = cgroup && 'enter' in cgroup ? cgroup.enter : '';
    const child = spawn('sh', ['-c', `${enter}exec "$0" "$@"`, process.execPath, ...nodeFlags, ...args], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: production.nodeOptions, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // 'close', not 'exit': stop() takes the 'exit' listeners off.
    if (cgroup && 'remove' in cgroup) child.once('close', () => cgroup.remove());
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
