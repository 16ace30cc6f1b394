import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { HAPROXY_CFG, loopbackHaproxyConfig } from '../../../deploy/haproxy/loopback.js';
import { tempDir } from '../support/folio-process.js';
import { freePort, requireBinaries, run, startDaemon, type Daemon } from './observability-stack/stack.js';

/** A stand-in replica on loopback: says who it is, and whether it is ready on /health/ready. */
interface FakeReplica {
  name: string;
  addr: string;
  ready: boolean;
  forwardedFor: string[];
  close(): Promise<void>;
}

async function fakeReplica(name: string): Promise<FakeReplica> {
  const sockets = new Set<net.Socket>();
  const replica = { name, ready: true, forwardedFor: [] as string[] } as FakeReplica;
  const server = http.createServer((req, res) => {
    if (req.url === '/health/ready') {
      res.writeHead(replica.ready ? 200 : 503).end();
      return;
    }
    replica.forwardedFor.push(String(req.headers['x-forwarded-for']));
    // A replica killed in the middle of a request: the connection closes with no answer.
    if (req.url === '/v1/drop') return req.socket.destroy();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ replica: name }));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  replica.addr = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  replica.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return replica;
}

/** Waits (at most 30 s, HAProxy checks every 2 s) until `ok` holds for what `probe` returns. */
async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('load balancer: deploy/haproxy/haproxy.cfg (HAProxy)', function () {
  requireBinaries('haproxy');
  const dir = tempDir('folio-balancer-');
  const balancers: Daemon[] = [];
  after(async () => {
    await Promise.all(balancers.map((b) => b.stop()));
    dir.remove();
  });

  async function balancer(replicas: FakeReplica[]): Promise<string> {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const file = path.join(dir.path, `haproxy-${port}.cfg`);
    fs.writeFileSync(file, loopbackHaproxyConfig({ port, metricsPort, replicas: replicas.map((r) => r.addr) }));
    balancers.push(await startDaemon('haproxy', ['-f', file], metricsPort, '/metrics'));
    return `http://127.0.0.1:${port}`;
  }

  const post = async (url: string) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    return { status: res.status, headers: res.headers, body: await res.json() };
  };

  /** Which replicas answered 12 requests in a row (or the status when the balancer answered). */
  const spread = async (url: string) => {
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = await post(`${url}/v1/execute`);
      seen.add(r.status === 200 ? r.body.replica : String(r.status));
    }
    return [...seen].sort();
  };

  const assertEnvelope = (r: Awaited<ReturnType<typeof post>>, status: number, code: string) => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.match(r.headers.get('content-type')!, /^application\/json/);
    assert.deepEqual(Object.keys(r.body).sort(), ['details', 'error', 'message', 'request_id', 'trace_id']);
    assert.equal(r.body.error, code);
    assert.deepEqual(r.body.details, { dependency: 'replica' });
    assert.equal(r.headers.get('x-request-id'), r.body.request_id);
    assert.match(r.body.request_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(r.body.trace_id, r.body.request_id.replaceAll('-', ''));
    assert.equal(r.headers.get('retry-after'), '1');
  };

  it('haproxy -c accepts the configuration the compose balancer mounts', async () => {
    const r = await run('haproxy', ['-c', '-f', HAPROXY_CFG]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /Configuration file is valid/);
  });

  it('with no replica it answers 503 dependency_unavailable in the error envelope, with Retry-After', async () => {
    const url = await balancer([]);
    assertEnvelope(await post(`${url}/v1/execute`), 503, 'dependency_unavailable');
    const [x, y] = [await post(`${url}/v1/execute`), await post(`${url}/v1/execute`)];
    assert.notEqual(x.body.request_id, y.body.request_id, 'each answer has its own request id');
  });

  it('spreads requests over the replicas whose /health/ready answers 200, and only over those', async () => {
    const [a, b] = [await fakeReplica('a'), await fakeReplica('b')];
    try {
      const url = await balancer([a, b]);
      assert.deepEqual(await spread(url), ['a', 'b']);
      assert.ok(
        a.forwardedFor.every((f) => f === '127.0.0.1'),
        `X-Forwarded-For: ${a.forwardedFor.join(', ')}`,
      );

      b.ready = false; // draining: out of rotation after two failed checks
      assert.deepEqual(
        await eventually(
          () => spread(url),
          (s) => s.length === 1,
        ),
        ['a'],
      );
      a.ready = false;
      assert.deepEqual(
        await eventually(
          () => spread(url),
          (s) => !s.includes('a'),
        ),
        ['503'],
      );
      assertEnvelope(await post(`${url}/v1/execute`), 503, 'dependency_unavailable');
      b.ready = true; // back after two good checks
      assert.deepEqual(
        await eventually(
          () => spread(url),
          (s) => !s.includes('503'),
        ),
        ['b'],
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a replica that drops the connection mid-request is answered 503 in the envelope, never 502', async () => {
    const a = await fakeReplica('a');
    try {
      const url = await balancer([a]);
      assertEnvelope(await post(`${url}/v1/drop`), 503, 'dependency_unavailable');
      assert.equal(a.forwardedFor.length, 1, 'a request that reached a replica is not sent again');
    } finally {
      await a.close();
    }
  });
});
