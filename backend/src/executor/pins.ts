import type { Knex } from 'knex';
import { AppError, invalid } from '../errors.js';
import type { CurrentState } from '../db/current-state.js';
import * as ledger from '../db/repositories/ledger.js';
import * as packs from '../db/repositories/packs.js';
import type { Pack } from '../db/repositories/packs.js';
import { expectedPackDate, type FreshnessRule } from '../domain/pack.js';
import type { Warning } from './capability.js';
import { todayUtc } from '../clock.js';

export interface PinRequest {
  require_fresh: boolean;
  asof_date?: string | undefined;
  pricing_pack_id?: string | undefined;
  ledger_commit_hash?: string | undefined;
}

/** What the freshness gate needs: how long a build takes (Retry-After) and when packs are due. */
export interface PackGate {
  /** FOLIO_PACK_BUILD_ESTIMATE_SECONDS. */
  estimateSeconds: number;
  /** FOLIO_PACK_FRESH_BY in FOLIO_PACK_SCHEDULE_TZ: the expected pack, as the freshness SLO reads it. */
  freshness: FreshnessRule;
}

export interface Pins {
  pack: Pack;
  ledger: ledger.LedgerHead;
  asof_date: string;
  /** Facts about the answer itself; part of the result hash. */
  warnings: Warning[];
  /** Facts about how this request was served (a stale fallback); not part of the answer. */
  notices: Warning[];
}

/**
 * Chooses the pack and ledger commit a request is pinned to. Explicit pins win (replay);
 * an as-of date picks the newest fresh pack on or before it; otherwise the newest fresh pack,
 * which `require_fresh` refuses only when the pack the freshness objective expects is overdue.
 */
export async function resolvePins(
  db: Knex,
  current: CurrentState,
  portfolioId: string,
  req: PinRequest,
  gate: PackGate,
): Promise<Pins> {
  const warnings: Warning[] = [];
  const notices: Warning[] = [];
  if (req.asof_date && req.asof_date > todayUtc()) {
    throw invalid(`asof_date ${req.asof_date} is in the future`, { asof_date: req.asof_date });
  }
  const pack = await choosePack(db, current, req, notices, gate);
  const asof = req.asof_date ?? pack.date;
  if (asof < pack.date) {
    throw invalid(
      `asof_date ${asof} is before the date of pricing pack ${pack.id}; prices would come from the future`,
      {
        asof_date: asof,
        pricing_pack_id: pack.id,
      },
    );
  }
  if (asof > pack.date) {
    warnings.push({
      code: 'prices_older_than_asof',
      message: `prices are from ${pack.date}, the newest pack on or before ${asof}`,
    });
  }
  const head = req.ledger_commit_hash
    ? await ledger.resolve(db, portfolioId, req.ledger_commit_hash)
    : await current.ledgerHead(portfolioId);
  if (!head) {
    throw new AppError(
      'ledger_commit_not_found',
      `ledger commit ${req.ledger_commit_hash} is not part of this portfolio's ledger`,
      {
        ledger_commit_hash: req.ledger_commit_hash,
      },
    );
  }
  if (head.seq === 0)
    warnings.push({ code: 'empty_ledger', message: 'the portfolio has no transactions at this ledger commit' });
  return { pack, ledger: head, asof_date: asof, warnings, notices };
}

async function choosePack(
  db: Knex,
  current: CurrentState,
  req: PinRequest,
  notices: Warning[],
  gate: PackGate,
): Promise<Pack> {
  const { estimateSeconds } = gate;
  if (req.pricing_pack_id) {
    const pinned = await packs.get(db, req.pricing_pack_id);
    if (!pinned || pinned.status === 'error' || pinned.status === 'retired') {
      throw new AppError(
        'pricing_pack_not_found',
        `pricing pack ${req.pricing_pack_id} does not exist or failed to build`,
        {
          pricing_pack_id: req.pricing_pack_id,
        },
      );
    }
    if (pinned.status === 'warming') throw warming(pinned, estimateSeconds);
    return pinned;
  }
  if (req.asof_date) {
    const onOrBefore = await packs.newestFresh(db, req.asof_date);
    if (!onOrBefore) {
      throw new AppError('pricing_pack_not_found', `no fresh pricing pack on or before ${req.asof_date}`, {
        asof_date: req.asof_date,
      });
    }
    return onOrBefore;
  }
  const newest = await current.newestPack();
  if (!newest) throw new AppError('pricing_pack_not_found', 'no pricing pack has been built yet');
  if (newest.status === 'fresh') return newest;
  const fallback = await current.newestFreshPack();
  if (!fallback) throw warming(newest, estimateSeconds);
  // A newer pack being built (or whose build failed) turns no reader away while the newest
  // fresh pack is the one the freshness objective expects: the nightly build of the next date
  // starts before that date's pack is due, and a failed one is for the operator to mend.
  if (fallback.date >= expectedPackDate(new Date(), gate.freshness)) return fallback;
  if (req.require_fresh) throw warming(newest, estimateSeconds);
  notices.push({
    code: 'stale_pricing_pack',
    message: `newest pack ${newest.id} is ${newest.status}; using ${fallback.id} because require_fresh is false`,
  });
  return fallback;
}

function warming(pack: Pack, estimateSeconds: number): AppError {
  const ready = new Date(Date.parse(pack.created_at) + estimateSeconds * 1000);
  // A failed build will not become fresh by itself: a rebuild takes a whole build.
  const retryAfter =
    pack.status === 'warming'
      ? Math.max(1, Math.min(estimateSeconds, Math.ceil((ready.getTime() - Date.now()) / 1000)))
      : estimateSeconds;
  return new AppError(
    'pricing_pack_warming',
    `pricing pack ${pack.id} is ${pack.status}; retry later or send require_fresh: false`,
    {
      pricing_pack_id: pack.id,
      status: pack.status,
      estimated_ready: pack.status === 'warming' && ready.getTime() > Date.now() ? ready.toISOString() : null,
    },
    retryAfter,
  );
}
