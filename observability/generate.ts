// Writes every file derived from observability/slo.yml: `npx tsx observability/generate.ts`.
// `--check` writes nothing and exits 1 when a committed file differs from what it would write.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { loadSloConfig, OBSERVABILITY_DIR, REPO_ROOT, type SloConfig } from './slo/config.js';
import { sloDashboard } from './slo/dashboard.js';
import { withSloTables } from './slo/docs-table.js';
import { ruleFiles } from './slo/rules.js';
import { runbookDashboard, runbookFile, runbooks, withRunbookHeader } from './slo/runbooks.js';

const HEADER = '# Generated from observability/slo.yml by observability/generate.ts; edit those, not this file.\n';
export const RULES_DIR = path.join(OBSERVABILITY_DIR, 'prometheus/rules');
export const DASHBOARD_FILE = path.join(OBSERVABILITY_DIR, 'grafana/dashboards/folio-slo.json');
export const RUNBOOK_DASHBOARD_DIR = path.join(OBSERVABILITY_DIR, 'grafana/dashboards/runbooks');
export const SLO_DOC = path.join(REPO_ROOT, 'docs/slo.md');

/** Absolute path -> the exact content the generator gives it. */
export function generatedFiles(c: SloConfig = loadSloConfig()): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of ruleFiles(c)) {
    out.set(path.join(RULES_DIR, f.name), HEADER + YAML.stringify({ groups: f.groups }, { lineWidth: 0 }));
  }
  out.set(DASHBOARD_FILE, `${JSON.stringify(sloDashboard(c), null, 2)}\n`);
  out.set(SLO_DOC, withSloTables(fs.readFileSync(SLO_DOC, 'utf8'), c));
  for (const r of runbooks(c)) {
    const text = withRunbookHeader(r.text, c, r);
    out.set(runbookFile(r.alert), text);
    out.set(
      path.join(RUNBOOK_DASHBOARD_DIR, `${r.alert}.json`),
      `${JSON.stringify(runbookDashboard(c, r.alert, text), null, 2)}\n`,
    );
  }
  return out;
}

/** Generated files whose committed content is missing or different. */
export function staleFiles(files = generatedFiles()): string[] {
  return [...files]
    .filter(([file, content]) => !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== content)
    .map(([file]) => file);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = generatedFiles();
  if (process.argv.includes('--check')) {
    const stale = staleFiles(files);
    for (const f of stale) console.error(`out of date: ${path.relative(REPO_ROOT, f)}`);
    process.exitCode = stale.length ? 1 : 0;
  } else {
    for (const [file, content] of files) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
    }
  }
}
