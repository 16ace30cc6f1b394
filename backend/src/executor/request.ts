import { z } from 'zod';
import { ISO_DATE, isCalendarDate } from '../domain/dates.js';
import { parseOr400 } from '../validation.js';

const isoDate = z
  .string()
  .regex(ISO_DATE, 'must be a date YYYY-MM-DD')
  .refine(isCalendarDate, 'must be a real calendar date');

export const executeRequestSchema = z.strictObject({
  pattern_id: z.string().min(1).max(100),
  inputs: z.record(z.string(), z.unknown()).default({}),
  require_fresh: z.boolean().default(true),
  asof_date: isoDate.optional(),
  pricing_pack_id: z.string().min(1).max(64).optional(),
  ledger_commit_hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be a 64-character lowercase hex hash')
    .optional(),
});

export type ExecuteRequest = z.infer<typeof executeRequestSchema>;

export const parseExecuteRequest = (body: unknown): ExecuteRequest => parseOr400(executeRequestSchema, body, 'body');

export { isoDate };
