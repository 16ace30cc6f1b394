import { z } from 'zod';
import { CURRENCY_CODE } from '../domain/fx.js';
import { normaliseSymbol, SYMBOL, SYMBOL_RULE } from '../domain/symbol.js';

/** A currency argument: an ISO 4217 code as stored (three upper-case letters). */
export const currencyArg = z.string().regex(CURRENCY_CODE);

/** A security symbol argument. Symbols are stored upper-case; a lower-case input must find the same security. */
export const symbolArg = z
  .string()
  .transform(normaliseSymbol)
  .pipe(z.string().regex(SYMBOL, `a symbol is ${SYMBOL_RULE}`));
