import path from 'node:path';
import { z } from 'zod';

const optionalString = z.string().optional();

const intFromEnv = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

const boolFromEnv = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: intFromEnv(8000, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: optionalString.refine(
    (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
    'must be a postgres:// or postgresql:// URL (unset means SQLite)',
  ),
  FOLIO_DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SENTRY_DSN: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), 'must be an http(s) DSN'),
  PII_HASH_KEY: optionalString,
  FOLIO_DEMO_API_KEY: z.string().min(8, 'must be at least 8 characters').default('folio-demo-key'),
  /** Seed demo data on start when the database is empty; off by default in production. */
  FOLIO_SEED_DEMO: z.enum(['auto', 'true', 'false']).default('auto'),
  FOLIO_DEMO_SEED: intFromEnv(20251024, 0, 2 ** 31 - 1),
  /** Body size limit for JSON and CSV requests. */
  FOLIO_BODY_LIMIT_BYTES: intFromEnv(1_048_576, 1024, 100 * 1_048_576),
  /** Requests per minute per API key; 0 disables the limiter. */
  FOLIO_RATE_LIMIT_PER_MINUTE: intFromEnv(600, 0, 10_000_000),
  /** How long a verified API key is trusted without asking the database; revocation takes effect within it. */
  FOLIO_AUTH_CACHE_TTL_MS: intFromEnv(30_000, 0, 3_600_000),
  /** How long the newest pack and ledger heads are reused; writes by other processes show within it. */
  FOLIO_CURRENT_STATE_TTL_MS: intFromEnv(1000, 0, 60_000),
  /** Default deadline for a pattern that does not declare its own. */
  FOLIO_PATTERN_TIMEOUT_MS: intFromEnv(10_000, 1, 600_000),
  /** Entries kept in the in-process result cache; 0 turns the cache off. */
  FOLIO_RESULT_CACHE_SIZE: intFromEnv(1000, 0, 1_000_000),
  /** Bounds of the caches of immutable data (ledger entries per commit, pack rows per pack). */
  FOLIO_CACHE_LEDGER_ENTRIES: intFromEnv(200_000, 1, 50_000_000),
  FOLIO_CACHE_PACK_ROWS: intFromEnv(500_000, 1, 50_000_000),
  /** Expected pack build time, used to estimate when a warming pack will be ready. */
  FOLIO_PACK_BUILD_ESTIMATE_SECONDS: intFromEnv(600, 1, 86_400),
  FOLIO_SHUTDOWN_TIMEOUT_MS: intFromEnv(10_000, 0, 600_000),
  FOLIO_PRETTY_LOGS: boolFromEnv(false),
});

export type Config = z.infer<typeof schema> & {
  /** SQLite file used when DATABASE_URL is unset. */
  sqliteFile: string;
  isProduction: boolean;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; every bad variable is reported together. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // A blank variable (as `PORT=${PORT}` in a compose file leaves it) means unset, never 0 or "".
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = schema.safeParse(set);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const value = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
        const secret = /KEY|DSN|URL/.test(name);
        const shown = value === undefined ? 'unset' : secret ? 'set' : JSON.stringify(value);
        return `${name} (${shown}): ${issue.message}`;
      }),
    );
  }
  const c = parsed.data;
  return {
    ...c,
    sqliteFile: path.resolve(c.FOLIO_DATA_DIR, 'folio.sqlite'),
    isProduction: c.NODE_ENV === 'production',
  };
}
