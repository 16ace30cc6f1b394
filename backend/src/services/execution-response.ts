import type { ExecuteResponse } from './execution.js';

const OPEN = Buffer.from('{"result":');

/**
 * The response body: the result's canonical bytes spliced in as they are, so a cached answer
 * is never serialised or encoded again and the client receives exactly the bytes the result
 * hash covers. Only the small per-request part (metadata, warnings) is written here.
 */
export function responseBody(response: ExecuteResponse): Buffer {
  const { result_json, ...rest } = response;
  const tail = Buffer.from(`,${JSON.stringify(rest).slice(1)}`);
  return Buffer.concat([OPEN, result_json, tail], OPEN.length + result_json.length + tail.length);
}

/** The response as a plain object, for callers that want to inspect or pretty-print it. */
export function responseObject(response: ExecuteResponse): Record<string, unknown> {
  return JSON.parse(responseBody(response).toString('utf8')) as Record<string, unknown>;
}
