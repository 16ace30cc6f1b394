import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Dialect } from '../../src/db/knex.js';
import { createDb } from '../../src/db/knex.js';
import { seededDatabase, type TestDatabase } from './databases.js';
import { childEnv, REPO_ROOT, runFolio, tempDir, type Finished, type TempDir } from './folio-process.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from './server.js';

export interface CliAndServer {
  db: TestDatabase;
  srv: TestServer;
  dir: TempDir;
  /** Runs `folio ARGS` against the same database as the server and checks its exit code. */
  folio(args: string[], code?: number): Promise<Finished>;
  /** Runs `folio ARGS` on a pseudo-terminal (util-linux `script`): what an operator at a terminal sees. */
  folioOnTerminal(args: string[]): Promise<string>;
}

/**
 * A demo-seeded database served over HTTP and reachable by the `folio` CLI: SQLite as
 * $FOLIO_DATA_DIR/folio.sqlite (the CLI's default file), PostgreSQL by DATABASE_URL.
 */
export function useSeededCliAndServer(dialect: Dialect): CliAndServer {
  const ctx = {} as CliAndServer & { env: Record<string, string> };
  before(async () => {
    ctx.dir = tempDir('folio-cli-srv-');
    const seeded = await seededDatabase(dialect);
    if (dialect === 'sqlite') {
      const file = path.join(ctx.dir.path, 'folio.sqlite');
      fs.copyFileSync(seeded.config.sqliteFile, file);
      await seeded.drop();
      ctx.db = {
        dialect,
        config: { sqliteFile: file },
        open: () => createDb({ sqliteFile: file }),
        drop: async () => {},
      };
    } else {
      ctx.db = seeded;
    }
    ctx.env = {
      FOLIO_DATA_DIR: ctx.dir.path,
      LOG_LEVEL: 'silent',
      ...(ctx.db.config.DATABASE_URL ? { DATABASE_URL: ctx.db.config.DATABASE_URL } : {}),
    };
    ctx.srv = await startTestServer(ctx.db);
  });
  after(async () => {
    await ctx.srv?.close();
    await ctx.db?.drop();
    ctx.dir?.remove();
  });
  ctx.folio = async (args, code = 0) => {
    const r = await runFolio(args, { env: ctx.env });
    assert.equal(r.code, code, `folio ${args.join(' ')}: exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r;
  };
  ctx.folioOnTerminal = async (args) => {
    const command = [process.execPath, path.join(REPO_ROOT, 'bin/folio.js'), ...args].map((a) => `'${a}'`).join(' ');
    const { stdout } = await promisify(execFile)('script', ['-qefc', command, '/dev/null'], {
      cwd: REPO_ROOT,
      env: childEnv(ctx.env),
    });
    return stdout;
  };
  return ctx;
}
