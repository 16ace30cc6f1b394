import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface FileServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Paths requested, in order. */
  hits: string[];
  /** The next `times` requests get `status` instead of the file. */
  failNext(times: number, status: number): void;
  close(): Promise<void>;
}

/** Serves the files under `root` over HTTP on 127.0.0.1, as a vendor's download site would; 404 for anything else. */
export async function startFileServer(root: string): Promise<FileServer> {
  let failures: { times: number; status: number } = { times: 0, status: 0 };
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    hits.push(url.pathname);
    if (failures.times > 0) {
      failures.times--;
      return void res.writeHead(failures.status, { 'content-type': 'text/plain' }).end('try later');
    }
    const file = path.join(root, decodeURIComponent(url.pathname));
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile())
      return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    const type = file.endsWith('.xml') ? 'application/xml' : 'text/csv';
    res.writeHead(200, { 'content-type': type }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    failNext: (times, status) => void (failures = { times, status }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
