import { allowedErrorRatio, percent, sloWindows, type SloConfig } from './config.js';
import { BUDGET_REMAINING, OBJECTIVE, PACK_FRESH, errorRatio } from './rules.js';

/** The uid provisioned in observability/grafana/provisioning/datasources/prometheus.yml. */
export const DATASOURCE_UID = 'folio-prometheus';
export const DASHBOARD_UID = 'folio-slo';
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

  l.row('Service');
  l.add({
    type: 'timeseries',
    title: 'POST /v1/execute requests by status',
    w: 12,
    h: 8,
    unit: 'reqps',
    targets: [{ expr: 'sum by (code) (rate(folio_execute_requests_total[5m]))', legend: '{{code}}' }],
  });
  l.add({
    type: 'timeseries',
    title: 'POST /v1/execute latency',
    w: 12,
    h: 8,
    unit: 's',
    targets: [0.5, 0.95, 0.99].map((q) => ({
      expr: `histogram_quantile(${q}, sum by (le) (rate(folio_execute_duration_seconds_bucket[5m])))`,
      legend: `p${q * 100}`,
    })),
  });
  l.add({
    type: 'timeseries',
    title: 'Result cache hit ratio',
    w: 8,
    h: 8,
    unit: 'percentunit',
    targets: [
      {
        expr: 'sum(rate(folio_result_cache_hits_total[5m])) / (sum(rate(folio_result_cache_hits_total[5m])) + sum(rate(folio_result_cache_misses_total[5m])))',
        legend: 'hit ratio',
      },
    ],
  });
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
    title: 'HTTP requests by route',
    w: 8,
    h: 8,
    unit: 'reqps',
    targets: [{ expr: 'sum by (route) (rate(folio_http_requests_total[5m]))', legend: '{{route}}' }],
  });

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
    templating: { list: [] },
    annotations: { list: [] },
    panels: l.panels,
  };
}
