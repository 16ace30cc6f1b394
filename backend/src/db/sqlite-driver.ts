import { createRequire } from 'node:module';

/**
 * The SQLite driver for this Node version. better-sqlite3 12 aborts Node 24 processes when the
 * garbage collector finalises one of its databases or statements (the destructor asks for a
 * Node environment that Node 24 no longer provides there; WiseLibs/better-sqlite3#1515).
 * Version 13 fixes that, but it needs Node 22 or later and crashes on Node 20. So Node 24 and
 * later load 13 (installed as `better-sqlite3-napi`), and earlier versions load 12.
 */
export const SQLITE_DRIVER =
  Number(process.versions.node.split('.')[0]) < 24 ? 'better-sqlite3' : 'better-sqlite3-napi';

/** Where this Node's driver is, for a worker thread that loads it (db/wal-checkpoint-thread.js). */
export function sqliteDriverPath(): string {
  return createRequire(import.meta.url).resolve(SQLITE_DRIVER);
}
