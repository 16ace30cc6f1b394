import type { Knex } from 'knex';

export interface ExecutionRecord {
  request_id: string;
  user_id: string;
  pattern_id: string;
  pattern_version: string;
  inputs: Record<string, unknown>;
  pricing_pack_id: string | null;
  ledger_commit_hash: string | null;
  asof_date: string | null;
  require_fresh: boolean;
  status: 'ok' | 'error';
  error_code: string | null;
  result_hash: string | null;
  cached: boolean;
  trace_id: string | null;
  duration_ms: number;
  created_at: string;
  replay_of: string | null;
}

/** As stored: booleans may come back as 0/1 (SQLite) and doubles as text (pg numeric). */
type ExecutionRow = Omit<ExecutionRecord, 'inputs' | 'require_fresh' | 'cached' | 'duration_ms'> & {
  inputs_json: string;
  require_fresh: boolean | number;
  cached: boolean | number;
  duration_ms: number | string;
};

const toRow = ({ inputs, ...rest }: ExecutionRecord) => ({ ...rest, inputs_json: JSON.stringify(inputs) });

/** All or nothing; chunked to stay under SQLite's bind-parameter limit (17 columns per row). */
export async function insert(db: Knex, recs: readonly ExecutionRecord[]): Promise<void> {
  if (recs.length <= 50) {
    await db('executions').insert(recs.map(toRow));
    return;
  }
  await db.transaction(async (trx) => {
    for (let i = 0; i < recs.length; i += 50) await trx('executions').insert(recs.slice(i, i + 50).map(toRow));
  });
}

export async function exists(db: Knex, userId: string, requestId: string): Promise<boolean> {
  return (await db('executions').where({ user_id: userId, request_id: requestId }).first('request_id')) !== undefined;
}

/** Only the caller's own executions are visible. */
export async function getForUser(db: Knex, requestId: string, userId: string): Promise<ExecutionRecord | null> {
  const row = await db('executions')
    .where({ request_id: requestId, user_id: userId })
    .first<ExecutionRow | undefined>();
  if (!row) return null;
  const { inputs_json, ...rest } = row;
  return {
    ...rest,
    inputs: JSON.parse(inputs_json) as Record<string, unknown>,
    require_fresh: Boolean(rest.require_fresh),
    cached: Boolean(rest.cached),
    duration_ms: Number(rest.duration_ms),
  };
}
