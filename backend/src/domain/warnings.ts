/**
 * Every warning code an answer can carry (`warnings[].code`). Warnings are typed with this
 * list, so a new code does not compile until it is added here, and a unit test
 * (backend/test/unit/docs/api-docs.test.ts) fails until docs/api.md#warnings lists it.
 */
export const WARNING_CODES = [
  // pins (executor/pins.ts); stale_pricing_pack is a notice, outside result_hash
  'stale_pricing_pack',
  'prices_older_than_asof',
  'empty_ledger',
  // the runner (executor/runner.ts)
  'step_left_out',
  // pricing.value
  'missing_price',
  'missing_fx_rate',
  'negative_cash',
  // history.values, attribution.currency
  'price_carried_forward',
  'fx_rate_carried_forward',
  'lookback_shortened',
  // metrics.*
  'metrics_unavailable',
  'metrics_partial',
  'period_from_first_activity',
  'twr_zero_base',
  'twr_negative_base',
  'twr_not_annualizable',
  'mwr_unavailable',
  'sharpe_undefined',
  'sortino_undefined',
  'benchmark_dates_unmatched',
  'beta_undefined',
  // attribution.currency
  'trades_in_period',
  // pricing.source_check
  'source_currency_mismatch',
  'source_missing_symbols',
  'pack_missing_symbols',
] as const;

export type WarningCode = (typeof WARNING_CODES)[number];
