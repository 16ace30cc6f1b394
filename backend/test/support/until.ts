/**
 * Polls `probe` until it gives a value, for what arrives over another channel than the one
 * awaited (a child's stdout, an exporter's batch, an IPC reply); fails after `ms` naming `what`.
 */
export async function until<T>(
  what: string | (() => string),
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  for (const end = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 50))) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > end)
      throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
  }
}
