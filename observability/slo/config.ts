import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { z } from 'zod';

/** The observability/ directory; generated paths are relative to the repository above it. */
export const OBSERVABILITY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(OBSERVABILITY_DIR, '..');
export const SLO_FILE = path.join(OBSERVABILITY_DIR, 'slo.yml');

/** A Prometheus duration with one unit, the only form the windows use. */
const duration = z.string().regex(/^\d+[smhdw]$/, 'a Prometheus duration such as 5m, 1h or 3d');
const objective = z.number().gt(0).lt(1);
const alertName = z.string().regex(/^Folio[A-Za-z0-9]+$/);
const sloName = z.string().regex(/^[a-z0-9-]+$/);
const metricName = z.string().regex(/^[a-z_:][a-z0-9_:]*$/);

const requestSlo = z
  .object({
    slo: sloName,
    alert_prefix: alertName,
    title: z.string().min(1),
    objective,
    description: z.string().min(1),
    bad: z.string().min(1).optional(),
    good: z.string().min(1).optional(),
    total: z.string().min(1),
  })
  .strict()
  .refine((s) => (s.bad === undefined) !== (s.good === undefined), 'exactly one of bad and good');

/** page: PagerDuty (and chat); ticket: chat, handled in working hours; info: chat only, never paged. */
export const SEVERITIES = ['page', 'ticket', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

const schema = z
  .object({
    links: z
      .object({
        grafana: z
          .string()
          .regex(/^https?:\/\/[^/]+(\/[^?#]*[^/?#])?$/, 'an absolute http(s) URL without a trailing /'),
      })
      .strict(),
    period: duration,
    burn_rate_alerts: z
      .array(
        z
          .object({
            severity: z.enum(['page', 'ticket']),
            long: duration,
            short: duration,
            factor: z.number().positive(),
          })
          .strict(),
      )
      .min(1),
    min_requests_in_long_window: z.number().int().positive(),
    traffic_drop: z.object({ window: duration, compared_with: duration, for: duration }).strict(),
    request_slos: z.array(requestSlo).min(1),
    pack_freshness: z.object({ slo: sloName, title: z.string(), objective, not_fresh_for: duration }).strict(),
    pack_build: z
      .object({ slo: sloName, title: z.string(), objective, max_seconds: z.number().positive(), window: duration })
      .strict(),
    breakers: z
      .object({
        window: duration,
        open_for: duration,
        failure_ratio: objective,
        min_failures: z.number().int().positive(),
      })
      .strict(),
    service: z
      .object({
        target_down_for: duration,
        target_absent_for: duration,
        metric_absent_for: duration,
        change_listener_down_for: duration,
        required_metrics: z.object({ service: z.array(metricName).min(1), database: z.array(metricName) }).strict(),
      })
      .strict(),
  })
  .strict();

export type SloConfig = z.infer<typeof schema>;
export type RequestSlo = SloConfig['request_slos'][number];
export type BurnRateAlert = SloConfig['burn_rate_alerts'][number];

export function loadSloConfig(file = SLO_FILE): SloConfig {
  const parsed = schema.safeParse(YAML.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`${file} is invalid:\n${problems}`);
  }
  return parsed.data;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

export function durationSeconds(d: string): number {
  const unit = UNIT_SECONDS[d.slice(-1)];
  if (unit === undefined) throw new Error(`not a duration: ${d}`);
  return Number(d.slice(0, -1)) * unit;
}

/** Every window a request SLO's error ratio is recorded over: the alert windows and the period, shortest first. */
export function sloWindows(c: SloConfig): string[] {
  const all = new Set([...c.burn_rate_alerts.flatMap((a) => [a.short, a.long]), c.period]);
  return [...all].sort((a, b) => durationSeconds(a) - durationSeconds(b));
}

/** "0.999" -> "99.9%", without float noise. */
export const percent = (ratio: number): string => `${Number((ratio * 100).toPrecision(10))}%`;

/** The error ratio an alert threshold allows: factor x (1 - objective), rounded to kill float noise. */
export const allowedErrorRatio = (objectiveRatio: number, factor = 1): number =>
  Number((factor * (1 - objectiveRatio)).toPrecision(10));

/** docs/runbooks/<alert>.md, as the dashboard the generator provisions into Grafana from it. */
export const runbookUid = (alert: string): string => `runbook-${alert}`;
export const runbookUrl = (c: SloConfig, alert: string): string => `${c.links.grafana}/d/${runbookUid(alert)}`;
export const DASHBOARD_UID = 'folio-slo';
export const dashboardUrl = (c: SloConfig): string => `${c.links.grafana}/d/${DASHBOARD_UID}/folio-slo`;

/** "2d 2h", "7h 12m", "10m": durations as people read them, to the minute. */
export function humanDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  const parts = [
    [Math.floor(minutes / 1440), 'd'],
    [Math.floor((minutes % 1440) / 60), 'h'],
    [minutes % 60, 'm'],
  ] as const;
  return (
    parts
      .filter(([n]) => n > 0)
      .map(([n, u]) => `${n}${u}`)
      .join(' ') || '0m'
  );
}
