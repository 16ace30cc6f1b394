import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv, REPO_ROOT, type LogLine } from '../../../support/folio-process.js';
import type { TestDatabase } from '../../../support/databases.js';
import { DEMO_KEY } from '../../../support/databases.js';
import { until } from '../../../support/until.js';
import type { SpanRecord } from './traced-server.js';

export type { SpanRecord };

const HARNESS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'traced-server.ts');

export interface TracedService {
  url: string;
  /** Every span finished so far. */
  spans(): Promise<SpanRecord[]>;
  logs(): LogLine[];
  /** The first log line matching `match`, waiting for it: stdout is a different channel from the HTTP response. */
  logLine(match: (line: LogLine) => boolean): Promise<LogLine>;
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: any }>;
  stop(): Promise<void>;
}

/** Starts the traced service on `db` and resolves once it listens. */
export function startTracedService(db: TestDatabase, env: Record<string, string>): Promise<TracedService> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', HARNESS], {
    cwd: REPO_ROOT,
    env: childEnv({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      FOLIO_SEED_DEMO: 'false',
      FOLIO_DEMO_API_KEY: DEMO_KEY,
      TRACED_DB: JSON.stringify(db.config),
      ...env,
    }),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  const lines: LogLine[] = [];
  let partial = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    const parts = (partial + s).split('\n');
    partial = parts.pop()!;
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (msg: { type: string } & T) => {
        if (msg.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(msg);
      };
      const onExit = (code: number | null) =>
        reject(new Error(`traced service exited (${code}) before "${type}".\nstderr:\n${stderr}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  return next<{ port: number }>('ready').then(({ port }) => {
    const url = `http://127.0.0.1:${port}`;
    return {
      url,
      async spans() {
        const reply = next<{ spans: SpanRecord[] }>('spans');
        child.send({ type: 'spans' });
        return (await reply).spans;
      },
      logs: () => lines,
      logLine: (match) =>
        until(
          () => `a matching log line in:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`,
          () => lines.find(match),
          2500,
        ),
      async request(method, p, body, headers = {}) {
        const res = await fetch(url + p, {
          method,
          headers: {
            authorization: `Bearer ${DEMO_KEY}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
      },
      async stop() {
        if (child.exitCode !== null) return;
        // 'close' rather than 'exit': it waits until stdout is drained, so the last log lines are in.
        const exited = new Promise((r) => child.once('close', r));
        child.send({ type: 'stop' });
        await exited;
      },
    };
  });
}
