import assert from 'node:assert/strict';
import { AppError } from '../../src/errors.js';
import { checkJsonInput, checkText, MAX_JSON_DEPTH, unstorable, utf8Text } from '../../src/validation.js';

const rejects = (fn: () => void, message: RegExp, details?: Record<string, unknown>) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AppError);
    assert.equal(e.code, 'invalid_request');
    assert.match(e.message, message);
    if (details) for (const [k, v] of Object.entries(details)) assert.deepEqual(e.details[k], v);
    return true;
  });

describe('the string rule (validation.ts)', () => {
  it('accepts what both databases store byte for byte, astral characters and controls included', () => {
    for (const s of ['', 'plain', '\u{1F4B6} \u20ac', '\ud83d\udcb6', '\u0001\u001f\u007f', '\u202e', "'; drop"]) {
      assert.equal(unstorable(s), null, JSON.stringify(s));
    }
  });

  it('names the first NUL or lone surrogate and where it is', () => {
    assert.deepEqual(unstorable('ab\u0000'), { index: 2, reason: 'contains a NUL character (U+0000)' });
    assert.deepEqual(unstorable('x\ud800y'), { index: 1, reason: 'contains a lone UTF-16 surrogate' });
    assert.deepEqual(unstorable('\udfff\u0000'), { index: 0, reason: 'contains a lone UTF-16 surrogate' });
    assert.equal(unstorable('\ud83d')?.index, 0, 'a high surrogate with no low one');
  });

  it('checks JSON keys, values, numbers and nesting, naming the field', () => {
    checkJsonInput({ a: [1, 'two', { b: null, c: true }] }, 'body');
    rejects(() => checkJsonInput({ a: [{ note: 'x\u0000' }] }, 'body'), /^body\.a\.0\.note contains a NUL/, {
      field: 'body.a.0.note',
    });
    rejects(() => checkJsonInput({ ['\ud800']: 1 }, 'body'), /a key in body contains a lone UTF-16 surrogate/);
    rejects(() => checkJsonInput({ n: Infinity }, 'body'), /body\.n is a number out of range/);
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH; i++) deep = [deep];
    checkJsonInput(deep, 'body');
    rejects(() => checkJsonInput([deep], 'body'), /nests deeper than 32 levels/, { max_depth: 32 });
    let veryDeep: unknown = 1;
    for (let i = 0; i < 1_000_000; i++) veryDeep = [veryDeep];
    rejects(() => checkJsonInput(veryDeep, 'body'), /nests deeper/);
  });

  it('names the line of an uploaded text and refuses bytes that are not UTF-8', () => {
    checkText('a\nb\n', 'the CSV');
    rejects(() => checkText('h\nok\nbad\u0000\n', 'the CSV'), /^the CSV line 3 contains a NUL/, { line: 3 });
    assert.equal(utf8Text(Buffer.from('caf\u00e9'), 'f.csv'), 'caf\u00e9');
    rejects(() => utf8Text(Buffer.from([0x63, 0xe9]), 'f.csv'), /f\.csv is not valid UTF-8/);
    rejects(() => utf8Text(Buffer.from([0xed, 0xa0, 0x80]), 'f.csv'), /not valid UTF-8/);
  });
});
