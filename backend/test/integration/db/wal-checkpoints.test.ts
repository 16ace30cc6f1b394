import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createDb, migrateLatest, rawRows } from '../../../src/db/knex.js';
import {
  FALLBACK_AUTOCHECKPOINT_PAGES,
  SQLITE_AUTOCHECKPOINT_PAGES,
  startWalCheckpointer,
  type WalCheckpointer,
} from '../../../src/db/wal-checkpointer.js';
import { createLogger } from '../../../src/observability/logger.js';
import { until } from '../../support/until.js';

const PAGE = 4096;

/** Log lines as parsed JSON, written by a real pino logger. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    pretty: false,
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

const autocheckpoint = async (db: Knex) =>
  rawRows<{ wal_autocheckpoint: number }>(await db.raw('pragma wal_autocheckpoint'))[0]!.wal_autocheckpoint;

describe('SQLite WAL checkpoints off the event loop', () => {
  let dir: string;
  let file: string;
  let db: Knex;
  let checkpointer: WalCheckpointer | null;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-wal-'));
    file = path.join(dir, 'folio.sqlite');
    db = createDb({ sqliteFile: file });
    await migrateLatest(db);
    await db.schema.createTable('filler', (t) => t.text('body'));
    checkpointer = null;
  });

  afterEach(async () => {
    await checkpointer?.stop();
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed pages into the database file within an interval, far below the pages at which SQLite itself would', async () => {
    const { logger } = capturedLogger();
    checkpointer = startWalCheckpointer(db, file, logger, 50);
    assert.equal(await checkpointer.ready, true);
    assert.equal(await autocheckpoint(db), FALLBACK_AUTOCHECKPOINT_PAGES);
    const before = fs.statSync(file).size;
    // 200 KB in 100 commits: a few hundred log pages, under the 1,000 at which the writing
    // connection would checkpoint by itself.
    const body = 'x'.repeat(2000);
    for (let i = 0; i < 100; i++) await db('filler').insert({ body });
    assert.ok(
      fs.statSync(`${file}-wal`).size < SQLITE_AUTOCHECKPOINT_PAGES * PAGE,
      "the log stays under SQLite's own threshold",
    );
    await until(
      'the database file to take the committed rows',
      () => (fs.statSync(file).size - before >= 100 * body.length ? true : undefined),
      5000,
    );
    assert.equal(((await db('filler').count({ n: '*' })) as [{ n: number }])[0].n, 100);
  });

  it('hands checkpoints back to SQLite when stopped, and the database keeps working', async () => {
    const { logger } = capturedLogger();
    checkpointer = startWalCheckpointer(db, file, logger, 50);
    assert.equal(await checkpointer.ready, true);
    await checkpointer.stop();
    assert.equal(await autocheckpoint(db), SQLITE_AUTOCHECKPOINT_PAGES);
    await db('filler').insert({ body: 'after' });
    assert.deepEqual(await db('filler').select('body'), [{ body: 'after' }]);
  });

  it('stopped while its thread is still starting, leaves the checkpoints to SQLite', async () => {
    const { logger, lines } = capturedLogger();
    checkpointer = startWalCheckpointer(db, file, logger, 50);
    await checkpointer.stop();
    assert.equal(await checkpointer.ready, false);
    assert.equal(await autocheckpoint(db), SQLITE_AUTOCHECKPOINT_PAGES);
    assert.deepEqual(lines, [], 'a stop is not a failure');
  });

  it('leaves the checkpoints to SQLite, and says so, when the thread cannot open the database', async () => {
    const { logger, lines } = capturedLogger();
    checkpointer = startWalCheckpointer(db, path.join(dir, 'missing.sqlite'), logger, 50);
    assert.equal(await checkpointer.ready, false);
    assert.equal(await autocheckpoint(db), SQLITE_AUTOCHECKPOINT_PAGES);
    const warning = lines.find((l) => l.level === 40);
    assert.ok(warning, 'a warning is logged');
    assert.match(String(warning.msg), /checkpoint thread did not start; SQLite checkpoints on the serving thread/);
    assert.match(JSON.stringify(warning.err), /SQLITE_CANTOPEN: unable to open database file/);
    assert.ok(!fs.existsSync(path.join(dir, 'missing.sqlite')), 'no empty database is made');
  });
});
