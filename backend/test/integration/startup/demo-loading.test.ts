import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, startService, tempDir, type TempDir } from '../../support/folio-process.js';

/** Modules of the demo data generator and the demo market built on it. */
const DEMO_MODULE = /\/backend\/src\/(demo\/|providers\/demo\.ts)/;

/**
 * Runs `folio serve` with every module it loads logged (support/module-log), makes `calls`,
 * stops it and returns the logged URLs under backend/src.
 */
async function modulesLoadedBy(dir: TempDir, env: Record<string, string>, calls: string[]): Promise<string[]> {
  const log = path.join(dir.path, 'modules.log');
  const svc = await startService(
    {
      FOLIO_DATA_DIR: dir.path,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NODE_OPTIONS: `--import=tsx --import=${path.join(REPO_ROOT, 'backend/test/support/module-log/register.ts')}`,
      FOLIO_TEST_MODULE_LOG: log,
      ...env,
    },
    { readyTimeoutMs: 90_000 },
  );
  try {
    for (const call of calls) await (await fetch(svc.url + call)).text();
  } finally {
    await svc.stop();
  }
  return fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter((url) => url.includes('/backend/src/'));
}

describe('demo data generation stays off the production path', () => {
  let dir: TempDir;
  beforeEach(() => (dir = tempDir('folio-demo-loading-')));
  afterEach(() => dir.remove());

  it('a production service with a real provider never loads the demo generator or the demo market', async function () {
    this.timeout(120_000);
    fs.mkdirSync(path.join(dir.path, 'csv'));
    const loaded = await modulesLoadedBy(
      dir,
      { NODE_ENV: 'production', FOLIO_PROVIDER: 'csv', FOLIO_PROVIDER_CSV_DIR: path.join(dir.path, 'csv') },
      ['/health/ready', '/health/pack', '/v1/patterns', '/metrics'],
    );
    assert.ok(
      loaded.some((url) => url.endsWith('/backend/src/services/execution.ts')),
      `the log records the service's own modules:\n${loaded.join('\n')}`,
    );
    assert.deepEqual(
      loaded.filter((url) => DEMO_MODULE.test(url)),
      [],
    );
  });

  it('seeding an empty database in development loads the generator, only then', async function () {
    this.timeout(120_000);
    const loaded = await modulesLoadedBy(
      dir,
      { NODE_ENV: 'development', FOLIO_DEMO_API_KEY: 'demo-loading-key-1' },
      [],
    );
    assert.ok(
      loaded.some((url) => url.endsWith('/backend/src/demo/generator.ts')),
      `the generator is loaded to seed:\n${loaded.join('\n')}`,
    );
  });
});
