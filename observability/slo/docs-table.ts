import { allowedErrorRatio, durationSeconds, humanDuration, percent, type SloConfig } from './config.js';
import { burnAlertName } from './rules.js';

export const TABLE_BEGIN = '<!-- BEGIN generated from observability/slo.yml -->';
export const TABLE_END = '<!-- END generated from observability/slo.yml -->';

/** The SLO and alert tables of docs/slo.md, between the markers. */
export function sloTables(c: SloConfig): string {
  const rows = [
    '| SLO (`slo` label) | objective over ' + c.period + ' | good events | error budget |',
    '|---|---|---|---|',
    ...c.request_slos.map(
      (s) =>
        `| ${s.title} (\`${s.slo}\`) | ${percent(s.objective)} | ${s.description} | ${percent(allowedErrorRatio(s.objective))} of requests |`,
    ),
    `| ${c.pack_freshness.title} (\`${c.pack_freshness.slo}\`) | ${percent(c.pack_freshness.objective)} | time during which the pack of the previous trading day is fresh (\`folio_pack_fresh\`) | ${humanDuration(durationSeconds(c.period) * allowedErrorRatio(c.pack_freshness.objective))} of staleness |`,
    `| ${c.pack_build.title} (\`${c.pack_build.slo}\`) | ${percent(c.pack_build.objective)} | build-pack runs finished within ${c.pack_build.max_seconds} s | ${percent(allowedErrorRatio(c.pack_build.objective))} of builds |`,
  ];
  const burn = [
    '| severity | long window | short window | burn rate over | error ratio over (availability / latency 500 ms / latency 300 ms) | alerts |',
    '|---|---|---|---|---|---|',
    ...c.burn_rate_alerts.map(
      (a) =>
        `| ${a.severity} | ${a.long} | ${a.short} | ${a.factor}x | ${c.request_slos.map((s) => percent(allowedErrorRatio(s.objective, a.factor))).join(' / ')} | ${c.request_slos.map((s) => `\`${burnAlertName(s, a)}\``).join(', ')} |`,
    ),
  ];
  return [
    TABLE_BEGIN,
    ...rows,
    '',
    `Burn-rate alerts (both windows over the factor, and at least ${c.min_requests_in_long_window} requests in the long window):`,
    '',
    ...burn,
    TABLE_END,
  ].join('\n');
}

/** `doc` with the text between the markers replaced by the current tables. */
export function withSloTables(doc: string, c: SloConfig): string {
  const begin = doc.indexOf(TABLE_BEGIN);
  const end = doc.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error(`docs/slo.md must contain ${TABLE_BEGIN} ... ${TABLE_END}`);
  return doc.slice(0, begin) + sloTables(c) + doc.slice(end + TABLE_END.length);
}
