import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { REPO_ROOT } from '../../support/folio-process.js';

export const OBS = path.join(REPO_ROOT, 'observability');
export const RULE_FILES = fs
  .readdirSync(path.join(OBS, 'prometheus/rules'))
  .filter((f) => f.endsWith('.yml'))
  .map((f) => path.join(OBS, 'prometheus/rules', f));
export const ALERTMANAGER_BIN = 'prometheus-alertmanager';

const exec = promisify(execFile);

/** Where `name` is on the PATH, or null. */
function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/**
 * A `before` hook that skips the suite when a binary is missing, except under CI=true where
 * it fails: .ci/run installs them all.
 */
export function requireBinaries(...names: string[]): void {
  before(function () {
    const missing = names.filter((n) => which(n) === null);
    if (missing.length === 0) return;
    const why = `${missing.join(', ')} not on the PATH (Debian packages prometheus, prometheus-alertmanager, docker-compose, haproxy)`;
    if (process.env.CI === 'true') throw new Error(`required under CI=true: ${why}`);
    console.warn(`    skipping: ${why}`);
    this.skip();
  });
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a binary to completion; a non-zero exit is returned, not thrown. */
export async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Ran> {
  try {
    const { stdout, stderr } = await exec(cmd, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: opts.env ?? process.env,
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** A loopback port nobody listens on right now (Prometheus and Alertmanager cannot take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Merge keys (`<<: *anchor`) resolved, as Prometheus and Alertmanager read them. */
export const readYaml = <T = any>(file: string): T => YAML.parse(fs.readFileSync(file, 'utf8'), { merge: true }) as T;

export interface Daemon {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a long-running binary and resolves once `readyPath` answers 200 on `port`. */
export async function startDaemon(
  cmd: string,
  args: string[],
  port: number,
  readyPath: string,
  timeoutMs = 30_000,
): Promise<Daemon> {
  const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  const daemon: Daemon = {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${cmd} exited with ${child.exitCode} before it was ready:\n${output.slice(-4000)}`);
    try {
      if ((await fetch(url + readyPath)).ok) return daemon;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await daemon.stop();
      throw new Error(`${cmd} not ready within ${timeoutMs} ms:\n${output.slice(-4000)}`);
    }
    await sleep(200);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface PromResult {
  status: string;
  errorType?: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

/** An instant query through Prometheus's HTTP API: parse errors come back as status "error". */
export async function instantQuery(prometheusUrl: string, expr: string): Promise<PromResult> {
  const res = await fetch(`${prometheusUrl}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr }),
  });
  return (await res.json()) as PromResult;
}

/**
 * Every PromQL expression of a Grafana dashboard, with its panel's title, its variables
 * (`$instance`, ...) given the "All" value Grafana sends (`.*`).
 */
export function dashboardQueries(dashboard: { panels?: unknown[] }): { panel: string; expr: string }[] {
  return ((dashboard.panels ?? []) as { title?: string; targets?: { expr?: string }[] }[]).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title ?? '', expr: (t.expr ?? '').replace(/\$[a-z]+/g, '.*') })),
  );
}

/**
 * The test Prometheus configuration, derived from observability/prometheus/prometheus.yml by
 * one documented transformation (docs/observability.md#tests): scrape and evaluate every
 * second, scrape the folio target at `folioTarget` (and HAProxy's exporter at `balancerTarget`
 * when given), send alerts to `alertmanagerTarget`, load the real rule files by absolute path.
 * Rules, `for:` durations and labels are untouched.
 */
export function testPrometheusConfig(opts: {
  folioTarget: string;
  balancerTarget?: string;
  alertmanagerTarget?: string;
}): string {
  const real = readYaml(path.join(OBS, 'prometheus/prometheus.yml'));
  const job = (name: string) => {
    const found = (real.scrape_configs as { job_name: string }[]).find((s) => s.job_name === name);
    if (!found) throw new Error(`prometheus.yml has no job "${name}"`);
    return found;
  };
  const folio = job('folio');
  const config = {
    ...real,
    global: { ...real.global, scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: RULE_FILES,
    alerting: opts.alertmanagerTarget
      ? { alertmanagers: [{ static_configs: [{ targets: [opts.alertmanagerTarget] }] }] }
      : undefined,
    // The one test target in place of the replicas that the real job discovers through DNS.
    scrape_configs: [
      { ...folio, dns_sd_configs: undefined, static_configs: [{ targets: [opts.folioTarget] }] },
      ...(opts.balancerTarget ? [{ ...job('balancer'), static_configs: [{ targets: [opts.balancerTarget] }] }] : []),
    ],
  };
  return YAML.stringify(config);
}

/** Starts Prometheus on a free loopback port with `config` written into `dir`. */
export async function startPrometheus(dir: string, config: string): Promise<Daemon> {
  const port = await freePort();
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
  return startDaemon(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    port,
    '/-/ready',
  );
}
