import path from 'node:path';
import cron from 'node-cron';
import { z } from 'zod';

const optionalString = z.string().optional();
const otlpProtocol = z.enum(['http/protobuf', 'http/json']);

const intInRange = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const intFromEnv = (def: number, min: number, max: number) => intInRange(min, max).default(def);

/** Default of FOLIO_DB_ACQUIRE_TIMEOUT_MS, also for databases opened without a configuration (tests, tools). */
export const DB_ACQUIRE_TIMEOUT_DEFAULT_MS = 5000;

const boolFromEnv = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** An agent setting: the default variable's schema and an override's (no default: unset means the default). */
const agentSetting = (def: number, min: number, max: number) => ({
  default: intFromEnv(def, min, max),
  override: intInRange(min, max),
});

/**
 * The settings every agent's breaker has. FOLIO_AGENT_<SETTING> is the default for all agents;
 * FOLIO_AGENT_<AGENT>_<SETTING> (e.g. FOLIO_AGENT_HISTORY_TIMEOUT_MS) overrides it for one.
 */
const AGENT_SETTINGS = {
  /** Deadline of one capability call; past it the call fails (and counts against the breaker). */
  TIMEOUT_MS: agentSetting(8_000, 1, 600_000),
  /** Failure percentage within the rolling window (10 s) that opens the agent's breaker. */
  BREAKER_ERROR_THRESHOLD_PERCENT: agentSetting(50, 1, 100),
  /** How long an open breaker fails fast before letting one trial call through (half-open). */
  BREAKER_RESET_TIMEOUT_MS: agentSetting(30_000, 1, 3_600_000),
  /** Calls within the rolling window before the breaker may open. */
  BREAKER_VOLUME_THRESHOLD: agentSetting(10, 0, 10_000),
} as const;
type AgentSetting = keyof typeof AGENT_SETTINGS;
export type AgentSettings = Record<AgentSetting, number>;

function agentSettings<T>(
  pick: (setting: (typeof AGENT_SETTINGS)[AgentSetting]) => T,
): Record<`FOLIO_AGENT_${AgentSetting}`, T> {
  return Object.fromEntries(
    Object.entries(AGENT_SETTINGS).map(([name, setting]) => [`FOLIO_AGENT_${name}`, pick(setting)]),
  ) as Record<`FOLIO_AGENT_${AgentSetting}`, T>;
}

// Longest first, so FOLIO_AGENT_X_BREAKER_RESET_TIMEOUT_MS is not read as agent X_BREAKER_RESET's TIMEOUT_MS.
const SETTING_SUFFIXES = (Object.keys(AGENT_SETTINGS) as AgentSetting[]).sort((a, b) => b.length - a.length);

/** The per-agent variables in the environment: variable name -> agent (lower case) and setting. */
function agentOverrideVariables(env: Record<string, unknown>): Map<string, { agent: string; setting: AgentSetting }> {
  const found = new Map<string, { agent: string; setting: AgentSetting }>();
  for (const name of Object.keys(env)) {
    if (!name.startsWith('FOLIO_AGENT_')) continue;
    const rest = name.slice('FOLIO_AGENT_'.length);
    const setting = SETTING_SUFFIXES.find((s) => rest.endsWith(`_${s}`));
    if (setting && !(AGENT_SETTINGS as Record<string, unknown>)[rest])
      found.set(name, { agent: rest.slice(0, -setting.length - 1).toLowerCase(), setting });
  }
  return found;
}

const schema = z
  .object({
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
    /** Sentry environment tag; defaults to NODE_ENV so production and test events never mix. */
    SENTRY_ENVIRONMENT: optionalString,
    /** Release tag on Sentry events; the SDK would otherwise guess it from CI variables. */
    SENTRY_RELEASE: optionalString,
    FOLIO_DEMO_API_KEY: z.string().min(8, 'must be at least 8 characters').default('folio-demo-key'),
    /** Seed demo data on start when the database is empty; off by default in production. */
    FOLIO_SEED_DEMO: z.enum(['auto', 'true', 'false']).default('auto'),
    FOLIO_DEMO_SEED: intFromEnv(20251024, 0, 2 ** 31 - 1),
    /** Body size limit for JSON and CSV requests. */
    FOLIO_BODY_LIMIT_BYTES: intFromEnv(1_048_576, 1024, 100 * 1_048_576),
    /** Requests per minute per API key; 0 disables the limiter. */
    FOLIO_RATE_LIMIT_PER_MINUTE: intFromEnv(600, 0, 10_000_000),
    /**
     * Redis shared by every replica (redis:// or rediss://); unset keeps the rate-limit counters in
     * process memory, which is right for one process only.
     */
    FOLIO_REDIS_URL: optionalString.refine(
      (v) => v === undefined || /^rediss?:\/\//.test(v),
      'must be a redis:// or rediss:// URL (unset means in-process counters)',
    ),
    /** Prefix of every key Folio writes to Redis, so deployments can share one Redis. */
    FOLIO_REDIS_PREFIX: z.string().min(1).default('folio:'),
    /** How long a Redis command may take before the request goes on without it (fail open). */
    FOLIO_REDIS_TIMEOUT_MS: intFromEnv(500, 10, 60_000),
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
    /** Bound (in daily points) of the cache of valuation histories, which depend only on their pins; 0 turns it off. */
    FOLIO_CACHE_HISTORY_POINTS: intFromEnv(300_000, 0, 50_000_000),
    /** Expected pack build time, used to estimate when a warming pack will be ready. */
    FOLIO_PACK_BUILD_ESTIMATE_SECONDS: intFromEnv(600, 1, 86_400),
    /**
     * How long, on SIGTERM, the service keeps serving with /health/ready failing before it stops
     * accepting connections, so a load balancer takes it out of rotation first.
     */
    FOLIO_SHUTDOWN_DRAIN_MS: intFromEnv(0, 0, 600_000),
    FOLIO_SHUTDOWN_TIMEOUT_MS: intFromEnv(10_000, 0, 600_000),
    /**
     * How long /health/ready, /health/pack and the database-read metrics of /metrics wait for
     * the database before reporting it down, well under a probe's or a scrape's timeout.
     */
    FOLIO_DB_PROBE_TIMEOUT_MS: intFromEnv(2000, 1, 60_000),
    /**
     * How long a query waits for a pooled connection (or a new one to open) before it fails as
     * 503 `pool_timeout`, so a hung database answers requests in seconds rather than holding them.
     */
    FOLIO_DB_ACQUIRE_TIMEOUT_MS: intFromEnv(DB_ACQUIRE_TIMEOUT_DEFAULT_MS, 1, 600_000),
    FOLIO_PRETTY_LOGS: boolFromEnv(false),
    /** false: no /metrics and no metric recording, to measure what they cost (the benchmark); keep it on in service. */
    FOLIO_METRICS: boolFromEnv(true),
    /** Run the analytics code once on a synthetic book before listening, so the first request does not pay for compiling it (agents/warm-up.ts). */
    FOLIO_WARM_UP: boolFromEnv(true),
    // Market-data providers (backend/src/providers, docs/operations.md#providers).
    /** Where pack builds and pricing.source_check get closes and FX. */
    FOLIO_PROVIDER: z.enum(['demo', 'csv', 'http', 'eod', 'ecb']).default('demo'),
    /** Where FX rates come from when not from FOLIO_PROVIDER (per-symbol history files carry none); unset: FOLIO_PROVIDER. */
    FOLIO_FX_PROVIDER: z.enum(['demo', 'csv', 'http', 'eod', 'ecb']).optional(),
    /** Directory of the csv provider's prices.csv and fx.csv files. */
    FOLIO_PROVIDER_CSV_DIR: optionalString,
    /** Per-symbol daily history files: a directory of <SYMBOL>.csv, or an http(s) URL template containing {symbol}. */
    FOLIO_PROVIDER_EOD_SOURCE: optionalString.refine(
      (v) => v === undefined || !/^https?:\/\//.test(v) || v.includes('{symbol}'),
      'a URL template must contain {symbol}',
    ),
    /** The ECB reference rates file (history CSV, daily CSV or XML): a path or an http(s) URL. */
    FOLIO_PROVIDER_ECB_SOURCE: optionalString,
    /** Longest gap (calendar days) over which eod and ecb carry the last value forward, with a warning. */
    FOLIO_PROVIDER_CARRY_DAYS: intFromEnv(7, 0, 31),
    /** History files fetched at once by eod (and ecb) while loading. */
    FOLIO_PROVIDER_HISTORY_CONCURRENCY: intFromEnv(8, 1, 256),
    /** Base URL of the market-data HTTP API; the date is appended as /snapshots/<date>. */
    FOLIO_PROVIDER_HTTP_URL: optionalString.refine(
      (v) => v === undefined || /^https?:\/\//.test(v),
      'must be an http(s) URL',
    ),
    /** Secret the HTTP API expects, sent in FOLIO_PROVIDER_HTTP_API_KEY_HEADER. */
    FOLIO_PROVIDER_HTTP_API_KEY: optionalString,
    FOLIO_PROVIDER_HTTP_API_KEY_HEADER: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name')
      .default('X-API-Key'),
    /** Deadline of one provider attempt; past it the attempt is aborted and counts as a breaker failure. */
    FOLIO_PROVIDER_TIMEOUT_MS: intFromEnv(15_000, 1, 600_000),
    /** Retries of transient failures (5xx, timeouts, connection errors, 429) after the first attempt. */
    FOLIO_PROVIDER_RETRIES: intFromEnv(3, 0, 20),
    /** Base of the full-jitter exponential backoff between attempts. */
    FOLIO_PROVIDER_BACKOFF_MS: intFromEnv(250, 1, 60_000),
    /** Longest single wait between attempts: caps the backoff, and a longer Retry-After gives up instead. */
    FOLIO_PROVIDER_MAX_WAIT_MS: intFromEnv(30_000, 1, 600_000),
    /** Attempts per second sent to the http provider, so retries and parallel callers stay within its quota; 0 disables. */
    FOLIO_PROVIDER_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).max(10_000).default(5),
    /** Failure percentage within the rolling window that opens a provider's circuit breaker. */
    FOLIO_BREAKER_ERROR_THRESHOLD_PERCENT: intFromEnv(50, 1, 100),
    /** How long an open breaker fails fast before letting one trial call through (half-open). */
    FOLIO_BREAKER_RESET_TIMEOUT_MS: intFromEnv(30_000, 1, 3_600_000),
    /** Calls within the rolling window before the breaker may open, so one early failure does not. */
    FOLIO_BREAKER_VOLUME_THRESHOLD: intFromEnv(5, 0, 10_000),
    // Agent circuit breakers (agents/breakers.ts): these are every agent's defaults; FOLIO_AGENT_<AGENT>_<SETTING>
    // overrides one agent (see agentOverrides below and docs/operations.md#agent-circuit-breakers).
    ...agentSettings((setting) => setting.default),
    // Tracing (backend/src/observability/tracing.ts). The SDK itself reads the other OTEL_* variables
    // (sampler, resource, OTLP endpoints); the ones it would misread are checked here.
    /** Where spans go; `none` starts no tracing SDK at all. */
    OTEL_TRACES_EXPORTER: z.enum(['jaeger', 'otlp', 'console', 'none']).default('none'),
    /** Jaeger collector (thrift over HTTP); the exporter would otherwise fall back to a UDP agent. */
    OTEL_EXPORTER_JAEGER_ENDPOINT: z
      .string()
      .regex(/^https?:\/\//, 'must be an http(s) URL')
      .default('http://localhost:14268/api/traces'),
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.refine(
      (v) => v === undefined || /^https?:\/\//.test(v),
      'must be an http(s) URL',
    ),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalString.refine(
      (v) => v === undefined || /^https?:\/\//.test(v),
      'must be an http(s) URL',
    ),
    /** OTLP encoding over HTTP; protobuf is the spec's default (and under half of JSON's bytes). gRPC is not offered. */
    OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.default('http/protobuf'),
    /** Wins over OTEL_EXPORTER_OTLP_PROTOCOL for traces, as the spec says. */
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
    /** The SDK silently falls back to its default sampler on a typo, so a typo is caught here. */
    OTEL_TRACES_SAMPLER: z
      .enum([
        'always_on',
        'always_off',
        'traceidratio',
        'parentbased_always_on',
        'parentbased_always_off',
        'parentbased_traceidratio',
      ])
      .optional(),
    OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
    /**
     * A request the sampler dropped is still traced (its server span, recorded when it ends) if it
     * took longer than this, or failed. Default: the tighter latency SLO's threshold (observability/slo.yml).
     */
    FOLIO_TRACE_SLOW_MS: intFromEnv(300, 1, 3_600_000),
    /** service.name of every span; wins over a service.name in OTEL_RESOURCE_ATTRIBUTES, as the spec says. */
    OTEL_SERVICE_NAME: z.string().min(1).default('folio-executor'),
    // Pricing-pack jobs (services/packs/, docs/operations.md#jobs).
    /**
     * Share (0..1) of held symbols and needed FX conversions a pack must cover; below it the
     * build ends in error. It catches a source that failed wholesale: a gap above it is some
     * portfolios' own, recorded with the pack and shown only in their answers (docs/operations.md).
     */
    FOLIO_PACK_MIN_COVERAGE: z.coerce.number().min(0).max(1).default(0.9),
    /** A warming pack older than this is reported as a dead build (CLI, folio_packs_warming_stale) and may be rebuilt. */
    FOLIO_PACK_WARMING_STALE_SECONDS: intFromEnv(3600, 1, 7 * 86_400),
    /** When the scheduler builds the previous trading day's pack (cron, in FOLIO_PACK_SCHEDULE_TZ); reruns of a fresh date are no-ops. */
    FOLIO_PACK_SCHEDULE: z
      .string()
      .refine((v) => cron.validate(v), 'must be a cron expression')
      .default('0 6 * * *'),
    /** Time zone of the schedule, of "previous trading day" and of FOLIO_PACK_FRESH_BY. */
    FOLIO_PACK_SCHEDULE_TZ: z
      .string()
      .refine(isTimeZone, 'must be an IANA time zone such as UTC or America/New_York')
      .default('UTC'),
    /** Local time (HH:MM) by which the previous trading day's pack should be fresh: the freshness SLO's deadline. */
    FOLIO_PACK_FRESH_BY: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)')
      .default('07:00'),
    /** How many of the trading days missing before the previous one a scheduler tick builds first (the newest of them; 0: none). */
    FOLIO_PACK_CATCH_UP_DAYS: intFromEnv(1000, 0, 10_000),
    /** `service` runs the pack schedule inside `folio serve`; `off` leaves it to a `folio scheduler` process (or cron). */
    FOLIO_SCHEDULER: z.enum(['service', 'off']).default('off'),
    /** Lease length of a job lock on SQLite, renewed while held; a crashed holder's lock frees after it. */
    FOLIO_JOB_LOCK_TTL_SECONDS: intFromEnv(60, 3, 3600),
    /** Dates a backfill (build-pack --from/--to) fetches ahead of the one it is writing. */
    FOLIO_BACKFILL_PREFETCH: intFromEnv(4, 0, 64),
  })
  .superRefine(
    (c, ctx) => {
      // A provider that cannot work is a start-up error, listed with the others.
      if (c.FOLIO_PROVIDER === 'csv' && c.FOLIO_PROVIDER_CSV_DIR === undefined) {
        ctx.addIssue({ code: 'custom', path: ['FOLIO_PROVIDER_CSV_DIR'], message: 'required when FOLIO_PROVIDER=csv' });
      }
      if (c.FOLIO_PROVIDER === 'http' && c.FOLIO_PROVIDER_HTTP_URL === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['FOLIO_PROVIDER_HTTP_URL'],
          message: 'required when FOLIO_PROVIDER=http',
        });
      }
      for (const [name, variable] of [
        ['eod', 'FOLIO_PROVIDER_EOD_SOURCE'],
        ['ecb', 'FOLIO_PROVIDER_ECB_SOURCE'],
      ] as const) {
        const used =
          c.FOLIO_PROVIDER === name ? 'FOLIO_PROVIDER' : c.FOLIO_FX_PROVIDER === name ? 'FOLIO_FX_PROVIDER' : null;
        if (used && c[variable] === undefined)
          ctx.addIssue({ code: 'custom', path: [variable], message: `required when ${used}=${name}` });
      }
    },
    { when: () => true },
  ) // also when other variables are invalid, so every problem is listed at once
  .superRefine(
    (c, ctx) => {
      // Identifiers leave the process (spans, error reports) only hashed under a stable secret.
      const exporting = c.OTEL_TRACES_EXPORTER !== 'none' || c.SENTRY_DSN !== undefined;
      if (c.NODE_ENV === 'production' && exporting && c.PII_HASH_KEY === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['PII_HASH_KEY'],
          message: 'required in production when tracing or Sentry is on',
        });
      }
    },
    { when: () => true },
  );

export type Config = z.infer<typeof schema> & {
  /** SQLite file used when DATABASE_URL is unset. */
  sqliteFile: string;
  isProduction: boolean;
  /**
   * FOLIO_AGENT_<AGENT>_<SETTING> variables by agent (lower case). Agent names are checked against
   * the registration table when the agents are built, since the configuration does not know them.
   */
  agentOverrides: Record<string, Partial<AgentSettings>>;
};

/** One agent's breaker settings: its overrides over the FOLIO_AGENT_* defaults. */
export function agentSettingsOf(config: Config, agent: string): AgentSettings {
  const own = config.agentOverrides[agent] ?? {};
  return Object.fromEntries(
    (Object.keys(AGENT_SETTINGS) as AgentSetting[]).map((s) => [s, own[s] ?? config[`FOLIO_AGENT_${s}`]]),
  ) as AgentSettings;
}

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
  const overrideVariables = agentOverrideVariables(set);
  const overrides = z
    .object(
      Object.fromEntries([...overrideVariables].map(([name, { setting }]) => [name, AGENT_SETTINGS[setting].override])),
    )
    .safeParse(set);
  const parsed = schema.safeParse(set);
  if (!parsed.success || !overrides.success) {
    const issues = [...(parsed.error?.issues ?? []), ...(overrides.error?.issues ?? [])];
    throw new ConfigError(
      issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const value = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
        const secret = /KEY|DSN|URL/.test(name);
        const shown = value === undefined ? 'unset' : secret ? 'set' : JSON.stringify(value);
        return `${name} (${shown}): ${issue.message}`;
      }),
    );
  }
  const c = parsed.data;
  const agentOverrides: Record<string, Partial<AgentSettings>> = {};
  for (const [name, { agent, setting }] of overrideVariables)
    (agentOverrides[agent] ??= {})[setting] = overrides.data[name];
  return {
    ...c,
    sqliteFile: path.resolve(c.FOLIO_DATA_DIR, 'folio.sqlite'),
    isProduction: c.NODE_ENV === 'production',
    agentOverrides,
  };
}
