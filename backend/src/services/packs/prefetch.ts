/** A fetch that has finished, kept as a value so one waiting to be consumed is never an unhandled rejection. */
export type Fetched<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs `fetch` for `items` while the caller consumes the results in order: at most `ahead`
 * fetches are started beyond the one being consumed, so fetching (network, parsing) overlaps
 * the caller's work on earlier items and memory stays bounded by `ahead` results. Leaving the
 * loop early aborts the signal handed to the fetches still running.
 */
/** The value, or the fetch's error thrown again. */
export function unwrap<R>(f: Fetched<R>): R {
  if (f.ok) return f.value;
  throw f.error as Error;
}

export async function* prefetched<T, R>(
  items: readonly T[],
  ahead: number,
  fetch: (item: T, signal: AbortSignal) => Promise<R>,
): AsyncGenerator<{ item: T; fetched: Fetched<R> }> {
  const stop = new AbortController();
  const started = new Map<number, Promise<Fetched<R>>>();
  let next = 0;
  const start = (upTo: number) => {
    for (; next <= Math.min(upTo, items.length - 1); next++)
      started.set(
        next,
        fetch(items[next]!, stop.signal).then(
          (value): Fetched<R> => ({ ok: true, value }),
          (error: unknown): Fetched<R> => ({ ok: false, error }),
        ),
      );
  };
  try {
    for (let i = 0; i < items.length; i++) {
      start(i + Math.max(0, ahead));
      const fetched = await started.get(i)!;
      // Drop the reference so a consumed result can be collected while later ones are fetched.
      started.delete(i);
      yield { item: items[i]!, fetched };
    }
  } finally {
    stop.abort(new Error('prefetch stopped'));
  }
}
