import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A round-robin HTTP load balancer on loopback, kept small: a replica whose `GET /health/ready`
 * is not 200 (or does not answer within 2 s) three times in a row, or refuses a connection, is
 * out of rotation until a check passes again. A refused request goes to the next replica
 * (nothing was sent, so that is safe for any method); a connection lost once the request was
 * sent is a 502 to the client, which alone knows whether to retry.
 */
export interface Balancer {
  url: string;
  /** The replicas in rotation now. */
  inRotation(): string[];
  close(): Promise<void>;
}

export async function startBalancer(replicas: readonly string[], checkEveryMs = 200): Promise<Balancer> {
  const up = new Set<string>();
  let next = 0;
  const pick = (): string | undefined => {
    const live = replicas.filter((r) => up.has(r));
    return live.length ? live[next++ % live.length] : undefined;
  };

  // As HAProxy's `fall 3`: a check that times out on a busy replica does not take it out alone.
  const failed = new Map<string, number>();
  const checked = (replica: string, ok: boolean) => {
    failed.set(replica, ok ? 0 : (failed.get(replica) ?? 0) + 1);
    if (ok) up.add(replica);
    else if (failed.get(replica)! >= 3) up.delete(replica);
  };
  const check = (replica: string) =>
    new Promise<void>((resolve) => {
      const req = http.get(`${replica}/health/ready`, { agent: false, timeout: 2000 }, (res) => {
        res.resume();
        checked(replica, res.statusCode === 200);
        resolve();
      });
      req.on('timeout', () => req.destroy(new Error('health check timed out')));
      req.on('error', (err: NodeJS.ErrnoException) => {
        // Nothing listens: no need to wait for two more checks.
        if (err.code === 'ECONNREFUSED') failed.set(replica, 2);
        checked(replica, false);
        resolve();
      });
    });
  let checking: Promise<unknown> | null = Promise.all(replicas.map(check));
  await checking;
  checking = null;
  // A round still running when the next is due (a slow replica) is not doubled up.
  const timer = setInterval(() => {
    checking ??= Promise.all(replicas.map(check)).then(() => (checking = null));
  }, checkEveryMs);

  const send = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => {
    const replica = pick();
    if (replica === undefined) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no replica in rotation\n');
      return;
    }
    const upstream = http.request(
      `${replica}${req.url}`,
      { method: req.method, headers: { ...req.headers, connection: 'close' }, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode!, { ...answer.headers, 'x-served-by': replica });
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') {
        up.delete(replica);
        send(req, body, res);
      } else if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`upstream ${err.code ?? err.message}\n`);
      } else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    upstream.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => send(req, Buffer.concat(chunks), res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    inRotation: () => replicas.filter((r) => up.has(r)),
    async close() {
      clearInterval(timer);
      await checking;
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
