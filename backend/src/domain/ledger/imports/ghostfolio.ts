import { z } from 'zod';
import { invalid } from '../../../errors.js';
import { isRecord } from '../../record.js';
import { amountOf, type MappedRow } from './mapped.js';

/**
 * Ghostfolio's export JSON ("Export" in the activities view, GET /api/v1/export), as written by
 * Ghostfolio 2.x: `{meta: {date, version}, accounts, activities: [...], ...}`. Only the
 * activities are read; each is `{type, date, symbol, quantity, unitPrice, fee, currency,
 * comment, dataSource, ...}`. The mapping is documented in docs/ledger.md.
 */
export const GHOSTFOLIO_FORMAT = 'ghostfolio';

const activitySchema = z.looseObject({
  type: z.string(),
  date: z.string(),
  symbol: z.string().nullish(),
  quantity: z.number().nonnegative(),
  unitPrice: z.number().nonnegative(),
  fee: z.number().nonnegative().nullish(),
  currency: z.string(),
  comment: z.string().nullish(),
  dataSource: z.string().nullish(),
});
type Activity = z.infer<typeof activitySchema>;

export function mapGhostfolioExport(body: unknown): MappedRow[] {
  if (!isRecord(body) || !Array.isArray(body.activities)) {
    throw invalid('not a Ghostfolio export: the body must be a JSON object with an "activities" array');
  }
  if (body.activities.length === 0) throw invalid('no transactions: the Ghostfolio export has no activities');
  return body.activities.map((raw) => {
    const parsed = activitySchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return { fields: `activity field ${issue.path.join('.') || '(the activity)'}: ${issue.message}` };
    }
    return mapActivity(parsed.data);
  });
}

/** What each Ghostfolio type becomes; ITEM and LIABILITY (valuables, debts) have no Folio equivalent. */
function mapActivity(a: Activity): MappedRow {
  const date = /^\d{4}-\d{2}-\d{2}T/.test(a.date) ? a.date.slice(0, 10) : a.date;
  const fee = a.fee ?? 0;
  const value = amountOf(a.quantity * a.unitPrice);
  const note = [`Ghostfolio: ${a.type}`, a.comment].filter(Boolean).join('; ');
  const base = { date, currency: a.currency, note };
  switch (a.type) {
    case 'BUY':
    case 'SELL':
      return withSecurity(a, { ...base, type: a.type, quantity: a.quantity, price: a.unitPrice, fee });
    case 'DIVIDEND':
      return withSecurity(a, { ...base, type: 'DIVIDEND', amount: value, fee });
    case 'INTEREST':
      return { fields: { ...base, type: 'INTEREST', amount: value, fee } };
    case 'FEE':
      // Ghostfolio keeps a fee activity's amount in `fee`; some files carry it as quantity x unit price.
      return { fields: { ...base, type: 'FEE', amount: amountOf(fee + value) } };
    default:
      return {
        fields: `Ghostfolio type ${JSON.stringify(a.type)} has no Folio equivalent; mapped types: BUY, SELL, DIVIDEND, INTEREST, FEE`,
      };
  }
}

function withSecurity(a: Activity, fields: Record<string, unknown>): MappedRow {
  const symbol = (a.symbol ?? '').trim().toUpperCase();
  if (symbol === '') return { fields: `${a.type} names no security (symbol is empty)` };
  return { fields: { ...fields, symbol }, security: { symbol, name: null, isin: null } };
}
