import fs from 'node:fs/promises';
import path from 'node:path';
import { ProviderError, parseRetryAfter } from './errors.js';

/** Whether a source location is a URL (else a local path). */
export const isUrl = (location: string): boolean => /^https?:\/\//.test(location);

/** What a non-200 status means for retrying: 429 waits, 5xx retries, the rest cannot change. */
export function statusError(
  provider: string,
  status: number,
  body: string,
  retryAfter: string | null,
  missing: string,
): ProviderError {
  const snippet = body.trim().slice(0, 200);
  const said = snippet ? `: ${snippet}` : '';
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(retryAfter) ?? undefined;
    return new ProviderError(provider, 'rate_limited', `rate limited (HTTP 429)${said}`, {
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status >= 500)
    return new ProviderError(provider, 'transient', `server error (HTTP ${status})${said}`, { status });
  if (status === 404) return new ProviderError(provider, 'permanent', `${missing} (HTTP 404)${said}`, { status });
  return new ProviderError(provider, 'permanent', `request refused (HTTP ${status})${said}`, { status });
}

export interface HttpGet {
  provider: string;
  url: URL;
  headers: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** One GET: the status, Retry-After and body, or a transient error when nothing complete came back in time. */
export async function httpGet(req: HttpGet): Promise<{ status: number; retryAfter: string | null; text: string }> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  try {
    const res = await fetch(req.url, {
      headers: req.headers,
      signal: req.signal ? AbortSignal.any([req.signal, timeout]) : timeout,
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
  } catch (e) {
    // The caller's own cancellation is theirs to report.
    req.signal?.throwIfAborted();
    const origin = req.url.origin;
    if (timeout.aborted)
      throw new ProviderError(
        req.provider,
        'transient',
        `no complete response from ${origin} within ${req.timeoutMs} ms`,
        {
          cause: e,
        },
      );
    const cause = (e as Error).cause instanceof Error ? `: ${((e as Error).cause as Error).message}` : '';
    throw new ProviderError(req.provider, 'transient', `cannot reach ${origin} (${(e as Error).message}${cause})`, {
      cause: e,
    });
  }
}

/**
 * The text of one file of a source, from a local path (relative to `root`) or a URL; null when it
 * does not exist (ENOENT, HTTP 404). Local files are named relative to `root` in messages: they
 * can reach HTTP clients (503 bodies) and must not disclose the server's file system layout.
 */
export async function readSourceText(
  provider: string,
  location: { root: string; file: string } | { url: URL },
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<string | null> {
  if ('url' in location) {
    const res = await httpGet({
      provider,
      url: location.url,
      headers: { accept: 'text/csv, application/xml, text/xml, text/plain, */*' },
      timeoutMs: opts.timeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (res.status === 404) return null;
    if (res.status !== 200) throw statusError(provider, res.status, res.text, res.retryAfter, 'not found');
    return res.text;
  }
  try {
    return await fs.readFile(path.join(location.root, location.file), { encoding: 'utf8', signal: opts.signal });
  } catch (e) {
    opts.signal?.throwIfAborted();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new ProviderError(provider, 'transient', `cannot read ${location.file}${code ? ` (${code})` : ''}`, {
      cause: e,
    });
  }
}
