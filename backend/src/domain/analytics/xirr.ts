import { isList } from '../record.js';
import { AnalyticsInputError, chronologicalDays, finite } from './input.js';

/** A dated cash flow from the investor's side: negative into the investment, positive out of it. */
export interface CashFlow {
  date: string;
  amount: number;
}

export interface XirrOptions {
  /** Newton's starting rate; Excel's default of 10% unless given. */
  guess?: number;
  /**
   * Largest |NPV| accepted, as a fraction of the sum of the discounted flows' sizes. Relative
   * to the discounted flows rather than the raw amounts, so a huge flow far in the future
   * cannot make a poor rate look converged.
   */
  tolerance?: number;
  /** Newton steps before the bracketing fallback takes over. */
  max_newton_iterations?: number;
}

/**
 * The rate, or why there is none: a failure is a value, never a NaN. `iterations` counts the
 * steps of the method that found the rate.
 */
export type XirrResult =
  | { ok: true; rate: number; iterations: number; method: 'newton' | 'bisection' }
  | { ok: false; reason: 'too_few_flows' | 'all_zero' | 'no_sign_change' | 'no_root_found'; message: string };

const DAYS_PER_YEAR = 365;
/** The fallback looks for a root in (LOWEST_RATE, HIGHEST_RATE): -99.9999999% up to about 1.1e12. */
const LOWEST_RATE = -1 + 1e-9;
const HIGHEST_RATE = 2 ** 40;

/** Net present value at the first flow's date, Actual/365, as Excel's XNPV computes it. */
export function xnpv(flows: readonly CashFlow[], rate: number): number {
  if (!(rate > -1)) throw new AnalyticsInputError(`XNPV needs a rate above -1, got ${rate}`);
  const { times, amounts } = prepare(flows);
  const logGrowth = Math.log1p(rate);
  let npv = 0;
  for (let i = 0; i < amounts.length; i++) npv += amounts[i]! * Math.exp(-times[i]! * logGrowth);
  return npv;
}

/**
 * Money-weighted return: the annual rate, Actual/365 from the first flow, at which the flows'
 * net present value is zero (Excel's XIRR).
 *
 * Newton's method runs first from the guess. When a step leaves the domain (rate <= -1) or
 * is not finite (a flat NPV), or Newton has not converged within its steps, the rate is
 * bracketed by scanning rates from -100% upwards and found by bisection, which cannot fail
 * once a sign change is bracketed. With several roots (flows that change sign more than
 * once) Newton finds whichever it converges to and the fallback takes the bracket nearest
 * the guess; passing a guess is how a caller chooses between them.
 */
export function xirr(flows: readonly CashFlow[], opts: XirrOptions = {}): XirrResult {
  const guess = finite(opts.guess ?? 0.1, 'guess');
  if (!(guess > -1)) throw new AnalyticsInputError(`guess must be above -1, got ${guess}`);
  const tolerance = finite(opts.tolerance ?? 1e-10, 'tolerance');
  if (!(tolerance > 0)) throw new AnalyticsInputError(`tolerance must be positive, got ${tolerance}`);
  const maxNewton = opts.max_newton_iterations ?? 50;
  if (!Number.isInteger(maxNewton) || maxNewton < 0) {
    throw new AnalyticsInputError(`max_newton_iterations must be a non-negative integer, got ${maxNewton}`);
  }

  const { times, amounts } = prepare(flows);
  if (amounts.length < 2) {
    return { ok: false, reason: 'too_few_flows', message: `XIRR needs at least 2 cash flows, got ${amounts.length}` };
  }
  if (amounts.every((a) => a === 0)) return { ok: false, reason: 'all_zero', message: 'every cash flow is zero' };
  if (!amounts.some((a) => a > 0) || !amounts.some((a) => a < 0)) {
    return {
      ok: false,
      reason: 'no_sign_change',
      message: 'XIRR needs at least one positive and one negative cash flow',
    };
  }

  const f = new NpvFunction(times, amounts);

  let rate = guess;
  for (let steps = 0; ; steps++) {
    const { value, slope, scale } = f.at(rate);
    if (Math.abs(value) <= tolerance * scale) return { ok: true, rate, iterations: steps, method: 'newton' };
    if (steps === maxNewton) break;
    const next = rate - value / slope;
    if (!Number.isFinite(next) || next <= -1) break;
    rate = next;
  }

  const bracket = findBracket(f, guess);
  if (bracket === null) {
    return {
      ok: false,
      reason: 'no_root_found',
      message: `no rate between ${LOWEST_RATE} and ${HIGHEST_RATE} sets the net present value to zero`,
    };
  }
  return bisect(f, bracket, tolerance);
}

function prepare(flows: readonly CashFlow[]): { times: number[]; amounts: number[] } {
  if (!isList(flows)) throw new AnalyticsInputError('cash flows must be an array');
  const days = chronologicalDays(
    flows.map((c) => c.date),
    'flows',
    false,
  );
  const amounts = flows.map((c, i) => finite(c.amount, `flows[${i}].amount`));
  const first = days[0] ?? 0;
  return { times: days.map((d) => (d - first) / DAYS_PER_YEAR), amounts };
}

/**
 * The flows' value as a function of the rate, measured where it cannot overflow: at the first
 * date for rates >= 0 (the NPV) and at the last date for rates < 0 (the NPV times
 * (1 + r)^T). Either way every term is at most its flow in size, even near -100% or across
 * decades, and the two agree at r = 0, so the function is continuous and has exactly the
 * NPV's roots and signs. Scaling every term by the same positive factor leaves the ratio of
 * the value to the terms' total size unchanged, so the tolerance means the same in both forms.
 */
class NpvFunction {
  private readonly horizon: number;

  constructor(
    private readonly times: readonly number[],
    private readonly amounts: readonly number[],
  ) {
    this.horizon = times[times.length - 1] ?? 0;
  }

  /** The value, its derivative in the rate, and the sum of the terms' sizes to judge the value against. */
  at(rate: number): { value: number; slope: number; scale: number } {
    const logGrowth = Math.log1p(rate);
    const origin = rate >= 0 ? 0 : this.horizon;
    let value = 0;
    let slope = 0;
    let scale = 0;
    for (let i = 0; i < this.amounts.length; i++) {
      const exponent = origin - this.times[i]!;
      const term = this.amounts[i]! * Math.exp(exponent * logGrowth);
      value += term;
      scale += Math.abs(term);
      slope += (exponent * term) / (1 + rate);
    }
    return { value, slope, scale };
  }
}

/** Rates to try when bracketing: dense towards -100%, where total-loss returns live, and doubling upwards. */
const SCAN_RATES: readonly number[] = (() => {
  const rates: number[] = [];
  rates.push(LOWEST_RATE);
  for (let k = 8; k >= 1; k--) rates.push(-1 + 10 ** -k);
  rates.push(-0.5, -0.25, 0, 0.1, 0.25, 0.5);
  for (let r = 1; r <= HIGHEST_RATE; r *= 2) rates.push(r);
  return rates;
})();

/** The sign change nearest the guess among the scan rates and the guess itself. */
function findBracket(f: NpvFunction, guess: number): [number, number] | null {
  const rates = [...new Set([...SCAN_RATES, guess])].sort((a, b) => a - b);
  const signs = rates.map((r) => Math.sign(f.at(r).value));
  let best: [number, number] | null = null;
  let bestDistance = Infinity;
  for (let i = 0; i + 1 < rates.length; i++) {
    if (signs[i] === signs[i + 1] && signs[i] !== 0) continue;
    const lo = rates[i]!;
    const hi = rates[i + 1]!;
    const distance = guess < lo ? lo - guess : guess > hi ? guess - hi : 0;
    if (distance < bestDistance) {
      best = [lo, hi];
      bestDistance = distance;
    }
  }
  return best;
}

function bisect(f: NpvFunction, [lo0, hi0]: [number, number], tolerance: number): XirrResult {
  let lo = lo0;
  let hi = hi0;
  let fLo = f.at(lo).value;
  for (let i = 1; ; i++) {
    const mid = lo + (hi - lo) / 2;
    const { value: fMid, scale } = f.at(mid);
    // Near -100% the NPV can be so steep that no double meets the tolerance; once the bracket
    // is as narrow as doubles allow, its midpoint is the root to machine precision.
    if (Math.abs(fMid) <= tolerance * scale || mid <= lo || mid >= hi)
      return { ok: true, rate: mid, iterations: i, method: 'bisection' };
    if (Math.sign(fMid) === Math.sign(fLo)) {
      lo = mid;
      fLo = fMid;
    } else {
      hi = mid;
    }
  }
}
