import assert from 'node:assert/strict';
import { AppError } from '../../../src/errors.js';
import { inputSpecProblem, resolveInputs } from '../../../src/executor/inputs.js';
import { pattern } from './fixtures.js';

const p = pattern({
  inputs: {
    portfolio_id: { type: 'string', required: true, maxLength: 8 },
    top_n: { type: 'integer', default: 10, minimum: 1, maximum: 50 },
    weight: { type: 'number', minimum: 0, maximum: 1 },
    include_performance: { type: 'boolean', default: false },
    start: { type: 'date' },
    method: { type: 'string', enum: ['fifo', 'average'], default: 'fifo' },
  },
});

function rejects(raw: unknown, input: string | undefined, message: RegExp): void {
  assert.throws(
    () => resolveInputs(p, raw),
    (e: unknown) => {
      assert.ok(e instanceof AppError);
      assert.equal(e.code, 'invalid_request');
      assert.match(e.message, message);
      assert.deepEqual(e.details, input === undefined ? {} : { input });
      return true;
    },
  );
}

describe('executor/inputs', () => {
  it('applies defaults, leaves absent optional inputs out and sorts the keys', () => {
    const resolved = resolveInputs(p, { weight: 0.5, portfolio_id: 'p1' });
    assert.deepEqual(resolved, {
      include_performance: false,
      method: 'fifo',
      portfolio_id: 'p1',
      top_n: 10,
      weight: 0.5,
    });
    assert.deepEqual(Object.keys(resolved), ['include_performance', 'method', 'portfolio_id', 'top_n', 'weight']);
  });

  it('keeps given values over defaults and treats null as not given', () => {
    assert.deepEqual(resolveInputs(p, { portfolio_id: 'p1', top_n: 3, method: null, start: '2024-02-29' }), {
      include_performance: false,
      method: 'fifo',
      portfolio_id: 'p1',
      start: '2024-02-29',
      top_n: 3,
    });
  });

  it('requires a plain object', () => {
    for (const raw of [null, [], 'x', 5, new Date()]) rejects(raw, undefined, /inputs must be a JSON object/);
  });

  it('rejects unknown inputs and lists the accepted ones', () => {
    rejects(
      { portfolio_id: 'p1', topn: 3 },
      'topn',
      /unknown input "topn"; pattern demo accepts: include_performance, method, portfolio_id, start, top_n, weight/,
    );
    rejects(JSON.parse('{"portfolio_id": "p1", "__proto__": 1}'), '__proto__', /unknown input "__proto__"/);
  });

  it('rejects a missing required input', () => {
    rejects({}, 'portfolio_id', /missing required input "portfolio_id"/);
    rejects({ portfolio_id: null }, 'portfolio_id', /missing required input "portfolio_id"/);
  });

  it('checks types strictly, without coercion', () => {
    rejects({ portfolio_id: 5 }, 'portfolio_id', /input "portfolio_id" must be a string/);
    rejects({ portfolio_id: 'p1', top_n: '5' }, 'top_n', /input "top_n" must be an integer/);
    rejects({ portfolio_id: 'p1', top_n: 5.5 }, 'top_n', /must be an integer/);
    rejects({ portfolio_id: 'p1', weight: '0.5' }, 'weight', /input "weight" must be a number/);
    rejects({ portfolio_id: 'p1', weight: Infinity }, 'weight', /must be a number/);
    rejects({ portfolio_id: 'p1', include_performance: 'true' }, 'include_performance', /must be true or false/);
  });

  it('accepts only real calendar dates written YYYY-MM-DD', () => {
    for (const bad of ['2025-02-30', '2025-13-01', '2025-2-3', '20250101', '2025-01-01T00:00:00Z', 20250101]) {
      rejects({ portfolio_id: 'p1', start: bad }, 'start', /input "start" must be a calendar date written YYYY-MM-DD/);
    }
  });

  it('enforces ranges, enums and maxLength', () => {
    rejects({ portfolio_id: 'p1', top_n: 0 }, 'top_n', /input "top_n" must be at least 1/);
    rejects({ portfolio_id: 'p1', top_n: 51 }, 'top_n', /input "top_n" must be at most 50/);
    rejects({ portfolio_id: 'p1', weight: -0.1 }, 'weight', /must be at least 0/);
    rejects({ portfolio_id: 'p1', method: 'lifo' }, 'method', /input "method" must be one of "fifo", "average"/);
    rejects({ portfolio_id: '123456789' }, 'portfolio_id', /input "portfolio_id" must be at most 8 characters/);
    assert.equal(resolveInputs(p, { portfolio_id: '€€€€€€€€' }).portfolio_id, '€€€€€€€€');
  });

  it('finds declarations that can never work', () => {
    assert.equal(inputSpecProblem({ type: 'integer', default: 3, minimum: 1, maximum: 5 }), null);
    assert.match(
      inputSpecProblem({ type: 'string', minimum: 1 })!,
      /minimum and maximum apply only to integer and number/,
    );
    assert.match(inputSpecProblem({ type: 'integer', maxLength: 3 })!, /maxLength applies only to string/);
    assert.match(inputSpecProblem({ type: 'number', minimum: 5, maximum: 1 })!, /minimum 5 is greater than maximum 1/);
    assert.match(
      inputSpecProblem({ type: 'string', required: true, default: 'x' })!,
      /required input cannot have a default/,
    );
    assert.match(inputSpecProblem({ type: 'integer', default: 'ten' })!, /default "ten" must be an integer/);
    assert.match(inputSpecProblem({ type: 'integer', default: 0, minimum: 1 })!, /default 0 must be at least 1/);
    assert.match(inputSpecProblem({ type: 'string', enum: ['a'], default: 'b' })!, /default "b" must be one of "a"/);
    assert.match(
      inputSpecProblem({ type: 'date', enum: ['2025-02-30'] })!,
      /enum value "2025-02-30" must be a calendar date/,
    );
  });
});
