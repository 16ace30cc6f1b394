import assert from 'node:assert/strict';
import { money, MONEY_DIGITS, round, weight, WEIGHT_DIGITS } from '../../../src/domain/number.js';

describe('domain/number round', () => {
  it('rounds halves away from zero, for positive and negative values', () => {
    assert.equal(round(2.5, 0), 3);
    assert.equal(round(-2.5, 0), -3);
    assert.equal(round(0.125, 2), 0.13);
    assert.equal(round(-0.125, 2), -0.13);
    assert.equal(round(-123.5, 0), -124);
  });

  it('rounds below and above a half to the nearest value', () => {
    assert.equal(round(2.4999, 0), 2);
    assert.equal(round(-2.4999, 0), -2);
    assert.equal(round(1.0049999, 2), 1);
    assert.equal(round(1.0050001, 2), 1.01);
    assert.equal(round(123.456, 0), 123);
    assert.equal(round(-0.0151, 2), -0.02);
  });

  it('treats decimal halves stored just below the half (1.005 is 1.00499999…) as halves', () => {
    assert.equal(round(1.005, 2), 1.01);
    assert.equal(round(-1.005, 2), -1.01);
    assert.equal(round(1.255, 2), 1.26);
    assert.equal(round(2.675, 2), 2.68);
    assert.equal(round(1.45, 1), 1.5);
    assert.equal(round(0.285, 2), 0.29);
  });

  it('treats decimal halves as halves at any magnitude', () => {
    assert.equal(round(5.015, 2), 5.02);
    assert.equal(round(10.075, 2), 10.08);
    assert.equal(round(10.075, 2), round(10.07 + 0.005, 2));
    assert.equal(money(12.34565), 12.3457);
    assert.equal(round(-10.075, 2), -10.08);
  });

  it('never returns -0', () => {
    assert.ok(Object.is(round(-0, 2), 0));
    assert.ok(Object.is(round(-0.0001, 2), 0), 'a tiny negative rounds to 0, not -0');
    assert.ok(Object.is(round(-0.4, 0), 0));
    assert.ok(Object.is(money(-0.00001), 0));
  });

  it('leaves values that already have few enough decimals alone', () => {
    assert.equal(round(1234.5, 2), 1234.5);
    assert.equal(round(-7, 4), -7);
    assert.equal(round(0, 6), 0);
    assert.equal(round(1711458.91, 4), 1711458.91);
  });

  it('money keeps 4 decimals and weight keeps 6', () => {
    assert.equal(MONEY_DIGITS, 4);
    assert.equal(WEIGHT_DIGITS, 6);
    assert.equal(money(1234.56785), 1234.5679);
    assert.equal(money(2 / 3), 0.6667);
    assert.equal(money(-2 / 3), -0.6667);
    assert.equal(weight(1 / 3), 0.333333);
    assert.equal(weight(2 / 3), 0.666667);
    assert.equal(weight(0.1234565), 0.123457);
  });
});
