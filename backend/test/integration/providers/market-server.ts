import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MarketSnapshot } from '../../../src/providers/provider.js';

/** What the next requests get: the snapshot, an error status, a 429 with Retry-After, or a delay. */
export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'rate_limit'; times: number; retryAfterSeconds: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'body'; body: string };

export interface MarketServer {
  /** Base URL for FOLIO_PROVIDER_HTTP_URL. */
  url: string;
  behaviour: Behaviour;
  /** Every request received: path and headers. */
  hits: { path: string; headers: http.IncomingHttpHeaders; at: number }[];
  close(): Promise<void>;
}

/**
 * A market-data API on 127.0.0.1 speaking the http provider's wire format
 * (GET <base>/snapshots/<date>), serving `snapshots` by date and misbehaving on request.
 */
export async function startMarketServer(snapshots: readonly MarketSnapshot[]): Promise<MarketServer> {
  const byDate = new Map(snapshots.map((s) => [s.date, s]));
  const state: MarketServer = { url: '', behaviour: { kind: 'ok' }, hits: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    state.hits.push({ path: req.url ?? '', headers: req.headers, at: performance.now() });
    const b = state.behaviour;
    const serve = () => {
      const m = /^\/v1\/snapshots\/(\d{4}-\d{2}-\d{2})$/.exec(req.url ?? '');
      const snapshot = m ? byDate.get(m[1]!) : undefined;
      if (!snapshot) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such date"}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(snapshot));
    };
    switch (b.kind) {
      case 'ok':
        return serve();
      case 'status':
        return void res.writeHead(b.status, { 'content-type': 'application/json' }).end(b.body ?? '{"error":"nope"}');
      case 'body':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(b.body);
      case 'rate_limit':
        if (b.times <= 0) return serve();
        b.times--;
        return void res.writeHead(429, { 'retry-after': String(b.retryAfterSeconds) }).end('slow down');
      case 'slow': {
        const timer = setTimeout(serve, b.delayMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
