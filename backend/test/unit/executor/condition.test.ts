import assert from 'node:assert/strict';
import { compileCondition, ConditionSyntaxError } from '../../../src/executor/condition.js';
import { valueAtPath, type Ref } from '../../../src/executor/template.js';

const scope: Record<string, unknown> = {
  inputs: { include_performance: true, top_n: 10, currency: 'USD', empty: '', zero: 0 },
  positions: { items: [{ symbol: 'AAPL' }], total: 1, copy: { a: [1, 2] }, same: { a: [1, 2] } },
};
const lookup = (ref: Ref) => valueAtPath(scope[ref.root], ref.path);
const run = (src: string) => compileCondition(src).evaluate(lookup);

function syntaxError(src: string): ConditionSyntaxError {
  try {
    compileCondition(src);
  } catch (e) {
    assert.ok(e instanceof ConditionSyntaxError, `expected a ConditionSyntaxError for ${src}, got ${e}`);
    return e;
  }
  assert.fail(`"${src}" should not parse`);
}

describe('executor/condition', () => {
  it('evaluates the example from the design', () => {
    assert.equal(run('{{inputs.include_performance}} == true'), true);
    assert.equal(run('{{inputs.include_performance}} == false'), false);
  });

  it('binds && tighter than ||, comparison tighter than &&, and ! tightest', () => {
    assert.equal(run('true || false && false'), true);
    assert.equal(run('(true || false) && false'), false);
    assert.equal(run('1 == 1 && 2 == 3'), false);
    assert.equal(run('!false == true'), true);
    assert.equal(run('!(1 == 2)'), true);
    assert.equal(run('!!{{inputs.top_n}}'), true);
  });

  it('compares strings in either quote style, with escapes', () => {
    assert.equal(run(`{{inputs.currency}} == 'USD'`), true);
    assert.equal(run(`{{inputs.currency}} != "USD"`), false);
    assert.equal(run(`'it\\'s' == "it's"`), true);
    assert.equal(run(`'a\\\\b' == "a\\\\b"`), true);
    assert.equal(run(`'apple' < 'banana'`), true);
  });

  it('orders numbers and treats mixed types as unordered and unequal, without coercion', () => {
    assert.equal(run('{{inputs.top_n}} >= 10'), true);
    assert.equal(run('{{inputs.top_n}} < 10.5'), true);
    assert.equal(run('-1 < 0'), true);
    assert.equal(run('1e3 == 1000'), true);
    assert.equal(run(`{{inputs.top_n}} == '10'`), false);
    assert.equal(run(`{{inputs.top_n}} < '20'`), false);
    assert.equal(run(`{{inputs.top_n}} >= '1'`), false);
    assert.equal(run('null < 1'), false);
    assert.equal(run('0 == false'), false);
  });

  it('treats a missing reference as null', () => {
    assert.equal(run('{{positions.nope}} == null'), true);
    assert.equal(run('{{inputs.missing}} != null'), false);
    assert.equal(run('null == null'), true);
  });

  it('tests a bare reference for truthiness', () => {
    assert.equal(run('{{inputs.include_performance}}'), true);
    assert.equal(run('{{positions.items}}'), true);
    assert.equal(run('{{inputs.empty}}'), false);
    assert.equal(run('{{inputs.zero}}'), false);
    assert.equal(run('{{positions.nope}}'), false);
    assert.equal(run('!{{positions.nope}}'), true);
  });

  it('compares objects and arrays by content', () => {
    assert.equal(run('{{positions.copy}} == {{positions.same}}'), true);
    assert.equal(run('{{positions.copy}} == {{positions.items}}'), false);
  });

  it('lists its references for dependency analysis', () => {
    const c = compileCondition('{{inputs.top_n}} > 3 && ({{positions.total}} > 0 || {{ctx.asof_date}} > "2020-01-01")');
    assert.deepEqual(
      c.refs.map((r) => r.text),
      ['inputs.top_n', 'positions.total', 'ctx.asof_date'],
    );
  });

  it('reports parse errors with the column', () => {
    const cases: Array<[string, number, RegExp]> = [
      ['{{inputs.top_n}} = 1', 18, /unexpected character "=" \(use == to compare\)/],
      ['true & false', 6, /use &&/],
      ['(true', 6, /expected "\)" but found the end/],
      ['true true', 6, /expected an operator/],
      ['1 < 2 < 3', 7, /cannot be chained/],
      ['', 1, /expected a value/],
      ['1 ==', 5, /expected a value/],
      ["'open", 1, /unterminated string/],
      ["'\\n'", 2, /unsupported escape/],
      ['{{inputs.top_n', 1, /unterminated \{\{/],
      ['{{inputs..x}} == 1', 1, /is not a reference/],
      ['12abc == 1', 1, /malformed number/],
    ];
    for (const [src, column, message] of cases) {
      const e = syntaxError(src);
      assert.equal(e.column, column, `column for ${JSON.stringify(src)}: ${e.message}`);
      assert.match(e.message, message);
      assert.match(e.message, new RegExp(`at column ${column}$`));
    }
  });

  it('rejects anything that looks like code rather than evaluating it', () => {
    assert.match(syntaxError('constructor').message, /unknown word "constructor"/);
    assert.match(syntaxError('process.exit()').message, /unknown word "process" .* at column 1/);
    assert.match(syntaxError('{{inputs}}.constructor').message, /unexpected character "\." at column 11/);
    assert.match(syntaxError('this').message, /unknown word "this"/);
    assert.match(syntaxError('`x`').message, /unexpected character "`"/);
    assert.match(syntaxError('1; globalThis.x = 1').message, /unexpected character ";"/);
  });

  it('never follows prototype properties through references', () => {
    assert.equal(run('{{positions.constructor}} == null'), true);
    assert.equal(run('{{inputs.__proto__}} == null'), true);
  });
});
