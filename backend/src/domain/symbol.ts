/**
 * The one grammar of a security symbol, shared by the ledger, the securities import, the
 * security mapping of a backfill, capability arguments and the API: a base of 1-12 letters or
 * digits, then up to two suffixes of 1-6 letters or digits, each after a '.' or a '-'. That
 * covers exchange suffixes (`SAP.DE`, `SHEL.L`, `7203.T`), share classes (`BRK.B`, `BRK-B`)
 * and both together (`RDS-A.L`). Symbols are upper-case; input is upper-cased before the check.
 */
export const SYMBOL = /^[A-Z0-9]{1,12}(?:[.-][A-Z0-9]{1,6}){0,2}$/;

/** The grammar in words, for error messages and docs. */
export const SYMBOL_RULE =
  "1-12 letters or digits, then up to two suffixes of 1-6 letters or digits each after '.' or '-' (AAPL, BRK.B, SAP.DE)";

/** The symbol as stored: trimmed and upper-cased. */
export const normaliseSymbol = (raw: string): string => raw.trim().toUpperCase();

export const isSymbol = (s: string): boolean => SYMBOL.test(s);
