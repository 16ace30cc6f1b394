import type { DestinationStream } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/observability/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { Dialect } from '../../src/db/knex.js';
import { DEMO_KEY, DEMO_SEED, seededDatabase, type TestDatabase } from './databases.js';

export interface TestServer {
  url: string;
  running: RunningServer;
  /** fetch against the server with the demo key unless headers say otherwise. */
  request(
    method: string,
    path: string,
    opts?: { body?: unknown; headers?: Record<string, string>; raw?: string },
  ): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** `logs` receives the server's log lines (at LOG_LEVEL) instead of stdout. */
export async function startTestServer(
  db: TestDatabase,
  env: Record<string, string> = {},
  logs?: DestinationStream,
): Promise<TestServer> {
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.FOLIO_TEST_LOG_LEVEL ?? 'silent',
    FOLIO_DEMO_API_KEY: DEMO_KEY,
    FOLIO_DEMO_SEED: String(DEMO_SEED),
    FOLIO_SEED_DEMO: 'false',
    // The start-up warm-up (compiling the analytics, reading the demo's 753 packs once) only
    // speeds up a first request, which no test here times; the startup suites run it.
    FOLIO_WARM_UP: 'false',
    ...(db.config.DATABASE_URL ? { DATABASE_URL: db.config.DATABASE_URL } : {}),
    ...env,
  });
  const cfg = db.config.DATABASE_URL ? config : { ...config, sqliteFile: db.config.sqliteFile };
  const running = await startServer(
    cfg,
    createLogger({ level: cfg.LOG_LEVEL, pretty: false, ...(logs ? { destination: logs } : {}) }),
  );
  const url = `http://127.0.0.1:${running.port}`;
  return {
    url,
    running,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${DEMO_KEY}`, ...opts.headers };
      let body: string | undefined = opts.raw;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed, text };
    },
    close: () => running.shutdown(),
  };
}

/**
 * Hooks for a suite that needs its own copy of the seeded demo database and a server on it;
 * the returned object is filled in before the suite's tests run.
 */
export function useSeededServer(
  dialect: Dialect,
  env: Record<string, string> = {},
): { db: TestDatabase; srv: TestServer } {
  const ctx = {} as { db: TestDatabase; srv: TestServer };
  before(async () => {
    ctx.db = await seededDatabase(dialect);
    ctx.srv = await startTestServer(ctx.db, env);
  });
  after(async () => {
    await ctx.srv?.close();
    await ctx.db?.drop();
  });
  return ctx;
}
