import type { SecurityInfo, Transaction } from './types.js';

export interface SecurityProblem {
  field: 'symbol' | 'currency';
  message: string;
}

export type SecurityLookup =
  { security: SecurityInfo; problem?: undefined } | { security?: undefined; problem: SecurityProblem };

/** Whether a transfer moves securities rather than cash: any security field says so. */
export const isSecurityTransfer = (tx: Pick<Transaction, 'symbol' | 'quantity' | 'price'>): boolean =>
  tx.symbol !== null || tx.quantity !== null || tx.price !== null;

/**
 * Finds the security a row names and checks the row is in its currency: amounts are only
 * comparable with the security's prices when both are in the same currency.
 */
export function lookupSecurity(
  tx: Pick<Transaction, 'type' | 'currency'> & { symbol: string },
  securities: ReadonlyMap<string, SecurityInfo>,
): SecurityLookup {
  const security = securities.get(tx.symbol);
  if (!security) return { problem: { field: 'symbol', message: `unknown symbol ${tx.symbol}` } };
  // A split moves no money, so the currency written on it says nothing about the security.
  if (tx.type !== 'SPLIT' && tx.currency !== security.currency) {
    return {
      problem: {
        field: 'currency',
        message: `currency ${tx.currency} does not match ${tx.symbol}, which is priced in ${security.currency}`,
      },
    };
  }
  return { security };
}

/** The distinct symbols the entries name, for one lookup of their security data. */
export function symbolsOf(entries: readonly Pick<Transaction, 'symbol'>[]): string[] {
  const symbols = new Set<string>();
  for (const e of entries) if (e.symbol !== null) symbols.add(e.symbol);
  return [...symbols];
}
