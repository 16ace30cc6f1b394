import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { until } from '../../support/until.js';

/** One Sentry envelope as it arrived: the decoded bytes, and its items parsed. */
export interface Envelope {
  text: string;
  header: Record<string, unknown>;
  items: { header: { type?: string; length?: number } & Record<string, unknown>; payload: any }[];
}

/**
 * Newline-delimited JSON: an envelope header, then per item an item header and a payload whose
 * byte length the item header may give (then the payload may itself contain newlines).
 */
export function parseEnvelope(raw: Buffer): Envelope {
  let offset = 0;
  const line = (): string => {
    const end = raw.indexOf(0x0a, offset);
    const s = raw.subarray(offset, end < 0 ? raw.length : end).toString('utf8');
    offset = end < 0 ? raw.length : end + 1;
    return s;
  };
  const header = JSON.parse(line()) as Record<string, unknown>;
  const items: Envelope['items'] = [];
  while (offset < raw.length) {
    const itemLine = line();
    if (itemLine.trim() === '') continue;
    const itemHeader = JSON.parse(itemLine) as Envelope['items'][number]['header'];
    let payloadText: string;
    if (typeof itemHeader.length === 'number') {
      payloadText = raw.subarray(offset, offset + itemHeader.length).toString('utf8');
      offset += itemHeader.length;
      if (raw[offset] === 0x0a) offset += 1;
    } else {
      payloadText = line();
    }
    let payload: unknown = payloadText;
    try {
      payload = JSON.parse(payloadText);
    } catch {
      // Attachments and other binary items stay as text.
    }
    items.push({ header: itemHeader, payload });
  }
  return { text: raw.toString('utf8'), header, items };
}

/**
 * A local stand-in for Sentry's ingestion endpoint: accepts envelopes and keeps them. It also
 * takes OTLP/HTTP JSON trace exports at /v1/traces, so a test can compare events with spans.
 */
export interface SentrySink {
  dsn: string;
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpEndpoint: string;
  envelopes: Envelope[];
  /** [trace id, span id] of every exported span. */
  spans: [string, string][];
  /** Every error event received so far. */
  events(): any[];
  /** Resolves with the first event `match` accepts, polling until `timeoutMs`. */
  waitForEvent(match: (event: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

export async function startSentrySink(): Promise<SentrySink> {
  const envelopes: Envelope[] = [];
  const spans: [string, string][] = [];
  const problems: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: { scopeSpans?: { spans?: { traceId: string; spanId: string }[] }[] }[];
        };
        for (const rs of body.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) for (const sp of ss.spans ?? []) spans.push([sp.traceId, sp.spanId]);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      if (req.method !== 'POST' || req.url?.split('?')[0] !== '/api/1/envelope/') {
        problems.push(`unexpected ${req.method} ${req.url}`);
        res.writeHead(404).end();
        return;
      }
      try {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        envelopes.push(parseEnvelope(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (e) {
        problems.push(`undecodable envelope: ${(e as Error).message}`);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const events = () => {
    if (problems.length > 0) throw new Error(`Sentry sink: ${problems.join('; ')}`);
    return envelopes.flatMap((e) => e.items.filter((i) => i.header.type === 'event').map((i) => i.payload));
  };
  return {
    dsn: `http://publickey@127.0.0.1:${port}/1`,
    otlpEndpoint: `http://127.0.0.1:${port}`,
    envelopes,
    spans,
    events,
    waitForEvent: (match, timeoutMs = 15_000) =>
      until(
        () => `a matching Sentry event; got ${JSON.stringify(events().map((e) => e.tags))}`,
        () => events().find(match),
        timeoutMs,
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
