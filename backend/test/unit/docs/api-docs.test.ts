import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WARNING_CODES } from '../../../src/domain/warnings.js';
import { openApiDocument } from '../../../src/http/openapi.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../docs/api.md');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** `/v1/portfolios/:id` as OpenAPI writes it: `/v1/portfolios/{id}`. */
const openApiPath = (p: string) => p.replace(/:([A-Za-z_]+)/g, '{$1}');

const docLines = () => fs.readFileSync(DOC, 'utf8').split('\n');

/** The lines under a heading of docs/api.md (`## Endpoints`), up to the next heading of its level or above. */
function section(heading: string): string[] {
  const lines = docLines();
  const level = heading.indexOf(' ');
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `docs/api.md has a "${heading}" heading`);
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(' ') <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The cells of the table rows of a section (header and separator rows left out). */
const rows = (lines: string[]) =>
  lines
    .filter((l) => l.startsWith('| ') && !l.startsWith('|---'))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );

/** Every operation of the OpenAPI document as `METHOD /path`, with whether it needs a key. */
function operations(): Map<string, boolean> {
  const ops = new Map<string, boolean>();
  for (const [p, item] of Object.entries(openApiDocument().paths)) {
    for (const [method, op] of Object.entries(item as Record<string, { security?: unknown[] }>)) {
      ops.set(`${method.toUpperCase()} ${p}`, op.security === undefined || op.security.length > 0);
    }
  }
  return ops;
}

describe('docs/api.md and the OpenAPI document', () => {
  const table = rows(section('## Endpoints'))
    .filter(([method]) => METHODS.includes(method!))
    .map(([method, p, auth]) => ({ op: `${method} ${openApiPath(p!.replace(/`/g, ''))}`, auth: auth! }));
  const ops = operations();

  it('lists every endpoint of the OpenAPI document in the Endpoints table, and no other', () => {
    const documented = table.map((r) => r.op);
    assert.deepEqual(documented, [...new Set(documented)], 'each endpoint is listed once');
    const undocumented = [...ops.keys()].filter((op) => !documented.includes(op));
    const unknown = documented.filter((op) => !ops.has(op));
    assert.deepEqual(
      { 'in openapi.ts, not in docs/api.md': undocumented, 'in docs/api.md, not in openapi.ts': unknown },
      { 'in openapi.ts, not in docs/api.md': [], 'in docs/api.md, not in openapi.ts': [] },
    );
  });

  it('says which endpoints need a key as the OpenAPI document does', () => {
    const differ = table
      .filter((r) => ops.has(r.op) && (r.auth === 'key') !== ops.get(r.op))
      .map((r) => `${r.op}: docs say auth "${r.auth}"`);
    assert.deepEqual(differ, []);
  });

  it('describes under "### METHOD /path" headings only endpoints that exist', () => {
    const headings = docLines().flatMap((l) => {
      const m = /^#+ ([A-Z]+) (\/\S*)$/.exec(l);
      return m ? [`${m[1]} ${openApiPath(m[2]!)}`] : [];
    });
    assert.ok(headings.length > 0, 'docs/api.md has endpoint headings');
    assert.deepEqual(
      headings.filter((op) => !ops.has(op)),
      [],
    );
  });
});

describe('docs/api.md warnings table and the warning catalogue', () => {
  it('lists exactly the codes warnings are typed with (backend/src/domain/warnings.ts), once each', () => {
    const documented = rows(section('### Warnings')).flatMap(([codes]) =>
      [...codes!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!),
    );
    assert.deepEqual(documented, [...new Set(documented)], 'each code is listed once');
    assert.deepEqual(
      {
        'emitted, not in docs/api.md': WARNING_CODES.filter((c) => !documented.includes(c)),
        'in docs/api.md, never emitted': documented.filter((c) => !(WARNING_CODES as readonly string[]).includes(c)),
      },
      { 'emitted, not in docs/api.md': [], 'in docs/api.md, never emitted': [] },
    );
  });
});
