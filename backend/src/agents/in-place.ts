import { z } from 'zod';
import { CURRENCY_CODE } from '../domain/fx.js';

/**
 * Arguments that are another step's output (positions, a valuation, a history series) arrive on
 * every request and can hold hundreds of rows. Parsing them into copies with z.object cost more
 * than some capabilities' own work; these guards check the same shape in place and hand the
 * value on unchanged.
 */
export const isString = (v: unknown): v is string => typeof v === 'string';
export const isNumber = (v: unknown): v is number => Number.isFinite(v);
export const isCurrency = (v: unknown): v is string => typeof v === 'string' && CURRENCY_CODE.test(v);
export { isRecord } from '../domain/record.js';
export const isArrayOf =
  <T>(item: (v: unknown) => v is T) =>
  (v: unknown): v is T[] =>
    Array.isArray(v) && v.every(item);

/** A schema that accepts what `guard` accepts, as is, and otherwise fails with `message`. */
export const inPlace = <T>(guard: (v: unknown) => v is T, message: string) => z.custom<T>(guard, message);
