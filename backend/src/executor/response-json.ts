import type { ExecuteResponse } from './service.js';

/**
 * The response body: the result's canonical text spliced in as it is, so a cached answer is
 * never serialised again and the client receives exactly the bytes the result hash covers.
 */
export function responseJson(response: ExecuteResponse): string {
  const { result_json, ...rest } = response;
  return `{"result":${result_json},${JSON.stringify(rest).slice(1)}`;
}

/** The response as a plain object, for callers that want to inspect or pretty-print it. */
export function responseObject(response: ExecuteResponse): Record<string, unknown> {
  return JSON.parse(responseJson(response));
}
