import { isSecurityTransfer, lookupSecurity } from './securities.js';
import type { LedgerEntry, SecurityInfo } from './types.js';

/** Quantities closer to zero than this are floating-point residue, not a position. */
export const QUANTITY_EPSILON = 1e-9;

export interface Lot {
  acquired: string; // YYYY-MM-DD
  quantity: number;
  /** Per unit, in the security's currency, buy fee included. */
  unitCost: number;
}

export interface Holding {
  symbol: string;
  currency: string;
  quantity: number;
  costBasis: number;
  /** Oldest first: the order sales consume them in. */
  lots: Lot[];
  /** Lifetime for the symbol, earlier closed-out rounds included. */
  realizedPnl: number;
  dividends: number;
}

/** A symbol traded or paid before but not held now: its lifetime P&L and dividends still count. */
export interface ClosedPosition {
  symbol: string;
  currency: string;
  realizedPnl: number;
  dividends: number;
}

/** Every map is keyed by symbol or currency code and iterates in sorted key order. */
export interface LedgerState {
  holdings: ReadonlyMap<string, Holding>;
  closed: ReadonlyMap<string, ClosedPosition>;
  cash: ReadonlyMap<string, number>;
  /** Gross dividends and interest. */
  income: ReadonlyMap<string, number>;
  /** FEE rows plus every row's fee field, including fees capitalised into lot cost. */
  fees: ReadonlyMap<string, number>;
  /** Net money and securities (at their transfer price) moved across the portfolio boundary. */
  externalFlows: ReadonlyMap<string, number>;
  realizedPnl: ReadonlyMap<string, number>;
}

export interface ReplayOptions {
  /** Entries dated after this day are ignored. */
  asof?: string;
  securities: ReadonlyMap<string, SecurityInfo>;
}

/** An entry the ledger cannot apply, such as selling more than is held. */
export class LedgerReplayError extends Error {
  constructor(
    readonly entry: LedgerEntry,
    /** What is wrong, without the entry's description. */
    readonly reason: string,
    /** The entry field the problem is about, when there is one. */
    readonly field?: string,
  ) {
    super(`${describeEntry(entry)}: ${reason}`);
    this.name = 'LedgerReplayError';
  }
}

export const describeEntry = (e: LedgerEntry): string =>
  `${e.date} ${e.type}${e.symbol === null ? '' : ` ${e.symbol}`}`;

/** Ledger order: by date, then commit, then position in the commit. */
export function compareEntries(a: LedgerEntry, b: LedgerEntry): number {
  if (a.date !== b.date) return a.date < b.date ? -1 : 1;
  return a.commitSeq - b.commitSeq || a.rowIndex - b.rowIndex;
}

/** Replays the ledger into positions (FIFO lots), cash and running totals. */
export function replayLedger(entries: readonly LedgerEntry[], opts: ReplayOptions): LedgerState {
  const book = new LedgerBook(opts.securities);
  // Entries read from the database already come in ledger order; sort only when they do not.
  const inOrder = entries.every((e, i) => i === 0 || compareEntries(entries[i - 1]!, e) <= 0);
  for (const entry of inOrder ? entries : [...entries].sort(compareEntries)) {
    if (opts.asof === undefined || entry.date <= opts.asof) book.apply(entry);
  }
  return book.snapshot();
}

interface Position {
  symbol: string;
  currency: string;
  lots: Lot[];
  realizedPnl: number;
  dividends: number;
}

/**
 * The ledger applied one entry at a time, for callers that need the state after each day
 * without replaying from the start every time. Entries must be applied in ledger order.
 */
export class LedgerBook {
  private readonly positions = new Map<string, Position>();
  private readonly cash = new Map<string, number>();
  private readonly income = new Map<string, number>();
  private readonly fees = new Map<string, number>();
  private readonly externalFlows = new Map<string, number>();
  private readonly realizedPnl = new Map<string, number>();

  constructor(private readonly securities: ReadonlyMap<string, SecurityInfo>) {}

  apply(e: LedgerEntry): void {
    const ccy = e.currency;
    // Every row's fee is paid from cash in the row's currency, whatever the row does.
    if (e.fee !== 0) {
      add(this.cash, ccy, -e.fee);
      add(this.fees, ccy, e.fee);
    }

    switch (e.type) {
      case 'DEPOSIT':
      case 'WITHDRAWAL': {
        const signed = e.type === 'DEPOSIT' ? need(e, 'amount') : -need(e, 'amount');
        add(this.cash, ccy, signed);
        add(this.externalFlows, ccy, signed);
        return;
      }
      case 'INTEREST':
        add(this.cash, ccy, need(e, 'amount'));
        add(this.income, ccy, need(e, 'amount'));
        return;
      case 'FEE':
        add(this.cash, ccy, -need(e, 'amount'));
        add(this.fees, ccy, need(e, 'amount'));
        return;
      case 'DIVIDEND': {
        const amount = need(e, 'amount');
        this.position(e).dividends += amount;
        add(this.cash, ccy, amount);
        add(this.income, ccy, amount);
        return;
      }
      case 'BUY': {
        const q = need(e, 'quantity');
        const gross = q * need(e, 'price');
        this.position(e).lots.push({ acquired: e.date, quantity: q, unitCost: (gross + e.fee) / q });
        add(this.cash, ccy, -gross);
        return;
      }
      case 'SELL': {
        const q = need(e, 'quantity');
        const gross = q * need(e, 'price');
        const pos = this.position(e);
        const pnl = gross - e.fee - this.takeFifo(pos, e, q);
        pos.realizedPnl += pnl;
        add(this.realizedPnl, ccy, pnl);
        add(this.cash, ccy, gross);
        return;
      }
      case 'SPLIT': {
        const ratio = need(e, 'quantity');
        const pos = this.position(e);
        if (pos.lots.length === 0)
          throw new LedgerReplayError(e, `split of ${pos.symbol}, which is not held`, 'symbol');
        for (const lot of pos.lots) {
          lot.quantity *= ratio;
          lot.unitCost /= ratio;
        }
        return;
      }
      case 'TRANSFER_IN':
      case 'TRANSFER_OUT':
        this.transfer(e);
        return;
    }
  }

  private transfer(e: LedgerEntry): void {
    const inbound = e.type === 'TRANSFER_IN';
    if (!isSecurityTransfer(e)) {
      const signed = inbound ? need(e, 'amount') : -need(e, 'amount');
      add(this.cash, e.currency, signed);
      add(this.externalFlows, e.currency, signed);
      return;
    }
    const q = need(e, 'quantity');
    const price = need(e, 'price');
    const pos = this.position(e);
    if (inbound) pos.lots.push({ acquired: e.date, quantity: q, unitCost: price });
    else this.takeFifo(pos, e, q); // leaves at cost: a transfer realises nothing
    add(this.externalFlows, e.currency, inbound ? q * price : -q * price);
  }

  /** Removes `q` units oldest lot first and returns their cost. */
  private takeFifo(pos: Position, e: LedgerEntry, q: number): number {
    const held = totalQuantity(pos.lots);
    if (q > held + QUANTITY_EPSILON) {
      const verb = e.type === 'SELL' ? 'sells' : 'transfers out';
      throw new LedgerReplayError(e, `${verb} ${q} ${pos.symbol} but only ${forDisplay(held)} held`, 'quantity');
    }
    let remaining = q;
    let cost = 0;
    while (remaining > QUANTITY_EPSILON) {
      const lot = pos.lots[0];
      if (!lot) break;
      if (lot.quantity <= remaining + QUANTITY_EPSILON) {
        cost += lot.quantity * lot.unitCost;
        remaining -= lot.quantity;
        pos.lots.shift();
      } else {
        cost += remaining * lot.unitCost;
        lot.quantity -= remaining;
        remaining = 0;
      }
    }
    if (totalQuantity(pos.lots) < QUANTITY_EPSILON) pos.lots = [];
    return cost;
  }

  /** The entry's position, created empty on first sight, once its security checks out. */
  private position(e: LedgerEntry): Position {
    const symbol = e.symbol;
    if (symbol === null) throw new LedgerReplayError(e, `${e.type} without symbol`, 'symbol');
    const found = lookupSecurity({ ...e, symbol }, this.securities);
    if (found.problem) throw new LedgerReplayError(e, found.problem.message, found.problem.field);
    let pos = this.positions.get(symbol);
    if (!pos) {
      pos = { symbol, currency: found.security.currency, lots: [], realizedPnl: 0, dividends: 0 };
      this.positions.set(symbol, pos);
    }
    return pos;
  }

  /** Open quantities by symbol, without copying lots: what valuing a day needs. */
  openQuantities(): Map<string, { currency: string; quantity: number }> {
    const open = new Map<string, { currency: string; quantity: number }>();
    for (const pos of this.positions.values()) {
      if (pos.lots.length > 0) open.set(pos.symbol, { currency: pos.currency, quantity: totalQuantity(pos.lots) });
    }
    return open;
  }

  cashBalances(): ReadonlyMap<string, number> {
    return this.cash;
  }

  snapshot(): LedgerState {
    const holdings = new Map<string, Holding>();
    const closed = new Map<string, ClosedPosition>();
    for (const pos of sortedValues(this.positions)) {
      const { symbol, currency, realizedPnl, dividends } = pos;
      if (pos.lots.length > 0) {
        const lots = pos.lots.map((l) => ({ ...l }));
        const costBasis = lots.reduce((sum, l) => sum + l.quantity * l.unitCost, 0);
        holdings.set(symbol, {
          symbol,
          currency,
          quantity: totalQuantity(lots),
          costBasis,
          lots,
          realizedPnl,
          dividends,
        });
      } else {
        closed.set(symbol, { symbol, currency, realizedPnl, dividends });
      }
    }
    return {
      holdings,
      closed,
      cash: sorted(this.cash),
      income: sorted(this.income),
      fees: sorted(this.fees),
      externalFlows: sorted(this.externalFlows),
      realizedPnl: sorted(this.realizedPnl),
    };
  }
}

/** The entry's value for a field its type requires; stored rows were validated, so absence is corruption. */
function need(e: LedgerEntry, field: 'quantity' | 'price' | 'amount'): number {
  const v = e[field];
  if (v === null) throw new LedgerReplayError(e, `${e.type} without ${field}`, field);
  return v;
}

function add(map: Map<string, number>, key: string, delta: number): void {
  map.set(key, (map.get(key) ?? 0) + delta);
}

/** Drops float residue (9.999999999999998) from numbers shown in messages. */
const forDisplay = (n: number): number => Number(n.toPrecision(15));

const totalQuantity = (lots: readonly Lot[]): number => lots.reduce((sum, l) => sum + l.quantity, 0);

const byKey = <V>([a]: [string, V], [b]: [string, V]) => (a < b ? -1 : a > b ? 1 : 0);
const sorted = <V>(map: ReadonlyMap<string, V>): Map<string, V> => new Map([...map].sort(byKey));
const sortedValues = <V>(map: ReadonlyMap<string, V>): V[] => [...map].sort(byKey).map(([, v]) => v);
