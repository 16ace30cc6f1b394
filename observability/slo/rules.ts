import {
  allowedErrorRatio,
  dashboardUrl,
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
/** Breaker events of the service and of job runs in unscraped processes, per breaker and event. */
export const breakerEvents = (window: string) => `folio_breaker:events:increase${window}`;

const sel = (metric: string, slo: string) => `${metric}{slo="${slo}"}`;

/** Adds a range to a selector: `m{a="b"}` + 5m -> `m{a="b"}[5m]`. */
const range = (selector: string, window: string) => `${selector}[${window}]`;

/** A Go-template snippet printing the first value of a PromQL query through `fn`. */
const queried = (query: string, fn: string) => `{{ with query \`${query}\` }}{{ . | first | value | ${fn} }}{{ end }}`;

export const burnAlertName = (s: RequestSlo, a: BurnRateAlert) =>
  `${s.alert_prefix}${a.severity === 'page' ? 'FastBurn' : 'SlowBurn'}`;

function links(c: SloConfig, alert: string): Record<string, string> {
  return { runbook_url: runbookUrl(c, alert), dashboard: dashboardUrl(c) };
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

function trafficDropRule(c: SloConfig): Rule {
  const t = c.traffic_drop;
  const guard = c.min_requests_in_long_window;
  // Every request SLO counts the same requests; raw counters, so the comparison works from
  // the day the rule is loaded and whatever the burn-rate windows are.
  const requests = (offset: string) => `sum(increase(${range(c.request_slos[0]!.total, t.window)}${offset}))`;
  return {
    alert: 'FolioTrafficDrop',
    expr: `${requests('')} < ${guard}\nand on() ${requests(` offset ${t.compared_with}`)} >= ${guard}`,
    for: t.for,
    labels: { severity: 'info' },
    annotations: {
      summary: `POST /v1/execute traffic dropped under the burn-rate alerts' guard (${guard} requests in ${t.window})`,
      description:
        `{{ $value | printf "%.0f" }} requests in the last ${t.window}, against ` +
        `${queried(requests(` offset ${t.compared_with}`), 'printf "%.0f"')} ` +
        `at the same time ${t.compared_with} earlier. Under ${guard} requests in ${t.window} the burn-rate alerts ` +
        `stay quiet however many requests fail: clients may not reach the service, or a client stopped.`,
      ...links(c, 'FolioTrafficDrop'),
    },
  };
}

function packFreshnessRules(c: SloConfig): Rule[] {
  const f = c.pack_freshness;
  const alert = 'FolioPackNotFresh';
  const expectedDate = queried('max(folio_pack_expected_date_timestamp_seconds)', 'humanizeTimestamp');
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
          `The pack expected by now is for ${expectedDate}, ` +
          `but the newest fresh pack is for ${queried('max(folio_pack_newest_fresh_date_timestamp_seconds)', 'humanizeTimestamp')} ` +
          `(its age, the time since it became due: ${queried('max(folio_pack_age_seconds)', 'humanizeDuration')}); ` +
          `not fresh for more than ${f.not_fresh_for}. Requests are priced on an older pack or refused with 503 pricing_pack_warming. ` +
          `Objective: fresh ${percent(f.objective)} of the time over ${c.period}.`,
        ...links(c, alert),
      },
    },
    {
      alert: 'FolioPackError',
      // The expected pack becomes expected at the freshness deadline: an error pack pages then.
      expr: 'max(folio_pack_expected_state{state="error"}) == 1',
      labels: { severity: 'page', slo: f.slo },
      annotations: {
        summary: 'The expected pricing pack ended in error and no fresh pack covers its date',
        description:
          `The build of the pack for ${expectedDate} ended in error (coverage or provider data), and the freshness ` +
          `deadline has passed: nothing retries it until someone acts. Requests are priced on the pack of ` +
          `${queried('max(folio_pack_newest_fresh_date_timestamp_seconds)', 'humanizeTimestamp')} or refused with 503.`,
        ...links(c, 'FolioPackError'),
      },
    },
    {
      alert: 'FolioPackBuildFailed',
      // Per date, not per run: it resolves once a rebuild of every failed date succeeds or a fresh pack covers it.
      expr: 'max(folio_pack_build_failed_dates) > 0',
      labels: { severity: 'ticket', slo: f.slo },
      annotations: {
        summary: 'A pricing-pack build failed and no fresh pack covers its date',
        description:
          `The last build-pack run failed for {{ $value | printf "%.0f" }} date(s) that have no fresh pack, the newest ` +
          `${queried('max(folio_pack_build_failed_newest_date_timestamp_seconds)', 'humanizeTimestamp')}.`,
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
    {
      alert: 'FolioChangeListenerDown',
      // SQLite has no listener (one process serves it): only instances on PostgreSQL count.
      expr:
        'max by (instance) (folio_change_listener_up) == 0\n' +
        'and on(instance) max by (instance) (folio_build_info{database="postgres"})',
      for: s.change_listener_down_for,
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'A Folio Executor replica does not hear the writes of the others',
        description:
          `{{ $labels.instance }} has not been listening on PostgreSQL channel folio_changes for ${s.change_listener_down_for}: ` +
          'ledger imports, pack status changes and key revocations made through other replicas or the CLI reach it ' +
          'only after FOLIO_CURRENT_STATE_TTL_MS and FOLIO_AUTH_CACHE_TTL_MS, so a revoked API key is still accepted there until then.',
        ...links(c, 'FolioChangeListenerDown'),
      },
    },
    ...Object.entries(s.required_metrics).flatMap(([source, metrics]) =>
      metrics.map((metric): Rule => ({
        alert: 'FolioMetricAbsent',
        // Only while the target is up: a down target already pages as FolioTargetDown. A series
        // read from a source (the database) is left out of the scrape while no instance can read
        // that source; the outage pages through the availability alerts, not as a lost metric.
        // absent() has no instance label to match, so the source is compared across instances.
        expr:
          `absent(${metric}) and on() (max(up{job="folio"}) == 1)` +
          (source === 'service' ? '' : `\nunless on() (max(folio_metrics_source_up{source="${source}"}) == 0)`),
        for: s.metric_absent_for,
        labels: { severity: 'page', metric },
        annotations: {
          summary: `Folio Executor does not export ${metric}`,
          description:
            source === 'service'
              ? `The service is scraped but ${metric} has been missing for ${s.metric_absent_for}; the SLO alerts built on it cannot fire.`
              : `The service is scraped and reads the ${source} but ${metric} has been missing for ${s.metric_absent_for}; the SLO alerts built on it cannot fire.`,
          ...links(c, 'FolioMetricAbsent'),
        },
      })),
    ),
  ];
}

function breakerRules(c: SloConfig): Rule[] {
  const b = c.breakers;
  const events = breakerEvents(b.window);
  const of = (event: string) => `sum by (breaker) (${events}{event=~"${event}"})`;
  // A value about the alert's own breaker: `%q` in the query becomes its quoted name.
  const query = (expr: string) =>
    `{{ with query (printf ${JSON.stringify(expr)} $labels.breaker) }}{{ . | first | value | printf "%.0f" }}{{ end }}`;
  // Agent breakers (`agent:<name>`) have per-agent settings; provider breakers share the FOLIO_BREAKER_* ones.
  const byKind = (agent: string, provider: string) =>
    `{{ if match "^agent:" $labels.breaker }}${agent}{{ else }}${provider}{{ end }}`;
  const agentSetting = (setting: string) =>
    `FOLIO_AGENT_{{ reReplaceAll "^agent:" "" $labels.breaker | toUpper }}_${setting}`;
  return [
    {
      record: events,
      // The service's own breakers per instance, summed; job runs' (read from the database by
      // every instance alike), taken once.
      expr:
        `sum by (breaker, event) (\n` +
        `  label_replace(sum by (breaker, event) (increase(folio_circuit_breaker_events_total[${b.window}])), "source", "service", "", "")\n` +
        `  or label_replace(max by (breaker, event) (increase(folio_job_breaker_events_total[${b.window}])), "source", "jobs", "", "")\n` +
        `)`,
    },
    {
      alert: 'FolioCircuitBreakerOpen',
      // Open and half-open alike (a reset timeout makes it half-open, not healthy), and
      // rejections, which also come from job runs whose breaker state is not scraped.
      expr: `max by (breaker) (folio_circuit_breaker_state) > 0\nor ${of('reject')} > 0`,
      for: b.open_for,
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'Circuit breaker {{ $labels.breaker }} is open or rejecting calls',
        description:
          `Circuit breaker {{ $labels.breaker }} is in state ${query('max(folio_circuit_breaker_state{breaker=%q})')} ` +
          `(0 closed, 1 open, 2 half-open) and rejected ${query(`sum(${events}{breaker=%q,event="reject"}) or vector(0)`)} call(s) ` +
          `in the last ${b.window} without trying them; it closes after a trial call succeeds. ` +
          byKind(
            `Steps calling agent {{ reReplaceAll "^agent:" "" $labels.breaker }} fail fast with 503 dependency_unavailable ` +
              `(optional steps are left out); the trial call is let through ${agentSetting('BREAKER_RESET_TIMEOUT_MS')} ` +
              `(default FOLIO_AGENT_BREAKER_RESET_TIMEOUT_MS) after it opened.`,
            `Pack builds and source checks using provider {{ $labels.breaker }} fail fast; ` +
              `the trial call is let through FOLIO_BREAKER_RESET_TIMEOUT_MS after it opened.`,
          ),
        ...links(c, 'FolioCircuitBreakerOpen'),
      },
    },
    {
      alert: 'FolioCircuitBreakerFailures',
      expr: [
        `${of('failure')} / ${of('success|failure')} >= ${b.failure_ratio}`,
        `and ${of('failure')} >= ${b.min_failures}`,
      ].join('\n'),
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'Calls through circuit breaker {{ $labels.breaker }} are failing',
        description:
          `{{ $value | humanizePercentage }} of the calls through {{ $labels.breaker }} failed in the last ${b.window} ` +
          `(${query(`sum(${events}{breaker=%q,event="failure"}) or vector(0)`)} failures, timeouts included); ` +
          byKind(
            `calls time out after ${agentSetting('TIMEOUT_MS')}, and it opens at ${agentSetting('BREAKER_ERROR_THRESHOLD_PERCENT')} ` +
              `once ${agentSetting('BREAKER_VOLUME_THRESHOLD')} calls are made (each defaults to FOLIO_AGENT_<SETTING>).`,
            `attempts time out after FOLIO_PROVIDER_TIMEOUT_MS, and it opens at FOLIO_BREAKER_ERROR_THRESHOLD_PERCENT ` +
              `once FOLIO_BREAKER_VOLUME_THRESHOLD calls are made.`,
          ),
        ...links(c, 'FolioCircuitBreakerFailures'),
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
    { name: 'service.yml', groups: [{ name: 'folio-service', rules: [...serviceRules(c), trafficDropRule(c)] }] },
    { name: 'breakers.yml', groups: [{ name: 'folio-breakers', rules: breakerRules(c) }] },
  ];
}

/** Every alert the rules define, each name once, with the labels its runbook header shows. */
export function alertsOf(c: SloConfig): { alert: string; severity: string; slo?: string }[] {
  const seen = new Map<string, { alert: string; severity: string; slo?: string }>();
  for (const rule of ruleFiles(c).flatMap((f) => f.groups.flatMap((g) => g.rules))) {
    if (!rule.alert || seen.has(rule.alert)) continue;
    const { severity = '', slo } = rule.labels ?? {};
    seen.set(rule.alert, { alert: rule.alert, severity, ...(slo ? { slo } : {}) });
  }
  return [...seen.values()];
}
