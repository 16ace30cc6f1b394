import { AppError } from '../errors.js';
import type { InputSpec, Pattern } from './pattern.js';
import { isCalendarDate } from '../domain/dates.js';

/**
 * Turns a request's raw inputs into the canonical inputs a result is keyed by: validated,
 * defaults applied, keys sorted. Absent and null mean the same ("not given"), so they key
 * the same cached result.
 */
export function resolveInputs(pattern: Pattern, raw: unknown): Record<string, unknown> {
  if (!isPlainObject(raw)) throw new AppError('invalid_request', 'inputs must be a JSON object', {});
  const declared = Object.keys(pattern.inputs).sort();
  const unknown = Object.keys(raw)
    .sort()
    .find((name) => !Object.hasOwn(pattern.inputs, name));
  if (unknown !== undefined) {
    throw new AppError(
      'invalid_request',
      `unknown input "${unknown}"; pattern ${pattern.id} accepts: ${declared.join(', ') || 'no inputs'}`,
      {
        input: unknown,
      },
    );
  }
  const resolved: Record<string, unknown> = {};
  for (const name of declared) {
    const spec = pattern.inputs[name]!;
    const given = Object.hasOwn(raw, name) ? raw[name] : undefined;
    const value = given ?? spec.default;
    if (value === undefined) {
      if (spec.required) throw new AppError('invalid_request', `missing required input "${name}"`, { input: name });
      continue;
    }
    const problem = valueProblem(spec, value);
    if (problem) throw new AppError('invalid_request', `input "${name}" ${problem}`, { input: name });
    resolved[name] = value;
  }
  return resolved;
}

/** Why an input declaration can never work, or null; the loader rejects such patterns. */
export function inputSpecProblem(spec: InputSpec): string | null {
  const numeric = spec.type === 'integer' || spec.type === 'number';
  if ((spec.minimum !== undefined || spec.maximum !== undefined) && !numeric) {
    return `minimum and maximum apply only to integer and number inputs, not ${spec.type}`;
  }
  if (spec.maxLength !== undefined && spec.type !== 'string')
    return `maxLength applies only to string inputs, not ${spec.type}`;
  if (spec.minimum !== undefined && spec.maximum !== undefined && spec.minimum > spec.maximum) {
    return `minimum ${spec.minimum} is greater than maximum ${spec.maximum}`;
  }
  if (spec.required && spec.default !== undefined) return 'a required input cannot have a default';
  for (const option of spec.enum ?? []) {
    const problem = valueProblem({ ...spec, enum: undefined }, option);
    if (problem) return `enum value ${JSON.stringify(option)} ${problem}`;
  }
  if (spec.default !== undefined) {
    const problem = valueProblem(spec, spec.default);
    if (problem) return `default ${JSON.stringify(spec.default)} ${problem}`;
  }
  return null;
}

function valueProblem(spec: InputSpec, value: unknown): string | null {
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      if (spec.maxLength !== undefined && [...value].length > spec.maxLength)
        return `must be at most ${spec.maxLength} characters`;
      break;
    case 'integer':
      if (!Number.isSafeInteger(value)) return 'must be an integer';
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return 'must be true or false';
      break;
    case 'date':
      if (typeof value !== 'string' || !isCalendarDate(value)) return 'must be a calendar date written YYYY-MM-DD';
      break;
  }
  if (typeof value === 'number') {
    if (spec.minimum !== undefined && value < spec.minimum) return `must be at least ${spec.minimum}`;
    if (spec.maximum !== undefined && value > spec.maximum) return `must be at most ${spec.maximum}`;
  }
  if (spec.enum && !spec.enum.includes(value as never)) {
    return `must be one of ${spec.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return null;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
