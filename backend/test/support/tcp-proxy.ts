import net from 'node:net';

/** A TCP proxy in front of a server, which can make the server look hung. */
export interface TcpProxy {
  port: number;
  /**
   * From now on the server looks hung: open connections are cut, and new ones are accepted but
   * get no answer (as a database host that stopped responding: connecting never completes).
   */
  hang(): void;
  /** The server answers again; connections that waited meanwhile go through. */
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let held: net.Socket[] | null = null;
  const forward = (client: net.Socket) => {
    const upstream = net.connect(target.port, target.host);
    open.add(client).add(upstream);
    for (const s of [client, upstream]) {
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => open.delete(s));
    }
    client.pipe(upstream).pipe(client);
  };
  const server = net.createServer((client) => {
    if (!held) return forward(client);
    client.on('error', () => client.destroy());
    held.push(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    hang() {
      held ??= [];
      for (const s of open) s.destroy();
    },
    resume() {
      const waiting = held ?? [];
      held = null;
      for (const client of waiting) if (!client.destroyed) forward(client);
    },
    async close() {
      for (const s of [...open, ...(held ?? [])]) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
