import type { Warning } from '../executor/capability.js';

export interface ExecutionMetadata {
  pattern_id: string;
  pattern_version: string;
  pricing_pack_id: string;
  ledger_commit_hash: string;
  asof_date: string;
  request_id: string;
  trace_id: string;
  duration_ms: number;
  result_hash: string;
  cached: boolean;
}

export interface ExecuteResponse {
  /** The pattern outputs as canonical JSON (UTF-8); see responseBody() for the whole body. */
  result_json: Buffer;
  metadata: ExecutionMetadata;
  warnings: readonly Warning[];
}

export interface ReplayResponse extends ExecuteResponse {
  replay_of: string;
  original_result_hash: string;
  match: boolean;
}

const OPEN = Buffer.from('{"result":');

/**
 * The response body in three parts: the result's canonical bytes spliced in as they are, so a
 * cached answer is never serialised or encoded again and the client receives exactly the bytes
 * the result hash covers. Only the small per-request part (metadata, warnings) is written here.
 * The HTTP route writes the parts as they are (node sends them in one writev); joining them
 * would copy the result once more for every request.
 */
export function responseParts(response: ExecuteResponse): readonly Buffer[] {
  const { result_json, ...rest } = response;
  return [OPEN, result_json, Buffer.from(`,${JSON.stringify(rest).slice(1)}`)];
}

/** The response as a plain object, for callers that want to inspect or pretty-print it. */
export function responseObject(response: ExecuteResponse): Record<string, unknown> {
  return JSON.parse(Buffer.concat(responseParts(response)).toString('utf8')) as Record<string, unknown>;
}
