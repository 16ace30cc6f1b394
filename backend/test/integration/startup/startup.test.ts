import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createDb } from '../../../src/db/knex.js';
import {
  REPO_ROOT,
  runFolio,
  startService,
  tempDir,
  type Finished,
  type ServiceProcess,
  type TempDir,
} from '../../support/folio-process.js';

const KEY = 'startup-test-demo-key-7f3a';
const HEX64 = /^[0-9a-f]{64}$/;

/** Environment for a service on an ephemeral local port with its SQLite file in `dir`. */
const serviceEnv = (dir: TempDir, extra: Record<string, string> = {}): Record<string, string> => ({
  FOLIO_DATA_DIR: dir.path,
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  FOLIO_DEMO_API_KEY: KEY,
  ...extra,
});

async function call(svc: ServiceProcess, method: string, urlPath: string, opts: { key?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (opts.key !== undefined) headers.authorization = `Bearer ${opts.key}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(svc.url + urlPath, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

const overview = { pattern_id: 'portfolio_overview', inputs: { portfolio_id: 'pf_demo_usd' } };

function expectExit(r: Finished, code: number, what: string): void {
  assert.equal(
    r.code,
    code,
    `${what}: expected exit ${code}, got ${r.code} (signal ${r.signal})\nstdout:\n${r.stdout.slice(-3000)}\nstderr:\n${r.stderr}`,
  );
}

/** True when something accepts TCP connections on the port. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('folio serve: first start on an empty SQLite data directory', () => {
  let dir: TempDir;
  let svc: ServiceProcess | undefined;
  before(async () => {
    dir = tempDir('folio-start-');
    svc = await startService(serviceEnv(dir));
  });
  after(async () => {
    await svc?.stop('SIGKILL').catch(() => undefined);
    dir?.remove();
  });

  it('migrates, seeds the demo data and logs the demo API key, then listens', () => {
    const logs = svc!.logs();
    const messages = logs.map((l) => l.msg);
    const migrated = logs.find((l) => l.msg === 'applied migrations');
    assert.ok(migrated, `no "applied migrations" line in ${JSON.stringify(messages)}`);
    assert.ok((migrated.migrations as string[]).includes('001_initial'));
    const seeded = logs.find((l) => /^seeded demo data/.test(l.msg));
    assert.ok(seeded, `no "seeded demo data" line in ${JSON.stringify(messages)}`);
    assert.ok(seeded.msg.includes(KEY), `the demo key is in the start-up log: ${seeded.msg}`);
    assert.ok(seeded.level >= 30, 'logged at info level or above, so the default level shows it');
    assert.ok(svc!.port > 0, 'PORT=0 gets an ephemeral port, and the log names it');
    assert.ok(messages.indexOf('applied migrations') < messages.findIndex((m) => m.startsWith('listening on port')));
    const listening = messages.findIndex((m) => m.startsWith('listening on port'));
    const warmed = messages.indexOf('analytics code warmed up');
    assert.ok(warmed >= 0 && warmed < listening, JSON.stringify(messages));
    // The demo's fresh packs, read into the cache histories read through, before the service listens.
    const reads = logs.findIndex((l) => l.msg === 'market data of the newest packs cached');
    assert.ok(reads >= 0 && reads < listening, JSON.stringify(messages));
    assert.ok((logs[reads]!.packs as number) > 0, JSON.stringify(logs[reads]));
    assert.ok(fs.existsSync(path.join(dir.path, 'folio.sqlite')), 'the database is in FOLIO_DATA_DIR');
  });

  it('is ready: GET /health/ready is 200 with the database and migrations ok', async () => {
    const live = await call(svc!, 'GET', '/health/live');
    assert.equal(live.status, 200);
    const ready = await call(svc!, 'GET', '/health/ready');
    assert.equal(ready.status, 200, ready.text);
    assert.equal(ready.body.status, 'ready');
    assert.equal(ready.body.checks.database, 'ok');
    assert.equal(ready.body.checks.migrations, 'ok');
  });

  it('answers POST /v1/execute for the demo key, and only for it', async () => {
    const ok = await call(svc!, 'POST', '/v1/execute', { key: KEY, body: overview });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.result.portfolio.id, 'pf_demo_usd');
    assert.match(ok.body.metadata.result_hash, HEX64);
    assert.match(ok.body.metadata.pricing_pack_id, /^PP_\d{4}-\d{2}-\d{2}$/);

    const [none, wrong, readme] = await Promise.all([
      call(svc!, 'POST', '/v1/execute', { body: overview }),
      call(svc!, 'POST', '/v1/execute', { key: `${KEY}x`, body: overview }),
      call(svc!, 'POST', '/v1/execute', { key: 'folio-demo-key', body: overview }),
    ]);
    assert.equal(none.status, 401);
    assert.equal(wrong.status, 401);
    assert.equal(readme.status, 401, 'the default key does not work when FOLIO_DEMO_API_KEY is set');
    assert.equal(none.body.error, 'unauthorized');
  });

  it('exits 0 within a few seconds of SIGTERM and stops listening', async () => {
    const port = svc!.port;
    const exit = await svc!.stop('SIGTERM', 5000);
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null });
    assert.ok(exit.ms < 5000, `exited after ${exit.ms} ms`);
    assert.ok(
      svc!.logs().some((l) => l.msg === 'shut down'),
      'logs that it shut down',
    );
    assert.equal(await accepting(port), false, 'nothing listens on the old port');
    assert.equal(svc!.stderr(), '', 'nothing on stderr');
  });

  it('starts again on the same data without migrating or seeding twice (and without the warm-up when it is off)', async () => {
    svc = await startService(serviceEnv(dir, { FOLIO_WARM_UP: 'false' }));
    const messages = svc.logs().map((l) => l.msg);
    assert.ok(!messages.includes('analytics code warmed up'), JSON.stringify(messages));
    assert.ok(!messages.includes('market data of the newest packs cached'), JSON.stringify(messages));
    assert.ok(!messages.includes('applied migrations'), JSON.stringify(messages));
    assert.ok(!messages.some((m) => m.startsWith('seeded demo data')), JSON.stringify(messages));
    const ok = await call(svc, 'POST', '/v1/execute', { key: KEY, body: overview });
    assert.equal(ok.status, 200, ok.text);
    const exit = await svc.stop('SIGTERM', 5000);
    assert.equal(exit.code, 0);
  });
});

describe('folio serve: SIGTERM after the reader of its log has gone', () => {
  let dir: TempDir;
  before(() => {
    dir = tempDir('folio-epipe-');
  });
  after(() => dir?.remove());

  // A supervisor that piped the log and died leaves stdout a broken pipe: the shutdown log
  // line fails, and the service must still stop instead of retrying that write for ever.
  it('still shuts down and exits 0 when stdout is a broken pipe', async () => {
    const svc = await startService(serviceEnv(dir, { FOLIO_WARM_UP: 'false' }));
    try {
      svc.child.stdout!.destroy();
      const exit = await svc.stop('SIGTERM', 5000);
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null });
    } finally {
      await svc.stop('SIGKILL').catch(() => undefined);
    }
  });
});

describe('folio serve: NODE_ENV=production on an empty database', () => {
  let dir: TempDir;
  let svc: ServiceProcess | undefined;
  before(() => {
    dir = tempDir('folio-prod-');
  });
  after(async () => {
    await svc?.stop('SIGKILL').catch(() => undefined);
    dir?.remove();
  });

  it('migrates but creates no demo data: the demo key is refused', async () => {
    svc = await startService(serviceEnv(dir, { NODE_ENV: 'production' }));
    const messages = svc.logs().map((l) => l.msg);
    assert.ok(messages.includes('applied migrations'), JSON.stringify(messages));
    assert.ok(!messages.some((m) => m.startsWith('seeded demo data')), JSON.stringify(messages));
    assert.ok(!svc.stdout().includes(KEY), 'no demo key in the production log');

    const ready = await call(svc, 'GET', '/health/ready');
    assert.equal(ready.status, 200, ready.text);
    const res = await call(svc, 'POST', '/v1/execute', { key: KEY, body: overview });
    assert.equal(res.status, 401, res.text);
    assert.equal(res.body.error, 'unauthorized');

    const exit = await svc.stop('SIGTERM', 5000);
    assert.equal(exit.code, 0);
    const db = createDb({ sqliteFile: path.join(dir.path, 'folio.sqlite') });
    try {
      for (const table of ['users', 'api_keys', 'portfolios', 'pricing_packs']) {
        assert.equal(Number((await db(table).count({ n: '*' }))[0]!.n), 0, `${table} is empty`);
      }
    } finally {
      await db.destroy();
    }
  });

  it('seeds the demo in production only when asked to with FOLIO_SEED_DEMO=true', async () => {
    const other = tempDir('folio-prod-');
    try {
      svc = await startService(serviceEnv(other, { NODE_ENV: 'production', FOLIO_SEED_DEMO: 'true' }));
      assert.ok(svc.logs().some((l) => l.msg.startsWith('seeded demo data')));
      const res = await call(svc, 'POST', '/v1/execute', { key: KEY, body: overview });
      assert.equal(res.status, 200, res.text);
      assert.equal((await svc.stop('SIGTERM', 5000)).code, 0);
    } finally {
      other.remove();
    }
  });
});

describe('folio serve: start-up failures', () => {
  let dir: TempDir;
  beforeEach(() => {
    dir = tempDir('folio-fail-');
  });
  afterEach(() => dir?.remove());

  it('exits 2 on a bad configuration, listing every bad variable and no secret values', async () => {
    const r = await runFolio(['serve'], {
      env: serviceEnv(dir, {
        PORT: 'abc',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://root:s3cr3t@x/db',
        FOLIO_DEMO_API_KEY: 'qz7',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        FOLIO_REDIS_URL: 'http://:r3dispw@cache:6379',
      }),
      timeoutMs: 15_000,
    });
    expectExit(r, 2, 'bad configuration');
    for (const name of [
      'PORT',
      'LOG_LEVEL',
      'DATABASE_URL',
      'FOLIO_DEMO_API_KEY',
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      'FOLIO_REDIS_URL',
    ]) {
      assert.match(r.stderr, new RegExp(`^\\s*- ${name} `, 'm'), `${name} is listed`);
    }
    assert.ok(!r.stderr.includes('s3cr3t'), 'the database password is not printed');
    assert.ok(!r.stderr.includes('r3dispw'), 'the Redis password is not printed');
    assert.ok(!r.stderr.includes('qz7'), 'the API key is not printed');
    assert.equal(r.stdout, '', 'nothing logged: it never started');
    assert.deepEqual(fs.readdirSync(dir.path), [], 'no database created');
  });

  it('treats a blank PORT as unset: the default port', async () => {
    const svc = await startService(serviceEnv(dir, { PORT: '' }));
    try {
      assert.equal(svc.port, 8000, 'a blank PORT is the default');
    } finally {
      await svc.stop('SIGTERM');
    }
  });

  it('exits 1 when the database cannot be opened, saying why', async () => {
    fs.writeFileSync(
      path.join(dir.path, 'folio.sqlite'),
      'this is not an SQLite database, it is a text file of some length\n'.repeat(20),
    );
    const r = await runFolio(['serve'], { env: serviceEnv(dir), timeoutMs: 15_000 });
    expectExit(r, 1, 'corrupt database');
    assert.match(r.stderr, /not a database/);
    assert.doesNotMatch(r.stdout, /listening on port/);
  });

  // PATTERNS_DIR is fixed next to backend/src/runtime.ts and cannot be pointed elsewhere, so this
  // runs a copy of the service's source tree (bin, jobs, backend/src) with one extra, broken pattern.
  it('exits 1 when a pattern file is invalid, naming the file and the problem', async function () {
    this.timeout(60_000);
    const tree = tempDir('folio-tree-');
    try {
      for (const part of ['bin', 'jobs', 'backend/src'])
        fs.cpSync(path.join(REPO_ROOT, part), path.join(tree.path, part), { recursive: true });
      for (const file of ['package.json', 'tsconfig.json'])
        fs.copyFileSync(path.join(REPO_ROOT, file), path.join(tree.path, file));
      fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(tree.path, 'node_modules'), 'dir');
      const bad = path.join(tree.path, 'backend/src/patterns/broken_overview.json');
      fs.writeFileSync(
        bad,
        JSON.stringify({
          id: 'broken_overview',
          version: '1.0.0',
          name: 'Broken',
          description: 'calls a capability nobody provides',
          inputs: { portfolio_id: { type: 'string', required: true } },
          steps: [{ capability: 'no.such_capability', as: 'x', args: { portfolio_id: '{{inputs.portfolio_id}}' } }],
          outputs: ['x'],
        }),
      );
      const r = await runFolio(['serve'], { cwd: tree.path, env: serviceEnv(dir), timeoutMs: 30_000 });
      expectExit(r, 1, 'bad pattern');
      assert.ok(r.stderr.includes(bad), `stderr names ${bad}:\n${r.stderr}`);
      assert.match(r.stderr, /unknown capability "no\.such_capability"/);
      assert.doesNotMatch(r.stdout, /listening on port/);
    } finally {
      tree.remove();
    }
  });

  it('exits 1 when the port is already in use instead of claiming to listen', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const r = await runFolio(['serve'], { env: serviceEnv(dir, { PORT: String(port) }), timeoutMs: 15_000 });
      expectExit(r, 1, 'port in use');
      assert.match(r.stderr, /EADDRINUSE/);
      assert.doesNotMatch(r.stdout, /listening on port/);
    } finally {
      holder.close();
    }
  });
});
