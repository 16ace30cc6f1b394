import assert from 'node:assert/strict';
import {
  parseTemplate,
  resolveTemplates,
  templateRefs,
  TemplateSyntaxError,
  valueAtPath,
  type Ref,
} from '../../../src/executor/template.js';

const scope: Record<string, unknown> = {
  inputs: { portfolio_id: 'p1', top_n: 10, include: true },
  positions: { items: [{ symbol: 'AAPL' }, { symbol: 'MSFT' }], total: 2 },
};
const lookup = (ref: Ref) => valueAtPath(scope[ref.root], ref.path);

describe('executor/template', () => {
  it('recognises whole-string templates and leaves plain strings alone', () => {
    assert.deepEqual(parseTemplate('{{inputs.portfolio_id}}'), {
      root: 'inputs',
      path: ['portfolio_id'],
      text: 'inputs.portfolio_id',
    });
    assert.deepEqual(parseTemplate('{{ positions }}'), { root: 'positions', path: [], text: 'positions' });
    assert.equal(parseTemplate('just text }}'), null);
  });

  it('rejects strings that mix a template with other text or hold a malformed reference', () => {
    assert.throws(() => parseTemplate('id-{{inputs.portfolio_id}}'), TemplateSyntaxError);
    assert.throws(() => parseTemplate('{{inputs.a}}{{inputs.b}}'), /must be the whole string/);
    assert.throws(() => parseTemplate('{{inputs.a-b}}'), /is not a reference/);
    assert.throws(() => parseTemplate('{{}}'), /is not a reference/);
  });

  it('lists references anywhere in nested args, in document order', () => {
    const refs = templateRefs({
      a: '{{inputs.portfolio_id}}',
      nested: { list: ['plain', '{{positions.items.0}}', { deep: '{{ctx.asof_date}}' }], n: 3, b: true, z: null },
    });
    assert.deepEqual(
      refs.map((r) => r.text),
      ['inputs.portfolio_id', 'positions.items.0', 'ctx.asof_date'],
    );
  });

  it('rejects object keys that look like templates', () => {
    assert.throws(() => templateRefs({ '{{inputs.x}}': 1 }), /object key/);
  });

  it('resolves to the referenced value with its type, not a string', () => {
    const resolved = resolveTemplates(
      {
        n: '{{inputs.top_n}}',
        flag: '{{inputs.include}}',
        items: '{{positions.items}}',
        nested: ['{{positions.total}}', 'x'],
      },
      lookup,
    );
    assert.deepEqual(resolved, {
      n: 10,
      flag: true,
      items: [{ symbol: 'AAPL' }, { symbol: 'MSFT' }],
      nested: [2, 'x'],
    });
  });

  it('follows array indexes and resolves a missing path to null', () => {
    assert.deepEqual(
      resolveTemplates({ s: '{{positions.items.1.symbol}}', gone: '{{positions.nope.deeper}}' }, lookup),
      {
        s: 'MSFT',
        gone: null,
      },
    );
  });

  it('reads own properties only, so no path reaches a prototype', () => {
    assert.equal(resolveTemplates('{{positions.constructor}}', lookup), null);
    assert.equal(resolveTemplates('{{positions.__proto__}}', lookup), null);
    assert.equal(resolveTemplates('{{inputs.portfolio_id.length}}', lookup), null);
  });

  it('keeps a "__proto__" key in args as plain data', () => {
    const resolved = resolveTemplates(JSON.parse('{"__proto__": {"polluted": true}}'), lookup) as Record<
      string,
      unknown
    >;
    assert.equal(Object.getPrototypeOf(resolved), Object.prototype);
    assert.deepEqual(Object.keys(resolved), ['__proto__']);
  });
});
