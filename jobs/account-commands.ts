import { parseArgs } from 'node:util';
import {
  createApiKey,
  createPortfolio,
  createUser,
  findUser,
  listAllPortfolios,
  listApiKeys,
  listUsers,
  revokeApiKey,
  type ApiKeyRow,
} from '../backend/src/index.js';
import { withDatabase } from './database.js';
import { UsageError, type Out } from './usage.js';

export const ACCOUNT_USAGE = `  users create NAME [--json]              create a user (no key yet)
  users list [--json]                     users with their number of active keys
  keys create --user NAME [--label L] [--expires YYYY-MM-DD] [--json]
                                          create an API key; it is printed once, only its hash is stored
  keys list [--user NAME] [--json]        keys (never the keys themselves): id, user, label, expiry, revocation
  keys revoke ID [--json]                 revoke a key; serving processes refuse it at once (PostgreSQL) or within FOLIO_AUTH_CACHE_TTL_MS
  portfolios create --user NAME --currency CCY NAME [--json]
                                          create an empty portfolio owned by the user; prints its id
  portfolios list [--user NAME] [--json]  portfolios with owner, base currency and archived state`;

type Flags = Record<string, { type: 'string' } | { type: 'boolean'; default: boolean }>;

/** argv after `<group> <sub>`: the options `flags` allows plus --json, and the positionals. */
function parse(argv: string[], flags: Flags) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...flags, json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  return { values: values as Record<string, string | boolean | undefined>, positionals, json: values.json === true };
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function exactly(positionals: string[], n: number, usage: string): string[] {
  if (positionals.length !== n) throw new UsageError(usage);
  return positionals;
}

const keyLine = (k: ApiKeyRow) =>
  [
    k.id,
    k.username,
    k.label,
    `created ${k.created_at}`,
    k.expires_at ? `expires ${k.expires_at}` : 'no expiry',
    k.revoked_at ? `revoked ${k.revoked_at}` : 'active',
  ].join('  ');

type Run = Parameters<typeof withDatabase<number>>[1];

/** Checks the command line first (a usage error never opens the database), then runs it. */
const run = (fn: Run): Promise<number> => withDatabase({ migrate: true }, fn);

/** `folio users ...` */
export async function usersCommand(argv: string[], io: Out): Promise<number> {
  const [sub, ...rest] = argv;
  const { positionals, json } = parse(rest, {});
  if (sub === 'create') {
    const [name] = exactly(positionals, 1, 'users create needs exactly one NAME');
    return run(async (_config, db) => {
      const user = await createUser(db, name!);
      io.out(json ? JSON.stringify(user) : `created user ${user.username} (${user.id})`);
      return 0;
    });
  }
  if (sub === 'list') {
    exactly(positionals, 0, 'users list takes no arguments');
    return run(async (_config, db) => {
      const list = await listUsers(db);
      if (json) io.out(JSON.stringify({ users: list }));
      else
        for (const u of list) io.out(`${u.username}  ${u.id}  created ${u.created_at}  ${u.active_keys} active key(s)`);
      return 0;
    });
  }
  throw new UsageError(`users needs create or list, got ${sub ?? 'nothing'}`);
}

/** `folio keys ...` */
export async function keysCommand(argv: string[], io: Out): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals, json } = parse(rest, {
    user: { type: 'string' },
    label: { type: 'string' },
    expires: { type: 'string' },
  });
  if (sub === 'create') {
    exactly(positionals, 0, 'keys create takes no positional arguments');
    const username = str(values.user);
    if (!username) throw new UsageError('keys create needs --user NAME');
    return run(async (_config, db) => {
      const key = await createApiKey(db, { username, label: str(values.label), expires: str(values.expires) });
      if (json) {
        io.out(JSON.stringify(key));
      } else {
        // The key alone on stdout, so `KEY=$(folio keys create --user NAME)` captures it.
        io.out(key.api_key);
        io.err(`API key ${key.id} for ${key.username} (${key.label}); it is shown this once, only its hash is stored`);
      }
      return 0;
    });
  }
  if (sub === 'list') {
    exactly(positionals, 0, 'keys list takes no positional arguments');
    return run(async (_config, db) => {
      const list = await listApiKeys(db, str(values.user));
      if (json) io.out(JSON.stringify({ api_keys: list }));
      else for (const k of list) io.out(keyLine(k));
      return 0;
    });
  }
  if (sub === 'revoke') {
    const [id] = exactly(positionals, 1, 'keys revoke needs exactly one key ID');
    return run(async (config, db) => {
      const key = await revokeApiKey(db, id!);
      const ttlMs = config.FOLIO_AUTH_CACHE_TTL_MS;
      // On PostgreSQL every serving process hears of the revocation; the TTL bounds one that missed it.
      const when = config.DATABASE_URL
        ? `at once (within ${ttlMs} ms, FOLIO_AUTH_CACHE_TTL_MS, should one miss the notification)`
        : `within ${ttlMs} ms (FOLIO_AUTH_CACHE_TTL_MS)`;
      if (json) io.out(JSON.stringify({ ...key, auth_cache_ttl_ms: ttlMs }));
      else io.out(`${keyLine(key)}\nserving processes refuse it ${when}`);
      return 0;
    });
  }
  throw new UsageError(`keys needs create, list or revoke, got ${sub ?? 'nothing'}`);
}

/** `folio portfolios ...` */
export async function portfoliosCommand(argv: string[], io: Out): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals, json } = parse(rest, { user: { type: 'string' }, currency: { type: 'string' } });
  const username = str(values.user);
  if (sub === 'create') {
    const [name] = exactly(positionals, 1, 'portfolios create needs exactly one NAME (quote it if it has spaces)');
    const currency = str(values.currency);
    if (!username || !currency) throw new UsageError('portfolios create needs --user NAME and --currency CCY');
    return run(async (_config, db) => {
      const user = await findUser(db, username);
      const p = await createPortfolio(db, user, { name, base_currency: currency });
      io.out(json ? JSON.stringify({ ...p, username: user.username }) : p.id);
      return 0;
    });
  }
  if (sub === 'list') {
    exactly(positionals, 0, 'portfolios list takes no positional arguments');
    return run(async (_config, db) => {
      if (username !== undefined) await findUser(db, username);
      const list = (await listAllPortfolios(db)).filter((p) => username === undefined || p.username === username);
      if (json) io.out(JSON.stringify({ portfolios: list }));
      else for (const p of list) io.out(portfolioLine(p));
      return 0;
    });
  }
  throw new UsageError(`portfolios needs create or list, got ${sub ?? 'nothing'}`);
}

const portfolioLine = (p: {
  id: string;
  username: string;
  base_currency: string;
  archived_at: string | null;
  name: string;
}) => [p.id, p.username, p.base_currency, p.archived_at ? `archived ${p.archived_at}` : 'active', p.name].join('  ');
