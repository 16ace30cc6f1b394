import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPattern, loadPatterns, PatternLoadError } from '../../../src/executor/loader.js';
import type { Pattern } from '../../../src/executor/pattern.js';
import { cap, pattern, patternDir, registryOf } from './fixtures.js';

const registry = registryOf(cap('echo'), cap('ledger.positions'), cap('metrics.twr'));

const overview = (): Pattern =>
  pattern({
    id: 'overview',
    timeout_ms: 5000,
    inputs: {
      portfolio_id: { type: 'string', required: true },
      include_performance: { type: 'boolean', default: false },
    },
    steps: [
      {
        capability: 'ledger.positions',
        as: 'positions',
        args: { portfolio_id: '{{inputs.portfolio_id}}', asof: '{{ctx.asof_date}}' },
      },
      {
        capability: 'metrics.twr',
        as: 'perf',
        args: { series: '{{positions.items.0}}', pack: '{{ctx.pricing_pack_id}}', literal: ['a', { n: 1 }] },
        when: '{{inputs.include_performance}} == true && {{positions.total}} > 0',
      },
    ],
    outputs: ['positions', 'perf'],
  });

/** Loads a one-pattern directory and returns the error message, asserting it names the file. */
function loadError(doc: unknown, file = 'overview.json', extra: Record<string, unknown> = {}): string {
  const dir = patternDir({ [file]: doc, ...extra });
  try {
    loadPatterns(dir, registry);
  } catch (e) {
    assert.ok(e instanceof PatternLoadError, `expected PatternLoadError, got ${e}`);
    assert.ok(e.message.startsWith(`${e.file}: `), e.message);
    assert.equal(path.dirname(e.file), dir);
    return e.message;
  }
  assert.fail('the pattern should not load');
}

function withStep(step: Record<string, unknown>, index = 1): Pattern {
  const p = overview();
  p.steps[index] = { ...p.steps[index]!, ...step };
  return p;
}

describe('executor/loader', () => {
  it('loads every pattern keyed by id, frozen, skipping schema files', () => {
    const dir = patternDir({
      'overview.json': overview(),
      'other.json': pattern({ id: 'other' }),
      'pattern.schema.json': { not: 'a pattern' },
      'notes.txt': 'ignored',
    });
    const patterns = loadPatterns(dir, registry);
    assert.deepEqual([...patterns.keys()], ['other', 'overview']);
    const loaded = patterns.get('overview')!;
    assert.deepEqual(loaded, overview());
    assert.ok(Object.isFrozen(loaded) && Object.isFrozen(loaded.steps[1]!.args!.literal));
  });

  it('loads a single file', () => {
    const dir = patternDir({ 'overview.json': overview() });
    assert.equal(loadPattern(path.join(dir, 'overview.json'), registry).id, 'overview');
  });

  it('loads the shipped patterns', () => {
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/patterns');
    const docs = readdirSync(dir)
      .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
      .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Pattern);
    const names = new Set(docs.flatMap((d) => d.steps.map((s) => s.capability)));
    const patterns = loadPatterns(dir, registryOf(...[...names].map((n) => cap(n))));
    assert.deepEqual([...patterns.keys()].sort(), docs.map((d) => d.id).sort());
  });

  it('reports invalid JSON', () => {
    assert.match(loadError('{"id": "overview",'), /overview\.json: invalid JSON: /);
  });

  it('reports schema violations with the instance path', () => {
    const { outputs: _o, ...noOutputs } = overview();
    assert.match(loadError(noOutputs), /overview\.json: schema: \(root\) must have required property 'outputs'/);
    assert.match(
      loadError({ ...overview(), author: 'x' }),
      /schema: \(root\) must NOT have additional properties \("author"\)/,
    );
    assert.match(loadError(withStep({ cap: 'x' })), /schema: \/steps\/1 must NOT have additional properties \("cap"\)/);
    assert.match(loadError({ ...overview(), version: '1.0' }), /schema: \/version must match pattern/);
    assert.match(loadError(withStep({ as: 'inputs' })), /schema: \/steps\/1\/as must match pattern/);
    const badType = overview();
    badType.inputs.portfolio_id = { type: 'text' as never };
    assert.match(
      loadError(badType),
      /schema: \/inputs\/portfolio_id\/type must be equal to one of the allowed values: "string", "integer"/,
    );
    const badName = overview();
    badName.inputs['Bad-Name'] = { type: 'string' };
    assert.match(loadError(badName), /schema: \/inputs .*\(property name "Bad-Name"\)/);
    assert.match(loadError({ ...overview(), timeout_ms: 0 }), /schema: \/timeout_ms must be >= 1/);
    assert.match(loadError({ ...overview(), steps: [] }), /schema: \/steps must NOT have fewer than 1 items/);
  });

  it('requires the file name to be <id>.json', () => {
    assert.match(loadError(overview(), 'overview_v2.json'), /overview_v2\.json: file name must be overview\.json/);
  });

  it('rejects two files with the same id', () => {
    const message = loadError(overview(), 'overview.json', { 'zz_copy.json': overview() });
    assert.match(message, /zz_copy\.json: duplicate pattern id "overview" \(also in .*overview\.json\)/);
  });

  it('rejects duplicate step names', () => {
    assert.match(
      loadError(withStep({ as: 'positions' })),
      /overview\.json: step "positions": duplicate step name \(steps 0 and 1\)/,
    );
  });

  it('rejects unknown capabilities', () => {
    assert.match(
      loadError(withStep({ capability: 'metrics.nope' })),
      /overview\.json: step "perf": unknown capability "metrics\.nope"/,
    );
  });

  it('rejects inadmissible input declarations', () => {
    const p = overview();
    p.inputs.include_performance = { type: 'boolean', default: 'yes' };
    assert.match(loadError(p), /overview\.json: inputs\.include_performance: default "yes" must be true or false/);
  });

  it('rejects references that are not a declared input, a pure ctx field or an earlier step', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { args: { x: '{{inputs.nope}}' } },
        /step "perf": \{\{inputs\.nope\}\} refers to input "nope", which the pattern does not declare/,
      ],
      [{ args: { x: '{{inputs}}' } }, /\{\{inputs\}\} must name exactly one input/],
      [{ args: { x: '{{inputs.portfolio_id.length}}' } }, /must name exactly one input/],
      [
        { args: { x: '{{ctx.request_id}}' } },
        /\{\{ctx\.request_id\}\} is not allowed; templates may read only ctx\.asof_date, ctx\.ledger_commit_hash, ctx\.pricing_pack_id/,
      ],
      [{ args: { x: '{{ctx.user.id}}' } }, /\{\{ctx\.user\.id\}\} is not allowed/],
      [{ args: { x: '{{ctx.trace_id}}' } }, /is not allowed/],
      [{ args: { x: '{{ctx}}' } }, /\{\{ctx\}\} is not allowed/],
      [{ args: { x: '{{perf}}' } }, /\{\{perf\}\} refers to step "perf", which does not come before this step/],
      [
        { args: { x: { deep: ['{{history.values}}'] } } },
        /\{\{history\.values\}\} refers to "history", which is not inputs, ctx or an earlier step/,
      ],
      [{ when: '{{ctx.user}} != null' }, /step "perf": \{\{ctx\.user\}\} is not allowed/],
      [{ when: '{{later}} == 1' }, /refers to "later", which is not inputs, ctx or an earlier step/],
    ];
    for (const [step, message] of cases) assert.match(loadError(withStep(step)), message);
    const forward = overview();
    forward.steps[0]!.args = { x: '{{perf.value}}' };
    assert.match(
      loadError(forward),
      /step "positions": \{\{perf\.value\}\} refers to step "perf", which does not come before this step/,
    );
  });

  it('rejects strings that contain {{ without being a whole template', () => {
    assert.match(
      loadError(withStep({ args: { x: 'id: {{inputs.portfolio_id}}' } })),
      /step "perf": "id: \{\{inputs\.portfolio_id\}\}" mixes a template/,
    );
    assert.match(
      loadError(withStep({ args: { x: ['{{inputs.a}}{{inputs.b}}'] } })),
      /mixes a template with other text/,
    );
  });

  it('rejects conditions that do not parse', () => {
    assert.match(
      loadError(withStep({ when: '{{inputs.include_performance}} = true' })),
      /overview\.json: step "perf" when "\{\{inputs\.include_performance\}\} = true": unexpected character "=" \(use == to compare\) at column 32/,
    );
  });

  it('rejects outputs that name no step', () => {
    assert.match(
      loadError({ ...overview(), outputs: ['positions', 'history'] }),
      /overview\.json: outputs: "history" names no step/,
    );
  });

  it('reports a missing directory', () => {
    assert.throws(
      () => loadPatterns('/nonexistent/patterns', registry),
      /\/nonexistent\/patterns: cannot read the pattern directory/,
    );
  });
});
