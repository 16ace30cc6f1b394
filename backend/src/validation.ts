import type { z } from 'zod';
import { invalid } from './errors.js';

/** Parses a request part with a zod schema; the first problems become one invalid_request. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.slice(0, 20).map((i) => ({
    field: i.path.join('.') || what,
    message: i.message,
  }));
  const first = problems[0]!;
  throw invalid(`${what}: ${first.field === what ? '' : `${first.field}: `}${first.message}`, { problems });
}
