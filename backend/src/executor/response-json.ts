import type { ExecuteResponse } from './service.js';

/** Cached results are frozen and shared, so each is serialised once and the text reused. */
const serialised = new WeakMap<object, string>();

function resultJson(result: Record<string, unknown>): string {
  let json = serialised.get(result);
  if (json === undefined) {
    json = JSON.stringify(result);
    if (Object.isFrozen(result)) serialised.set(result, json);
  }
  return json;
}

/** The response body, byte for byte what JSON.stringify(response) would give. */
export function responseJson(response: ExecuteResponse): string {
  const { result, ...rest } = response;
  const tail = JSON.stringify(rest);
  return `{"result":${resultJson(result)},${tail.slice(1)}`;
}
