import { DASHBOARD_UID, allowedErrorRatio, percent, sloWindows, type SloConfig } from './config.js';
import { BUDGET_REMAINING, OBJECTIVE, PACK_FRESH, breakerEvents, errorRatio } from './rules.js';

/** The uid provisioned in observability/grafana/provisioning/datasources/prometheus.yml. */
export const DATASOURCE_UID = 'folio-prometheus';
const datasource = { type: 'prometheus', uid: DATASOURCE_UID };

interface Target {
  expr: string;
  legend?: string;
  instant?: boolean;
}
interface PanelSpec {
  type: 'stat' | 'timeseries' | 'table';
  title: string;
  description?: string;
  w: number;
  h: number;
  targets: Target[];
  unit?: string;
  /** Threshold steps (value -> colour) above the base colour. */
  thresholds?: { value: number; color: string }[];
  baseColor?: string;
  /** Draw the thresholds as lines on a time series. */
  thresholdLines?: boolean;
  decimals?: number;
}

/** Lays panels out left to right in rows of 24 columns and numbers them. */
class Layout {
  readonly panels: Record<string, unknown>[] = [];
  private id = 0;
  private x = 0;
  private y = 0;
  private rowHeight = 0;

  row(title: string): void {
    this.newLine();
    this.panels.push({
      type: 'row',
      id: ++this.id,
      title,
      collapsed: false,
      gridPos: { x: 0, y: this.y, w: 24, h: 1 },
      panels: [],
    });
    this.y += 1;
  }

  add(p: PanelSpec): void {
    if (this.x + p.w > 24) this.newLine();
    this.panels.push(panel(++this.id, p, { x: this.x, y: this.y, w: p.w, h: p.h }));
    this.x += p.w;
    this.rowHeight = Math.max(this.rowHeight, p.h);
  }

  private newLine(): void {
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }
}

function panel(
  id: number,
  p: PanelSpec,
  gridPos: { x: number; y: number; w: number; h: number },
): Record<string, unknown> {
  const steps = [{ color: p.baseColor ?? 'green', value: null }, ...(p.thresholds ?? [])];
  const custom =
    p.type === 'timeseries' ? { custom: { thresholdsStyle: { mode: p.thresholdLines ? 'line' : 'off' } } } : {};
  return {
    id,
    type: p.type,
    title: p.title,
    ...(p.description ? { description: p.description } : {}),
    datasource,
    gridPos,
    fieldConfig: {
      defaults: {
        ...(p.unit ? { unit: p.unit } : {}),
        ...(p.decimals !== undefined ? { decimals: p.decimals } : {}),
        thresholds: { mode: 'absolute', steps },
        ...custom,
      },
      overrides: [],
    },
    options:
      p.type === 'stat'
        ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value' }
        : {},
    targets: p.targets.map((t, i) => ({
      datasource,
      refId: String.fromCharCode(65 + i),
      expr: t.expr,
      ...(t.legend ? { legendFormat: t.legend } : {}),
      ...(t.instant || p.type !== 'timeseries' ? { instant: true, range: false } : { range: true }),
      ...(p.type === 'table' ? { format: 'table' } : {}),
    })),
  };
}

const sel = (metric: string, slo: string) => `${metric}{slo="${slo}"}`;

/** Objective, SLI and error budget remaining of one SLO: the first three panels of its row. */
function sloSummary(l: Layout, c: SloConfig, slo: string, objective: number, sliDescription: string): void {
  l.add({
    type: 'stat',
    title: 'Objective',
    w: 4,
    h: 4,
    unit: 'percentunit',
    decimals: 2,
    targets: [{ expr: sel(OBJECTIVE, slo) }],
    baseColor: 'blue',
  });
  l.add({
    type: 'stat',
    title: `SLI (${c.period})`,
    description: sliDescription,
    w: 4,
    h: 4,
    unit: 'percentunit',
    decimals: 3,
    targets: [{ expr: `1 - ${sel(errorRatio(c.period), slo)}` }],
    baseColor: 'red',
    thresholds: [{ value: objective, color: 'green' }],
  });
  l.add({
    type: 'stat',
    title: `Error budget remaining (${c.period})`,
    w: 4,
    h: 4,
    unit: 'percentunit',
    decimals: 1,
    targets: [{ expr: sel(BUDGET_REMAINING, slo) }],
    baseColor: 'red',
    thresholds: [
      { value: 0, color: 'orange' },
      { value: 0.25, color: 'green' },
    ],
  });
}

export function sloDashboard(c: SloConfig): Record<string, unknown> {
  const l = new Layout();
  const colors = { page: 'red', ticket: 'orange' } as const;
  const factors = [...new Map(c.burn_rate_alerts.map((a) => [a.factor, a.severity])).entries()].sort(
    (a, b) => a[0] - b[0],
  );

  for (const s of c.request_slos) {
    l.row(`${s.title}: ${percent(s.objective)} over ${c.period}`);
    sloSummary(l, c, s.slo, s.objective, s.description);
    l.add({
      type: 'timeseries',
      title: 'Burn rate by window (lines: alert thresholds)',
      description: c.burn_rate_alerts
        .map((a) => `${a.severity}: ${a.long} and ${a.short} over ${a.factor}x`)
        .join('; '),
      w: 12,
      h: 8,
      unit: 'none',
      thresholdLines: true,
      targets: sloWindows(c).map((w) => ({
        expr: `${sel(errorRatio(w), s.slo)} / ${allowedErrorRatio(s.objective)}`,
        legend: w,
      })),
      thresholds: factors.map(([value, severity]) => ({ value, color: colors[severity] })),
    });
    l.add({
      type: 'timeseries',
      title: 'Error ratio by window',
      w: 12,
      h: 4,
      unit: 'percentunit',
      targets: sloWindows(c).map((w) => ({ expr: sel(errorRatio(w), s.slo), legend: w })),
    });
  }

  const f = c.pack_freshness;
  l.row(`${f.title}: ${percent(f.objective)} of the time over ${c.period}`);
  sloSummary(l, c, f.slo, f.objective, 'Share of time the pack of the previous trading day was fresh');
  l.add({
    type: 'stat',
    title: 'Expected pack fresh now',
    w: 4,
    h: 4,
    targets: [{ expr: PACK_FRESH }],
    baseColor: 'red',
    thresholds: [{ value: 1, color: 'green' }],
  });
  l.add({
    type: 'stat',
    title: 'Newest fresh pack age',
    w: 4,
    h: 4,
    unit: 's',
    targets: [{ expr: 'max(folio_pack_age_seconds)' }],
  });
  l.add({
    type: 'stat',
    title: 'Days behind the expected pack',
    w: 4,
    h: 4,
    decimals: 0,
    targets: [
      {
        expr: '(max(folio_pack_expected_date_timestamp_seconds) - max(folio_pack_newest_fresh_date_timestamp_seconds)) / 86400',
      },
    ],
    thresholds: [{ value: 1, color: 'red' }],
  });

  const b = c.pack_build;
  l.row(`${b.title}: ${percent(b.objective)} of builds over ${c.period}`);
  sloSummary(l, c, b.slo, b.objective, `Share of build-pack runs that finished within ${b.max_seconds} s`);
  l.add({
    type: 'timeseries',
    title: `Pack build duration (${b.window} windows; line: ${b.max_seconds} s)`,
    w: 12,
    h: 8,
    unit: 's',
    thresholdLines: true,
    thresholds: [{ value: b.max_seconds, color: 'red' }],
    targets: [0.5, 0.95].map((q) => ({
      expr: `histogram_quantile(${q}, sum by (le) (rate(folio_pack_build_duration_seconds_bucket[${b.window}])))`,
      legend: `p${q * 100}`,
    })),
  });
  l.add({
    type: 'timeseries',
    title: `Job runs (${b.window})`,
    w: 12,
    h: 8,
    targets: [
      { expr: `sum by (job, status) (increase(folio_job_runs_total[${b.window}]))`, legend: '{{job}} {{status}}' },
    ],
  });

  l.row('Alerts');
  l.add({
    type: 'table',
    title: 'Firing alerts',
    w: 24,
    h: 6,
    targets: [{ expr: 'ALERTS{alertstate="firing"}' }],
  });

  serviceRows(l, c);

  return {
    uid: DASHBOARD_UID,
    title: 'Folio SLO',
    description: 'Generated from observability/slo.yml by observability/generate.ts; edit those, not this file.',
    tags: ['folio', 'slo'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: { list: VARIABLES.map(variable) },
    annotations: { list: [] },
    panels: l.panels,
  };
}

/** Dashboard variables; queries filter with `label=~"$name"`, and "All" is `.*`. */
export const VARIABLES = [
  { name: 'instance', label: 'Instance', query: 'label_values(up{job="folio"}, instance)' },
  { name: 'pattern', label: 'Pattern', query: 'label_values(folio_execute_requests_total, pattern)' },
] as const;

function variable(v: (typeof VARIABLES)[number]): Record<string, unknown> {
  return {
    name: v.name,
    label: v.label,
    type: 'query',
    datasource,
    query: { query: v.query, refId: `${v.name}-values` },
    definition: v.query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { text: 'All', value: '$__all' },
    sort: 1,
  };
}

/** `{instance=~"$instance", pattern=~"$pattern"}`-style filters of the chosen variables. */
const by = (...names: (typeof VARIABLES)[number]['name'][]) => names.map((n) => `${n}=~"$${n}"`).join(', ');

/** The latency thresholds of the request SLOs, from their `good` bucket selectors. */
const latencyThresholds = (c: SloConfig) =>
  c.request_slos.flatMap((s) => {
    const le = s.good ? /le="([\d.]+)"/.exec(s.good)?.[1] : undefined;
    return le === undefined ? [] : [Number(le)];
  });

function serviceRows(l: Layout, c: SloConfig): void {
  const execute = `folio_execute_requests_total{${by('instance', 'pattern')}}`;
  const quantiles = (metric: string, groups: string, qs: number[], legend: string) =>
    qs.map((q) => ({
      expr: `histogram_quantile(${q}, sum by (${groups}le) (rate(${metric}[5m])))`,
      legend: `${legend}p${q * 100}`,
    }));

  l.row('Requests ($instance, $pattern)');
  l.add({
    type: 'timeseries',
    title: 'POST /v1/execute requests by pattern',
    w: 8,
    h: 8,
    unit: 'reqps',
    targets: [{ expr: `sum by (pattern) (rate(${execute}[5m]))`, legend: '{{pattern}}' }],
  });
  l.add({
    type: 'timeseries',
    title: 'POST /v1/execute errors by pattern and status',
    description: "5xx count against the availability SLO; 4xx are the clients' mistakes.",
    w: 8,
    h: 8,
    unit: 'reqps',
    targets: [
      {
        expr: `sum by (pattern, code) (rate(folio_execute_requests_total{code=~"[45]..", ${by('instance', 'pattern')}}[5m]))`,
        legend: '{{pattern}} {{code}}',
      },
    ],
  });
  l.add({
    type: 'timeseries',
    title: 'POST /v1/execute errors by code',
    w: 8,
    h: 8,
    unit: 'reqps',
    targets: [
      {
        expr: `sum by (error) (rate(folio_execute_errors_total{${by('instance', 'pattern')}}[5m]))`,
        legend: '{{error}}',
      },
    ],
  });
  l.add({
    type: 'timeseries',
    title: 'POST /v1/execute p95 and p99 (lines: the latency SLO thresholds)',
    w: 12,
    h: 8,
    unit: 's',
    thresholdLines: true,
    thresholds: latencyThresholds(c).map((value) => ({ value, color: 'red' })),
    targets: quantiles(
      `folio_execute_duration_seconds_bucket{${by('instance', 'pattern')}}`,
      '',
      [0.5, 0.95, 0.99],
      '',
    ),
  });
  l.add({
    type: 'timeseries',
    title: 'POST /v1/execute p99 by pattern',
    w: 12,
    h: 8,
    unit: 's',
    thresholdLines: true,
    thresholds: latencyThresholds(c).map((value) => ({ value, color: 'red' })),
    targets: quantiles(
      `folio_execute_duration_seconds_bucket{${by('instance', 'pattern')}}`,
      'pattern, ',
      [0.99],
      '{{pattern}} ',
    ),
  });
  l.add({
    type: 'timeseries',
    title: 'Result cache hit ratio',
    w: 8,
    h: 8,
    unit: 'percentunit',
    targets: [
      {
        expr: `sum(rate(folio_result_cache_hits_total{${by('instance', 'pattern')}}[5m])) / (sum(rate(folio_result_cache_hits_total{${by('instance', 'pattern')}}[5m])) + sum(rate(folio_result_cache_misses_total{${by('instance', 'pattern')}}[5m])))`,
        legend: 'hit ratio',
      },
    ],
  });
  l.add({
    type: 'timeseries',
    title: 'HTTP requests by route',
    w: 16,
    h: 8,
    unit: 'reqps',
    targets: [
      {
        expr: `sum by (route, code) (rate(folio_http_requests_total{${by('instance')}}[5m]))`,
        legend: '{{route}} {{code}}',
      },
    ],
  });

  l.row('Agents (capabilities)');
  l.add({
    type: 'timeseries',
    title: 'Capability invocations by agent and status',
    w: 8,
    h: 8,
    unit: 'reqps',
    targets: [
      {
        expr: `sum by (agent, status) (rate(folio_agent_invocations_total{${by('instance')}}[5m]))`,
        legend: '{{agent}} {{status}}',
      },
    ],
  });
  l.add({
    type: 'timeseries',
    title: 'Capability latency p95',
    w: 8,
    h: 8,
    unit: 's',
    targets: quantiles(
      `folio_capability_duration_seconds_bucket{${by('instance')}}`,
      'capability, ',
      [0.95],
      '{{capability}} ',
    ),
  });
  l.add({
    type: 'timeseries',
    title: 'Step latency p95 by pattern',
    w: 8,
    h: 8,
    unit: 's',
    targets: quantiles(
      `folio_pattern_step_duration_seconds_bucket{${by('instance', 'pattern')}}`,
      'pattern, step, ',
      [0.95],
      '{{pattern}} {{step}} ',
    ),
  });

  l.row('Dependencies: market data, circuit breakers, packs');
  l.add({
    type: 'timeseries',
    title: 'Circuit breakers (0 closed, 1 open, 2 half-open)',
    w: 8,
    h: 8,
    targets: [{ expr: 'max by (breaker) (folio_circuit_breaker_state)', legend: '{{breaker}}' }],
    thresholds: [{ value: 1, color: 'red' }],
  });
  l.add({
    type: 'timeseries',
    title: `Breaker failures and rejections (${c.breakers.window}, service and job runs)`,
    w: 8,
    h: 8,
    targets: [
      { expr: `${breakerEvents(c.breakers.window)}{event=~"failure|reject|open"}`, legend: '{{breaker}} {{event}}' },
    ],
  });
  l.add({
    type: 'timeseries',
    title: 'Provider call latency p95 (each attempt)',
    w: 8,
    h: 8,
    unit: 's',
    targets: quantiles(
      'folio_provider_request_duration_seconds_bucket',
      'provider, status, ',
      [0.95],
      '{{provider}} {{status}} ',
    ),
  });
  l.add({
    type: 'timeseries',
    title: 'Provider retries',
    w: 8,
    h: 8,
    unit: 'ops',
    targets: [{ expr: 'sum by (provider) (rate(folio_provider_retries_total[5m]))', legend: '{{provider}}' }],
  });
  l.add({
    type: 'timeseries',
    title: 'Packs by status',
    w: 8,
    h: 8,
    targets: [{ expr: 'max by (status) (folio_packs)', legend: '{{status}}' }],
  });
  l.add({
    type: 'stat',
    title: 'Dates with a failed build and no fresh pack',
    w: 8,
    h: 8,
    decimals: 0,
    targets: [{ expr: 'max(folio_pack_build_failed_dates)' }],
    thresholds: [{ value: 1, color: 'orange' }],
  });

  // Replicas of a scaled deployment (Prometheus discovers each through DNS): each instance's
  // series beside the total over the chosen ones.
  l.row('Per instance ($instance)');
  l.add({
    type: 'stat',
    title: "Replicas scraped up, and in the balancer's rotation",
    w: 8,
    h: 8,
    decimals: 0,
    targets: [
      { expr: `count(up{job="folio", ${by('instance')}} == 1)`, legend: 'up' },
      { expr: 'sum(haproxy_server_status{proxy="folio", state="UP"})', legend: 'in rotation' },
    ],
  });
  const perInstance = (title: string, expr: string, total: string, unit?: string) =>
    l.add({
      type: 'timeseries',
      title,
      w: 8,
      h: 8,
      ...(unit ? { unit } : {}),
      targets: [
        { expr, legend: '{{instance}}' },
        { expr: total, legend: 'total' },
      ],
    });
  const filtered = (metric: string) => `${metric}{${by('instance')}}`;
  perInstance('Execute requests', `sum by (instance) (rate(${execute}[5m]))`, `sum(rate(${execute}[5m]))`, 'reqps');
  const errors5xx = `folio_execute_requests_total{code=~"5..", ${by('instance', 'pattern')}}`;
  perInstance(
    'Execute 5xx ratio',
    `sum by (instance) (rate(${errors5xx}[5m])) / sum by (instance) (rate(${execute}[5m]))`,
    `sum(rate(${errors5xx}[5m])) / sum(rate(${execute}[5m]))`,
    'percentunit',
  );
  const durations = `folio_execute_duration_seconds_bucket{${by('instance', 'pattern')}}`;
  perInstance(
    'Execute p99',
    `histogram_quantile(0.99, sum by (instance, le) (rate(${durations}[5m])))`,
    `histogram_quantile(0.99, sum by (le) (rate(${durations}[5m])))`,
    's',
  );
  const cpu = `rate(${filtered('folio_process_cpu_seconds_total')}[5m])`;
  perInstance('CPU', cpu, `sum(${cpu})`, 'percentunit');
  const rss = filtered('folio_process_resident_memory_bytes');
  perInstance('Resident memory', rss, `sum(${rss})`, 'bytes');
  const lag = filtered('folio_nodejs_eventloop_lag_p99_seconds');
  perInstance('Event loop lag p99 (total: the worst)', lag, `max(${lag})`, 's');
}
