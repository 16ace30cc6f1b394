/**
 * deploy/haproxy/haproxy.cfg for a balancer on loopback, as the balancer test and
 * bench/replicas.ts run Debian's haproxy: the same global, defaults and backend settings (health
 * checks, retries, error envelope), with the listeners on the given loopback ports and the
 * replicas at fixed addresses in place of the slots that Docker's DNS fills.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HAPROXY_CFG = path.join(path.dirname(fileURLToPath(import.meta.url)), 'haproxy.cfg');

export interface LoopbackBalancer {
  /** Port of the `http` frontend (`:8000` in compose). */
  port: number;
  /** Port of HAProxy's Prometheus exporter (`:8404` in compose). */
  metricsPort: number;
  /** `host:port` of each replica. */
  replicas: string[];
}

export function loopbackHaproxyConfig(b: LoopbackBalancer): string {
  let text = fs.readFileSync(HAPROXY_CFG, 'utf8');
  const swap = (pattern: RegExp, by: string) => {
    if (!pattern.test(text)) throw new Error(`${HAPROXY_CFG} has no line matching ${pattern}`);
    text = text.replace(pattern, by);
  };
  swap(/^(\s*)bind :8000$/m, `$1bind 127.0.0.1:${b.port}`);
  swap(/^(\s*)bind :8404$/m, `$1bind 127.0.0.1:${b.metricsPort}`);
  swap(
    /^(\s*)server-template folio \d+ folio:8000 check .*$/m,
    b.replicas.map((addr, i) => `$1server folio${i + 1} ${addr} check`).join('\n'),
  );
  return text;
}
