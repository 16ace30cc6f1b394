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
type StoredRow = ReturnType<typeof toRow>;

/** The stored columns, in the order of the insert's values. */
const COLUMNS = [
  'request_id',
  'user_id',
  'pattern_id',
  'pattern_version',
  'inputs_json',
  'pricing_pack_id',
  'ledger_commit_hash',
  'asof_date',
  'require_fresh',
  'status',
  'error_code',
  'result_hash',
  'cached',
  'trace_id',
  'duration_ms',
  'created_at',
  'replay_of',
] as const satisfies readonly (keyof StoredRow)[];
// A field added to the record but not to COLUMNS fails to compile here instead of going unstored.
const everyColumn: Record<Exclude<keyof StoredRow, (typeof COLUMNS)[number]>, never> = {};
void everyColumn;

/** SQLite's limit on bind parameters (999 before 3.32) allows 58 rows of 17 columns; 50 leaves room. */
const ROWS_PER_INSERT = 50;

/**
 * The insert of `rows` records, built once per row count: the provenance insert is the only
 * query of a cached execute, and knex's builder spent more compiling it than SQLite spends
 * storing the rows. Standard SQL with `?` placeholders, which knex.raw turns into `$n` for pg.
 */
const insertSql = Array.from(
  { length: ROWS_PER_INSERT + 1 },
  (_, rows) =>
    `insert into "executions" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) values ` +
    Array.from({ length: rows }, () => `(${COLUMNS.map(() => '?').join(', ')})`).join(', '),
);

function bindingsOf(recs: readonly ExecutionRecord[]): Knex.RawBinding[] {
  const out: Knex.RawBinding[] = [];
  for (const rec of recs) {
    const row = toRow(rec);
    for (const c of COLUMNS) out.push(row[c]);
  }
  return out;
}

const insertChunk = (db: Knex, recs: readonly ExecutionRecord[]) => db.raw(insertSql[recs.length]!, bindingsOf(recs));

/** All or nothing. */
export async function insert(db: Knex, recs: readonly ExecutionRecord[]): Promise<void> {
  if (recs.length === 0) return;
  if (recs.length <= ROWS_PER_INSERT) {
    await insertChunk(db, recs);
    return;
  }
  await db.transaction(async (trx) => {
    for (let i = 0; i < recs.length; i += ROWS_PER_INSERT) await insertChunk(trx, recs.slice(i, i + ROWS_PER_INSERT));
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
