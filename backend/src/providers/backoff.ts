/**
 * "Full jitter" exponential backoff: a uniformly random wait between 0 and
 * min(cap, base * 2^retry). Spreading retries over the whole interval keeps many clients
 * that failed together from retrying together.
 */
export function fullJitterDelay(
  retry: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}
