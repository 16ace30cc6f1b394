import fs from 'node:fs';
import path from 'node:path';
import { dashboardUrl, REPO_ROOT, runbookUid, runbookUrl, type SloConfig } from './config.js';
import { alertsOf } from './rules.js';

/** One runbook per alert, docs/runbooks/<Alert>.md, and the Grafana dashboard each is shown in. */
export const RUNBOOK_DIR = path.join(REPO_ROOT, 'docs/runbooks');
export const runbookFile = (alert: string): string => path.join(RUNBOOK_DIR, `${alert}.md`);

const sloTitle = (c: SloConfig, slo: string): string =>
  [...c.request_slos, c.pack_freshness, c.pack_build].find((s) => s.slo === slo)?.title ?? slo;

const HEADER = /^\*\*Severity:\*\*.*$/m;

/** The runbook's header line: severity, SLO and the dashboard link, kept in step with the rules. */
export function withRunbookHeader(doc: string, c: SloConfig, a: { severity: string; slo?: string }): string {
  if (!HEADER.test(doc)) throw new Error('a runbook needs a header line starting with **Severity:**');
  const slo = a.slo ? ` · **SLO:** \`${a.slo}\` (${sloTitle(c, a.slo)})` : '';
  const header = `**Severity:** ${a.severity}${slo} · [SLO dashboard](${dashboardUrl(c)}) · [docs/slo.md](../slo.md)`;
  return doc.replace(HEADER, header);
}

/**
 * The runbook as a Grafana dashboard (a markdown text panel), so that the alert's
 * runbook_url opens from PagerDuty or Slack where the dashboard is. Links to other runbooks
 * point at their dashboards; other repository links keep only their text.
 */
export function runbookDashboard(c: SloConfig, alert: string, markdown: string): Record<string, unknown> {
  const content = markdown
    .replace(/\]\((Folio\w+)\.md\)/g, (_m, other: string) => `](${runbookUrl(c, other)})`)
    .replace(/\[([^\]]+)\]\((?!https?:)[^)]*\)/g, '$1');
  const lines = content.split('\n').length;
  return {
    uid: runbookUid(alert),
    title: `Runbook: ${alert}`,
    description: `Generated from docs/runbooks/${alert}.md by observability/generate.ts; edit that, not this file.`,
    tags: ['folio', 'runbook'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: false,
    time: { from: 'now-6h', to: 'now' },
    templating: { list: [] },
    annotations: { list: [] },
    links: [{ title: 'Folio SLO dashboard', type: 'link', url: dashboardUrl(c), targetBlank: false }],
    panels: [
      {
        id: 1,
        type: 'text',
        title: '',
        gridPos: { x: 0, y: 0, w: 24, h: Math.min(80, Math.ceil(lines * 0.8) + 2) },
        options: { mode: 'markdown', content },
      },
    ],
  };
}

/** Runbook files that exist, by alert; a missing one is reported by the runbook test, not here. */
export function runbooks(c: SloConfig): { alert: string; severity: string; slo?: string; text: string }[] {
  return alertsOf(c)
    .filter((a) => fs.existsSync(runbookFile(a.alert)))
    .map((a) => ({ ...a, text: fs.readFileSync(runbookFile(a.alert), 'utf8') }));
}
