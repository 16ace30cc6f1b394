import { z } from 'zod';
import type { PackData, ReadCache } from '../db/read-cache.js';
import type { Pack } from '../db/repositories/packs.js';
import {
  currencyAttribution,
  IDENTITY_TOLERANCE,
  type AttributionHolding,
  type Contribution,
  type Decomposition,
} from '../domain/analytics/attribution.js';
import { FxTable } from '../domain/fx.js';
import { replayLedger } from '../domain/ledger/replay.js';
import type { TxType } from '../domain/ledger/types.js';
import { money, round } from '../domain/number.js';
import { AppError, invalid } from '../errors.js';
import type { Capability } from '../executor/capability.js';
import { packDateOf } from '../domain/pack.js';
import { currencyArg } from './args.js';
import { lookbackPacks } from './history-agent.js';
import { entriesAtPin, symbolsOf } from './pinned-ledger.js';

const RETURN_DIGITS = 10;
const ret = (v: number): number => round(v, RETURN_DIGITS);

const currencyArgs = z.strictObject({
  portfolio_id: z.string().min(1),
  base_currency: currencyArg,
  /** Pricing days back from the pinned pack to the period's first day. */
  lookback_days: z.number().int().min(1).max(10_000),
});

/** Rows that change what is held, which buy-and-hold of the start positions cannot see. */
const HOLDING_CHANGES: ReadonlySet<TxType> = new Set<TxType>(['BUY', 'SELL', 'TRANSFER_IN', 'TRANSFER_OUT', 'SPLIT']);

type PackRef = Pick<Pack, 'id' | 'date'>;

interface Line extends AttributionHolding {
  kind: 'security' | 'cash';
  quantity: number;
}

const returns = (d: Decomposition) => ({
  r_local: ret(d.local_return),
  r_fx: ret(d.fx_return),
  interaction: ret(d.interaction),
  r_base: ret(d.base_return),
});

const contribution = (c: Contribution) => ({
  local: ret(c.local),
  fx: ret(c.fx),
  interaction: ret(c.interaction),
  total: ret(c.total),
});

export function attributionCapabilities(reads: ReadCache): Capability[] {
  const currency: Capability<z.infer<typeof currencyArgs>> = {
    name: 'attribution.currency',
    description:
      "Local, FX and interaction returns per holding and per currency, and each holding's contribution to the portfolio's return, " +
      'for the positions and cash held on the first of the last lookback_days pricing days, up to the pinned pack',
    args: currencyArgs,
    async run({ portfolio_id, base_currency, lookback_days }, { ctx, warn, signal }) {
      const recent = await lookbackPacks(reads, lookback_days, ctx, warn);
      const startPack: PackRef = recent[recent.length - 1]!;
      const endPack: PackRef = { id: ctx.pricing_pack_id, date: packDateOf(ctx.pricing_pack_id) };
      const start = startPack.date;
      const end = endPack.date;

      const entries = await entriesAtPin(reads, portfolio_id, ctx);
      const held = entries.filter((e) => e.date <= start);
      const [securities, startData, endData] = await Promise.all([
        reads.securities(symbolsOf(held)),
        reads.packContent(startPack.id),
        reads.packContent(endPack.id),
      ]);
      signal.throwIfAborted();
      const atStart = replayLedger(held, { securities });

      const changes = entries.filter((e) => e.date > start && e.date <= end && HOLDING_CHANGES.has(e.type)).length;
      if (changes > 0) {
        warn({
          code: 'trades_in_period',
          message:
            `${changes} BUY, SELL, transfer or split row(s) between ${start} and ${end} change the holdings within the period; ` +
            'they are not attributed: the attribution is of the positions held at the start, bought and held',
        });
      }

      // Packs before the end are only read when a close is missing, which is rare.
      let covering: Promise<Pack[]> | undefined;
      /** The close in force at a pack, by history.values' rule: its own, else the newest earlier one from the period or the pack before it. */
      const closeAt = async (symbol: string, pack: PackRef, data: PackData): Promise<number> => {
        const own = data.closes.get(symbol);
        if (own !== undefined) return own;
        covering ??= reads.freshPacksCovering(start, end);
        for (const p of (await covering).filter((c) => c.date < pack.date).reverse()) {
          const close = (await reads.packContent(p.id)).closes.get(symbol);
          if (close === undefined) continue;
          warn({
            code: 'price_carried_forward',
            message: `${symbol} has no close in pricing pack ${pack.id}; its last known close, from ${p.id}, was carried forward`,
          });
          return close;
        }
        throw new AppError(
          'pricing_pack_not_found',
          `no close for ${symbol} on or before ${pack.date}, so the holding cannot be valued`,
          {
            date: pack.date,
            symbol,
          },
        );
      };
      const fxTables = [new FxTable(startData.fx), new FxTable(endData.fx)] as const;
      const fxAt = (ccy: string, i: 0 | 1): number => {
        const rate = fxTables[i].rate(ccy, base_currency);
        if (rate !== null) return rate;
        const pack = i === 0 ? startPack : endPack;
        const pair = `${ccy}/${base_currency}`;
        throw new AppError('pricing_pack_not_found', `no FX rate ${pair} on ${pack.date} in pricing pack ${pack.id}`, {
          date: pack.date,
          pair,
        });
      };

      const lines: Line[] = [];
      // LedgerState maps iterate in sorted key order.
      for (const { symbol, currency: ccy, quantity } of atStart.holdings.values()) {
        const [price_start, price_end] = await Promise.all([
          closeAt(symbol, startPack, startData),
          closeAt(symbol, endPack, endData),
        ]);
        const fx = { fx_start: fxAt(ccy, 0), fx_end: fxAt(ccy, 1) };
        lines.push({ symbol, kind: 'security', currency: ccy, quantity, price_start, price_end, ...fx, weight: 0 });
      }
      // Cash earns nothing here (interest is income, not price), but foreign cash still moves with its rate.
      for (const [ccy, balance] of atStart.cash) {
        if (balance === 0) continue;
        const fx = { fx_start: fxAt(ccy, 0), fx_end: fxAt(ccy, 1) };
        lines.push({
          symbol: `CASH:${ccy}`,
          kind: 'cash',
          currency: ccy,
          quantity: balance,
          price_start: 1,
          price_end: 1,
          ...fx,
          weight: 0,
        });
      }

      const valueAt = (l: Line, i: 0 | 1): number =>
        i === 0 ? l.quantity * l.price_start * l.fx_start : l.quantity * l.price_end * l.fx_end;
      const startValue = lines.reduce((s, l) => s + valueAt(l, 0), 0);
      const endValue = lines.reduce((s, l) => s + valueAt(l, 1), 0);
      if (!(startValue > 0)) {
        throw invalid(
          `the portfolio's value in ${base_currency} at the end of ${start}, the period's first day, is not positive, ` +
            'so there are no weights to attribute by; try a shorter lookback_days',
          { start_date: start, lookback_days },
        );
      }
      for (const l of lines) l.weight = valueAt(l, 0) / startValue;

      const result = currencyAttribution(lines, base_currency);
      const residuals = [
        ...result.holdings.map((h) => h.identity_residual),
        ...result.by_currency.flatMap((c) => (c.returns ? [c.returns.identity_residual] : [])),
      ];
      return {
        period: {
          start_date: start,
          end_date: end,
          trading_days: recent.length - 1,
          start_pricing_pack_id: startPack.id,
          end_pricing_pack_id: endPack.id,
        },
        base_currency,
        holdings: result.holdings.map((h, i) => ({
          symbol: h.symbol,
          kind: lines[i]!.kind,
          currency: h.currency,
          weight: ret(h.weight),
          ...returns(h),
          contribution: contribution(h.contribution),
        })),
        by_currency: result.by_currency.map((c) => ({
          currency: c.currency,
          weight: ret(c.weight),
          ...(c.returns === null ? { r_local: null, r_fx: null, interaction: null, r_base: null } : returns(c.returns)),
          contribution: contribution(c.contribution),
        })),
        portfolio: {
          start_value: money(startValue),
          end_value: money(endValue),
          return: ret(endValue / startValue - 1),
          contribution: contribution(result.portfolio.contribution),
        },
        identity: { max_residual: ret(Math.max(0, ...residuals)), tolerance: IDENTITY_TOLERANCE },
        method:
          `buy-and-hold, in ${base_currency}, of the positions and cash held at the end of ${start} (the ledger replayed to that day), ` +
          `priced with the closes and FX of pricing packs ${startPack.id} and ${endPack.id}; trades, transfers and splits within the period are not attributed; ` +
          `price returns only: dividends and interest are left out; cash (CASH:<currency>) has a local return of 0 and its currency's FX return; ` +
          `weights are start values over the start total including cash; portfolio return = end value / start value - 1 of those holdings; ` +
          `${result.method}; weights and returns are fractions (0.01 = 1%) rounded to ${RETURN_DIGITS} decimals, values in ${base_currency} to 4`,
      };
    },
  };
  return [currency];
}
