import { z } from 'zod';

/** A security symbol argument. Symbols are stored upper-case; a lower-case input must find the same security. */
export const symbolArg = z.string().trim().min(1).max(32).transform((s) => s.toUpperCase());
