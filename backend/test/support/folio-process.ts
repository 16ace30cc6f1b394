import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: `node bin/folio.js` is run from here, as a user would. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Variables the service reads. The child gets only the ones a test sets, never whatever the
 * developer's shell happens to export (a stray DATABASE_URL must not point a test at a real
 * database).
 */
const SERVICE_ENV = /^(FOLIO_|DATABASE_URL$|PORT$|HOST$|LOG_LEVEL$|NODE_ENV$|SENTRY_|PII_HASH_KEY$|OTEL_)/;

export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!SERVICE_ENV.test(k) && v !== undefined) base[k] = v;
  return { ...base, ...env };
}

const live = new Set<ChildProcess>();
// A failed test must not leave a service running behind it.
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

export interface TempDir {
  path: string;
  remove(): void;
}

export function tempDir(prefix = 'folio-proc-'): TempDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { path: dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/folio.js ARGS` to completion. A process still running after `timeoutMs` is
 * killed and the promise rejects with what it printed so far.
 */
export function runFolio(
  args: readonly string[],
  opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<Finished> {
  const cwd = opts.cwd ?? REPO_ROOT;
  const child = track(
    spawn(process.execPath, [path.join(cwd, 'bin/folio.js'), ...args], {
      cwd,
      env: childEnv(opts.env ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timeoutMs = opts.timeoutMs ?? 90_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `folio ${args.join(' ')} still running after ${timeoutMs} ms; killed.\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`,
        ),
      );
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const tail = (s: string, n = 4000) => (s.length > n ? `…${s.slice(-n)}` : s);

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Every JSON log line printed on stdout so far. */
  logs(): LogLine[];
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and waits for the exit; kills with SIGKILL and rejects after `timeoutMs`. */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/**
 * Starts `node bin/folio.js serve` and resolves once it logs `listening on port N`. If the
 * process exits first, or does not get there within `readyTimeoutMs`, it is killed and the
 * promise rejects with its output.
 */
export function startService(
  env: Record<string, string>,
  opts: { cwd?: string; readyTimeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const cwd = opts.cwd ?? REPO_ROOT;
  const child = track(
    spawn(process.execPath, [path.join(cwd, 'bin/folio.js'), 'serve'], {
      cwd,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stdout = '';
  let stderr = '';
  const logs: LogLine[] = [];
  let partial = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close' rather than 'exit': it comes once stdout and stderr are drained, so the last lines are in.
    child.once('close', (code, signal) => resolve((exit = { code, signal }))),
  );
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`folio serve ${why}.\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`));
    };
    const timer = setTimeout(
      () => fail(`did not log "listening on port N" within ${opts.readyTimeoutMs ?? 30_000} ms`),
      opts.readyTimeoutMs ?? 30_000,
    );
    void exited.then((e) => fail(`exited (code ${e.code}, signal ${e.signal}) before listening`));

    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      partial += s;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (!line.trim()) continue;
        let parsed: LogLine;
        try {
          parsed = JSON.parse(line) as LogLine;
        } catch {
          fail(`printed a line on stdout that is not a JSON log line: ${line}`);
          return;
        }
        logs.push(parsed);
        const m = /^listening on port (\d+)$/.exec(parsed.msg);
        if (m && !settled) {
          settled = true;
          clearTimeout(timer);
          const port = Number(m[1]);
          resolve({
            child,
            port,
            url: `http://127.0.0.1:${port}`,
            logs: () => logs,
            stdout: () => stdout,
            stderr: () => stderr,
            async stop(signal = 'SIGTERM', timeoutMs = 5000) {
              const started = Date.now();
              if (!exit) child.kill(signal);
              let timeout: NodeJS.Timeout | undefined;
              const result = await Promise.race([
                exited,
                new Promise<null>((r) => (timeout = setTimeout(() => r(null), timeoutMs))),
              ]);
              clearTimeout(timeout);
              if (result === null) {
                child.kill('SIGKILL');
                throw new Error(
                  `folio serve did not exit within ${timeoutMs} ms of ${signal}.\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`,
                );
              }
              return { ...result, ms: Date.now() - started };
            },
          });
        }
      }
    });
  });
}
