import type { Knex } from 'knex';
import * as executions from '../db/repositories/executions.js';
import type { ExecutionRecord } from '../db/repositories/executions.js';
import type { User } from '../db/repositories/users.js';
import { AppError } from '../errors.js';
import type { ExecutionService, RequestMeta } from './execution.js';
import type { ReplayResponse } from './execution-response.js';

/** One of `user`'s stored executions (its provenance record); execution_not_found otherwise. */
export async function requireExecution(db: Knex, user: User, requestId: string): Promise<ExecutionRecord> {
  const rec = await executions.getForUser(db, requestId, user.id);
  if (!rec)
    throw new AppError('execution_not_found', `execution ${requestId} does not exist`, { request_id: requestId });
  return rec;
}

/**
 * Re-runs a stored execution with its pins (pack, commit, as-of date) and no result cache,
 * and says whether the answer is byte for byte the one given then. Only a successful
 * execution of the pattern version still loaded can be replayed (conflict otherwise).
 */
export async function replayExecution(
  service: ExecutionService,
  db: Knex,
  user: User,
  originalId: string,
  meta: RequestMeta,
): Promise<ReplayResponse> {
  const original = await requireExecution(db, user, originalId);
  if (!original.result_hash || !original.pricing_pack_id || !original.ledger_commit_hash || original.status !== 'ok') {
    throw new AppError('conflict', `execution ${originalId} did not succeed, so there is no answer to replay`, {
      request_id: originalId,
      error_code: original.error_code,
    });
  }
  const pattern = service.getPattern(original.pattern_id);
  if (pattern.version !== original.pattern_version) {
    throw new AppError(
      'conflict',
      `pattern ${pattern.id} is now version ${pattern.version}; the execution used ${original.pattern_version}`,
      { pattern_id: pattern.id, current_version: pattern.version, original_version: original.pattern_version },
    );
  }
  const response = await service.execute(
    user,
    {
      pattern_id: original.pattern_id,
      inputs: original.inputs,
      require_fresh: false,
      pricing_pack_id: original.pricing_pack_id,
      ledger_commit_hash: original.ledger_commit_hash,
      asof_date: original.asof_date ?? undefined,
    },
    meta,
    originalId,
  );
  return {
    ...response,
    replay_of: originalId,
    original_result_hash: original.result_hash,
    match: response.metadata.result_hash === original.result_hash,
  };
}
