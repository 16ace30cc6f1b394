import { z } from 'zod';
import { isCalendarDate } from '../domain/dates.js';
import type { MarketSnapshot } from './provider.js';
import { ProviderError } from './errors.js';
import { httpGet, statusError } from './fetch-text.js';
import type { MarketDataProvider } from './provider.js';
import { selectWanted } from './select.js';
import { CURRENCY_CODE } from '../domain/fx.js';

export interface HttpProviderOptions {
  /** Base URL; a date is fetched from `<baseUrl>/snapshots/<YYYY-MM-DD>`. */
  baseUrl: string;
  apiKey?: string;
  apiKeyHeader: string;
  timeoutMs: number;
}

const positive = z.number().finite().positive();
const currency = z.string().regex(CURRENCY_CODE, 'must be a 3-letter currency code');

/**
 * The wire format (docs/operations.md#http-provider): every symbol of the date in one body.
 * Unknown fields are ignored so the API can grow; missing or invalid ones are errors.
 */
const snapshotBody = z
  .object({
    date: z.string(),
    prices: z.array(
      z.object({
        symbol: z.string().regex(/^[A-Z0-9][A-Z0-9.-]{0,31}$/, 'must be an upper-case symbol'),
        close: positive,
        currency,
      }),
    ),
    fx: z.array(z.object({ base: currency, quote: currency, rate: positive })),
  })
  .superRefine((body, ctx) => {
    const duplicate = (keys: string[], path: string) => {
      const seen = new Set<string>();
      keys.forEach((k, i) => {
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [path, i], message: `${k} appears more than once` });
        seen.add(k);
      });
    };
    duplicate(
      body.prices.map((p) => p.symbol),
      'prices',
    );
    duplicate(
      body.fx.map((r) => [r.base, r.quote].sort().join('/')),
      'fx',
    );
  });

/** Checks a response body against the wire format; the error names the first problems and where they are. */
export function parseSnapshotBody(text: string, date: string): MarketSnapshot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ProviderError('http', 'permanent', `response is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = snapshotBody.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    const more = parsed.error.issues.length > 5 ? ` (and ${parsed.error.issues.length - 5} more)` : '';
    throw new ProviderError(
      'http',
      'permanent',
      `response does not match the snapshot format: ${problems.join('; ')}${more}`,
    );
  }
  if (parsed.data.date !== date) {
    throw new ProviderError('http', 'permanent', `response is for ${parsed.data.date}, not the requested ${date}`);
  }
  return parsed.data;
}

export function httpProvider(opts: HttpProviderOptions): MarketDataProvider {
  const base = opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`;
  return {
    name: 'http',
    async snapshot({ date, symbols, pairs, signal }) {
      if (!isCalendarDate(date)) throw new ProviderError('http', 'permanent', `invalid date ${JSON.stringify(date)}`);
      const url = new URL(`snapshots/${date}`, base);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (opts.apiKey !== undefined) headers[opts.apiKeyHeader] = opts.apiKey;
      const { status, retryAfter, text } = await httpGet({
        provider: 'http',
        url,
        headers,
        timeoutMs: opts.timeoutMs,
        ...(signal ? { signal } : {}),
      });
      if (status !== 200) throw statusError('http', status, text, retryAfter, `no market data for ${date}`);
      const snapshot = parseSnapshotBody(text, date);
      return { date, ...selectWanted(snapshot.prices, snapshot.fx, symbols, pairs) };
    },
  };
}
