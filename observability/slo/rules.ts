import {
  allowedErrorRatio,
  durationSeconds,
  humanDuration,
  percent,
  runbookUrl,
  sloWindows,
  type BurnRateAlert,
  type RequestSlo,
  type SloConfig,
} from './config.js';

/** One Prometheus rule, in the order of keys Prometheus documents. */
export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleFile {
  /** File name under observability/prometheus/rules/. */
  name: string;
  groups: { name: string; rules: Rule[] }[];
}

/** Recorded series every SLO shares, told apart by the `slo` label. */
export const errorRatio = (window: string) => `folio_slo:error_ratio:rate${window}`;
export const requestCount = (window: string) => `folio_slo:requests:increase${window}`;
export const OBJECTIVE = 'folio_slo:objective:ratio';
export const BUDGET_REMAINING = 'folio_slo:error_budget_remaining:ratio';
export const PACK_FRESH = 'folio_slo:pack_fresh:max';

const sel = (metric: string, slo: string) => `${metric}{slo="${slo}"}`;

/** Adds a range to a selector: `m{a="b"}` + 5m -> `m{a="b"}[5m]`. */
const range = (selector: string, window: string) => `${selector}[${window}]`;

/** A Go-template snippet printing the first value of a PromQL query through `fn`. */
const queried = (query: string, fn: string) => `{{ with query \`${query}\` }}{{ . | first | value | ${fn} }}{{ end }}`;

export const burnAlertName = (s: RequestSlo, a: BurnRateAlert) =>
  `${s.alert_prefix}${a.severity === 'page' ? 'FastBurn' : 'SlowBurn'}`;

function links(c: SloConfig, alert: string): Record<string, string> {
  return { runbook_url: runbookUrl(c, alert), dashboard: c.links.dashboard };
}

function requestSloRules(c: SloConfig, s: RequestSlo): Rule[] {
  const longWindows = new Set(c.burn_rate_alerts.map((a) => a.long));
  const rules: Rule[] = [];
  for (const w of sloWindows(c)) {
    const total = `sum(rate(${range(s.total, w)}))`;
    // Ratio of sums over every series; no traffic gives NaN (no verdict), not 0.
    const bad =
      s.bad !== undefined
        ? // No 5xx series yet means no bad event yet.
          `(sum(rate(${range(s.bad, w)})) or vector(0))`
        : `(${total} - sum(rate(${range(s.good!, w)})))`;
    rules.push({ record: errorRatio(w), expr: `${bad}\n/\n${total}`, labels: { slo: s.slo } });
    if (longWindows.has(w))
      rules.push({ record: requestCount(w), expr: `sum(increase(${range(s.total, w)}))`, labels: { slo: s.slo } });
  }
  rules.push(...budgetRules(c, s.slo, s.objective));
  for (const a of c.burn_rate_alerts) rules.push(burnRateAlert(c, s, a));
  return rules;
}

function budgetRules(c: SloConfig, slo: string, objective: number): Rule[] {
  return [
    { record: OBJECTIVE, expr: `vector(${objective})`, labels: { slo } },
    {
      record: BUDGET_REMAINING,
      expr: `1 - ${sel(errorRatio(c.period), slo)} / ${allowedErrorRatio(objective)}`,
      labels: { slo },
    },
  ];
}

function burnRateAlert(c: SloConfig, s: RequestSlo, a: BurnRateAlert): Rule {
  const alert = burnAlertName(s, a);
  const threshold = allowedErrorRatio(s.objective, a.factor);
  const exhausted = humanDuration(durationSeconds(c.period) / a.factor);
  return {
    alert,
    expr: [
      `${sel(errorRatio(a.long), s.slo)} > ${threshold}`,
      `and ${sel(errorRatio(a.short), s.slo)} > ${threshold}`,
      // Low-traffic guard: a handful of failures must not page.
      `and ${sel(requestCount(a.long), s.slo)} >= ${c.min_requests_in_long_window}`,
    ].join('\n'),
    labels: { severity: a.severity, slo: s.slo, long_window: a.long, short_window: a.short },
    annotations: {
      summary: `${s.title} SLO: error budget burning over ${a.factor}x (${a.long} and ${a.short} windows)`,
      description:
        `{{ $value | humanizePercentage }} bad over the last ${a.long}, ` +
        `${queried(sel(errorRatio(a.short), s.slo), 'humanizePercentage')} over the last ${a.short} ` +
        `(${queried(sel(requestCount(a.long), s.slo), 'printf "%.0f"')} requests in ${a.long}). ` +
        `Objective ${percent(s.objective)} over ${c.period} (${percent(allowedErrorRatio(s.objective))} bad allowed): ` +
        `above ${percent(threshold)} the budget is gone within ${exhausted}.`,
      ...links(c, alert),
    },
  };
}

function packFreshnessRules(c: SloConfig): Rule[] {
  const f = c.pack_freshness;
  const alert = 'FolioPackNotFresh';
  return [
    // One value however many replicas report it (they all read the same database).
    { record: PACK_FRESH, expr: 'max(folio_pack_fresh)' },
    { record: errorRatio(c.period), expr: `1 - avg_over_time(${range(PACK_FRESH, c.period)})`, labels: { slo: f.slo } },
    ...budgetRules(c, f.slo, f.objective),
    {
      alert,
      expr: `${PACK_FRESH} < 1`,
      for: f.not_fresh_for,
      labels: { severity: 'page', slo: f.slo },
      annotations: {
        summary: 'The pricing pack of the previous trading day is not fresh',
        description:
          `The pack expected by now is for ${queried('max(folio_pack_expected_date_timestamp_seconds)', 'humanizeTimestamp')}, ` +
          `but the newest fresh pack is for ${queried('max(folio_pack_newest_fresh_date_timestamp_seconds)', 'humanizeTimestamp')} ` +
          `(not fresh for more than ${f.not_fresh_for}). Requests are priced on an older pack or refused with 503 pricing_pack_warming. ` +
          `Objective: fresh ${percent(f.objective)} of the time over ${c.period}.`,
        ...links(c, alert),
      },
    },
    {
      alert: 'FolioPackBuildFailed',
      expr: `sum(increase(folio_job_runs_total{job="build-pack",status="failure"}[${c.pack_build.window}])) > 0`,
      labels: { severity: 'ticket', slo: f.slo },
      annotations: {
        summary: 'A pricing-pack build failed',
        description: `{{ $value | printf "%.0f" }} build-pack run(s) failed in the last ${c.pack_build.window}; the pack they were building is not fresh.`,
        ...links(c, 'FolioPackBuildFailed'),
      },
    },
  ];
}

function packBuildRules(c: SloConfig): Rule[] {
  const b = c.pack_build;
  const le = `le="${b.max_seconds}"`;
  const builds = (w: string) => `sum(increase(folio_pack_build_duration_seconds_count[${w}]))`;
  const fastBuilds = (w: string) => `sum(increase(folio_pack_build_duration_seconds_bucket{${le}}[${w}]))`;
  return [
    {
      record: errorRatio(c.period),
      expr: `(${builds(c.period)} - ${fastBuilds(c.period)})\n/\n${builds(c.period)}`,
      labels: { slo: b.slo },
    },
    ...budgetRules(c, b.slo, b.objective),
    {
      alert: 'FolioPackBuildTooSlow',
      // Builds over the bound = all builds minus those in the bound's bucket (never a quantile).
      expr: `${builds(b.window)} - ${fastBuilds(b.window)} > 0`,
      labels: { severity: 'ticket', slo: b.slo },
      annotations: {
        summary: `A pricing-pack build took longer than ${humanDuration(b.max_seconds)}`,
        description:
          `{{ $value | printf "%.0f" }} build-pack run(s) in the last ${b.window} took longer than ${b.max_seconds} s. ` +
          `Objective: ${percent(b.objective)} of builds within ${b.max_seconds} s over ${c.period}.`,
        ...links(c, 'FolioPackBuildTooSlow'),
      },
    },
  ];
}

function serviceRules(c: SloConfig): Rule[] {
  const s = c.service;
  return [
    {
      alert: 'FolioTargetDown',
      expr: 'up{job="folio"} == 0',
      for: s.target_down_for,
      labels: { severity: 'page' },
      annotations: {
        summary: 'Prometheus cannot scrape a Folio Executor instance',
        description: `{{ $labels.instance }} has not answered GET /metrics for more than ${s.target_down_for}.`,
        ...links(c, 'FolioTargetDown'),
      },
    },
    {
      alert: 'FolioTargetAbsent',
      expr: 'absent(up{job="folio"})',
      for: s.target_absent_for,
      labels: { severity: 'page' },
      annotations: {
        summary: 'Prometheus has no Folio Executor target',
        description: `No target of job "folio" has been scraped for ${s.target_absent_for}: every Folio alert is blind.`,
        ...links(c, 'FolioTargetAbsent'),
      },
    },
    ...s.required_metrics.map((metric): Rule => ({
      alert: 'FolioMetricAbsent',
      // Only while the target is up: a down target already pages as FolioTargetDown.
      expr: `absent(${metric}) and on() (max(up{job="folio"}) == 1)`,
      for: s.metric_absent_for,
      labels: { severity: 'page', metric },
      annotations: {
        summary: `Folio Executor does not export ${metric}`,
        description: `The service is scraped but ${metric} has been missing for ${s.metric_absent_for}; the SLO alerts built on it cannot fire.`,
        ...links(c, 'FolioMetricAbsent'),
      },
    })),
    {
      alert: 'FolioCircuitBreakerOpen',
      expr: 'max by (breaker) (folio_circuit_breaker_state) == 1',
      for: s.breaker_open_for,
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'Circuit breaker {{ $labels.breaker }} is open',
        description: `Circuit breaker {{ $labels.breaker }} has been open for more than ${s.breaker_open_for}: calls through it are rejected without being tried.`,
        ...links(c, 'FolioCircuitBreakerOpen'),
      },
    },
  ];
}

export function ruleFiles(c: SloConfig): RuleFile[] {
  return [
    ...c.request_slos.map((s) => ({
      name: `slo-${s.slo}.yml`,
      groups: [{ name: `slo-${s.slo}`, rules: requestSloRules(c, s) }],
    })),
    {
      name: `slo-${c.pack_freshness.slo}.yml`,
      groups: [{ name: `slo-${c.pack_freshness.slo}`, rules: packFreshnessRules(c) }],
    },
    { name: `slo-${c.pack_build.slo}.yml`, groups: [{ name: `slo-${c.pack_build.slo}`, rules: packBuildRules(c) }] },
    { name: 'service.yml', groups: [{ name: 'folio-service', rules: serviceRules(c) }] },
  ];
}

/** Every alert name the rules define, each once. */
export const alertNames = (c: SloConfig): string[] => [
  ...new Set(ruleFiles(c).flatMap((f) => f.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : []))))),
];
