import type { AnalyticsWarning } from './analytics/input.js';
import type { LedgerState } from './ledger/replay.js';
import type { SecurityInfo } from './ledger/types.js';
import { round } from './number.js';
import type { PackPrice } from './pack.js';
import type { Reported } from './report.js';

const BP_DIGITS = 2;
const basisPoints = (source: number, pack: number): number => round(((source - pack) / pack) * 10_000, BP_DIGITS);

/** The symbols held, in code-unit order. */
export const heldSymbols = (state: LedgerState): string[] =>
  [...state.holdings.values()].map((h) => h.symbol).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export interface SourceCheckInput {
  /** The source's bounded name, as metrics and pack sources know it. */
  source: string;
  packId: string;
  date: string;
  held: readonly string[];
  securities: ReadonlyMap<string, SecurityInfo>;
  packCloses: ReadonlyMap<string, number>;
  sourcePrices: readonly PackPrice[];
}

/**
 * The pricing.source_check answer: each held security's pack close against the source's close
 * for the same date, in basis points. A close quoted in another currency is a different
 * number, not a price move, so it is shown but never compared.
 */
export function compareWithSource({
  source,
  packId,
  date,
  held,
  securities,
  packCloses,
  sourcePrices,
}: SourceCheckInput) {
  const warnings: AnalyticsWarning[] = [];
  const fromSource = new Map(sourcePrices.map((p) => [p.symbol, p]));
  const compared = [];
  const missingFromSource: string[] = [];
  const missingFromPack: string[] = [];
  for (const symbol of held) {
    const packClose = packCloses.get(symbol);
    const quoted = fromSource.get(symbol);
    if (packClose === undefined) missingFromPack.push(symbol);
    if (quoted === undefined) missingFromSource.push(symbol);
    if (packClose === undefined || quoted === undefined) continue;
    const currency = securities.get(symbol)?.currency ?? null;
    const sameCurrency = quoted.currency === currency;
    if (!sameCurrency) {
      warnings.push({
        code: 'source_currency_mismatch',
        message: `${source} quotes ${symbol} in ${quoted.currency}, the security is listed in ${currency}`,
      });
    }
    compared.push({
      symbol,
      currency,
      pack_close: packClose,
      source_close: quoted.close,
      source_currency: quoted.currency,
      difference_bp: sameCurrency ? basisPoints(quoted.close, packClose) : null,
    });
  }
  if (missingFromSource.length > 0) {
    warnings.push({
      code: 'source_missing_symbols',
      message: `${source} has no close on ${date} for ${missingFromSource.join(', ')}`,
    });
  }
  if (missingFromPack.length > 0) {
    warnings.push({
      code: 'pack_missing_symbols',
      message: `${packId} has no close for ${missingFromPack.join(', ')}`,
    });
  }
  const differences = compared.flatMap((c) => (c.difference_bp === null ? [] : [Math.abs(c.difference_bp)]));
  const output = {
    source,
    pricing_pack_id: packId,
    date,
    holdings: held.length,
    compared,
    missing_from_source: missingFromSource,
    missing_from_pack: missingFromPack,
    max_abs_difference_bp: differences.length === 0 ? null : Math.max(...differences),
  };
  return { output, warnings } satisfies Reported<typeof output>;
}
