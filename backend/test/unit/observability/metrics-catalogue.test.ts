import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRIC_CATALOGUE, type MetricDefinition } from '../../../src/observability/metrics-catalogue.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../docs/metrics.md');

interface DocumentedMetric {
  name: string;
  type: string;
  labels: string[];
  buckets: number[] | null;
}

/** The rows of the tables of docs/metrics.md that name metrics (a row may name two). */
function documented(): DocumentedMetric[] {
  const rows = fs
    .readFileSync(DOC, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('| `folio_'));
  return rows.flatMap((row) => {
    const [names = '', type = '', labels = '', meaning = ''] = row.split('|').slice(1, 5);
    const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const buckets = /Buckets: ([\d. ]+)/.exec(meaning)?.[1]?.trim().split(' ').map(Number) ?? null;
    return ticked(names).map((name) => ({ name, type: type.trim(), labels: ticked(labels), buckets }));
  });
}

describe('metric catalogue and docs/metrics.md', () => {
  const docs = documented();
  const byName = new Map(docs.map((d) => [d.name, d]));

  it('declares each metric name once', () => {
    const names = METRIC_CATALOGUE.map((d) => d.name);
    assert.deepEqual(names, [...new Set(names)]);
    assert.deepEqual(
      docs.map((d) => d.name),
      [...new Set(docs.map((d) => d.name))],
    );
  });

  it('documents every catalogued metric with its type, labels and buckets', () => {
    const problems = METRIC_CATALOGUE.flatMap((d: MetricDefinition) => {
      const doc = byName.get(d.name);
      if (!doc) return [`${d.name} is not in docs/metrics.md`];
      const out: string[] = [];
      if (doc.type !== d.type) out.push(`${d.name}: documented as ${doc.type}, declared ${d.type}`);
      if (doc.labels.join() !== d.labels.join())
        out.push(`${d.name}: documented labels ${doc.labels.join()}, declared ${d.labels.join()}`);
      if (d.type === 'histogram' && doc.buckets?.join() !== d.buckets?.join())
        out.push(`${d.name}: documented buckets ${doc.buckets?.join(' ')}, declared ${d.buckets?.join(' ')}`);
      return out;
    });
    assert.deepEqual(problems, []);
  });

  it('documents no metric the catalogue lacks (prom-client process metrics aside)', () => {
    const declared = new Set(METRIC_CATALOGUE.map((d) => d.name));
    const extra = docs.map((d) => d.name).filter((n) => !declared.has(n) && !n.endsWith('*'));
    assert.deepEqual(extra, []);
  });
});
