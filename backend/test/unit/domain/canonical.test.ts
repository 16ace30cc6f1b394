import assert from 'node:assert/strict';
import { canonicalJson, hashCanonical, sha256Hex } from '../../../src/domain/canonical.js';

describe('domain/canonical canonicalJson', () => {
  it('sorts object keys and writes no whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: 2, c: 'x' }), '{"a":2,"b":1,"c":"x"}');
    assert.equal(canonicalJson({}), '{}');
    assert.equal(canonicalJson([]), '[]');
  });

  it('sorts keys by code unit, upper case before lower case, and integer-like keys as text', () => {
    assert.equal(canonicalJson({ b: 1, B: 2, a: 3 }), '{"B":2,"a":3,"b":1}');
    // Object.keys lists integer keys numerically (9 before 10); canonical order is textual.
    assert.equal(canonicalJson({ 9: 'nine', 10: 'ten', a: 'a' }), '{"10":"ten","9":"nine","a":"a"}');
  });

  it('sorts objects of every size as Array.prototype.sort orders their keys', () => {
    // A fixed-seed generator: the same 400 objects on every run.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = ['a', 'b', 'B', '_', '0', '9', 'é', 'Ω', '\u{1F600}', '~'];
    for (let n = 0; n < 400; n++) {
      const size = Math.floor(next() * 80);
      const entries = Array.from({ length: size }, (_, i) => {
        const length = 1 + Math.floor(next() * 4);
        const key =
          Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('') +
          (i % 3 ? '' : String(i));
        return [key, i] as const;
      });
      const value = Object.fromEntries(entries);
      const expected = `{${Object.keys(value)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${value[k]}`)
        .join(',')}}`;
      assert.equal(canonicalJson(value), expected, `object ${n} with ${Object.keys(value).length} keys`);
    }
  });

  it('sorts nested objects, including objects inside arrays', () => {
    const value = { z: { y: 1, x: [{ d: 1, c: 2 }, 'e'] }, a: null };
    assert.equal(canonicalJson(value), '{"a":null,"z":{"x":[{"c":2,"d":1},"e"],"y":1}}');
  });

  it('gives the same bytes for equal values built in a different order', () => {
    const one = { pack: 'PP_2025-10-24', inputs: { top_n: 10, portfolio_id: 'pf_1' } };
    const two = { inputs: { portfolio_id: 'pf_1', top_n: 10 }, pack: 'PP_2025-10-24' };
    assert.equal(canonicalJson(one), canonicalJson(two));
    assert.equal(hashCanonical(one), hashCanonical(two));
  });

  it('keeps array order: arrays are sequences, not sets', () => {
    assert.equal(canonicalJson([3, 1, 2]), '[3,1,2]');
    assert.notEqual(hashCanonical([1, 2]), hashCanonical([2, 1]));
  });

  it('writes -0 as 0 wherever it appears', () => {
    assert.equal(canonicalJson(-0), '0');
    assert.equal(canonicalJson({ a: -0, b: [-0, 0] }), '{"a":0,"b":[0,0]}');
    assert.equal(hashCanonical({ pnl: -0 }), hashCanonical({ pnl: 0 }));
  });

  it('drops undefined members but writes undefined array slots as null, as JSON does', () => {
    assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
    assert.equal(canonicalJson({ a: undefined }), '{}');
    assert.equal(hashCanonical({ a: 1, note: undefined }), hashCanonical({ a: 1 }));
    assert.equal(canonicalJson([undefined, 1]), '[null,1]');
    assert.equal(canonicalJson({ a: null }), '{"a":null}', 'null is a value and is kept');
  });

  it('refuses non-finite numbers, wherever they are, instead of writing null', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      assert.throws(() => canonicalJson(bad), TypeError);
      assert.throws(() => canonicalJson({ ok: 1, nested: { list: [1, bad] } }), TypeError);
    }
  });

  it('refuses values JSON has no form for', () => {
    assert.throws(() => canonicalJson(10n), TypeError);
    assert.throws(() => canonicalJson({ f: () => 1 }), TypeError);
    assert.throws(() => canonicalJson(Symbol('s')), TypeError);
  });

  it('writes numbers, strings, booleans and dates as JSON does', () => {
    assert.equal(canonicalJson([1.5, 0.1 + 0.2, 1e21, -7, 1e-7]), '[1.5,0.30000000000000004,1e+21,-7,1e-7]');
    assert.equal(canonicalJson({ 'a"b': 'é\n\u0001' }), '{"a\\"b":"é\\n\\u0001"}');
    assert.equal(canonicalJson([true, false, null]), '[true,false,null]');
    assert.equal(canonicalJson({ at: new Date('2025-10-24T16:00:00Z') }), '{"at":"2025-10-24T16:00:00.000Z"}');
  });

  it('writes every string, as a value and as a key, exactly as JSON.stringify does', () => {
    const samples = [
      '',
      'plain',
      'é ü 日本',
      'tab\there',
      'quote " and \\ backslash',
      '\u2028\u2029',
      '😀 pair',
      '\ud800 lone high',
      'lone low \udc00',
      '\u007f\u0080',
    ];
    for (let c = 0; c < 0x80; c++) samples.push(`x${String.fromCharCode(c)}y`);
    for (const s of samples) {
      assert.equal(canonicalJson(s), JSON.stringify(s), JSON.stringify(s));
      assert.equal(canonicalJson({ [s]: s }), `{${JSON.stringify(s)}:${JSON.stringify(s)}}`, JSON.stringify(s));
    }
  });

  it('hashes with SHA-256 as lower-case hex', () => {
    assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(hashCanonical({}), '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a'); // sha256("{}")
    assert.equal(hashCanonical({ b: 2, a: 1 }), sha256Hex('{"a":1,"b":2}'));
  });
});
