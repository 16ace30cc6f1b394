import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import YAML from 'yaml';
import { OBS, readYaml } from './stack.js';

/** One notification Alertmanager sent, by the path it was sent to (/pagerduty, /slack). */
export interface Notification {
  receiver: string;
  body: any;
}

export interface Recorder {
  url: string;
  received: Notification[];
  server: Server;
}

/** Records every notification Alertmanager sends, answering as PagerDuty and Slack do. */
export async function startRecorder(): Promise<Recorder> {
  const received: Notification[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (s: string) => (text += s));
    req.on('end', () => {
      received.push({ receiver: req.url ?? '', body: JSON.parse(text) });
      // PagerDuty's Events API answers 202; Slack any 2xx.
      res
        .writeHead(req.url === '/pagerduty' ? 202 : 200, { 'content-type': 'application/json' })
        .end('{"status":"success"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, received, server };
}

/**
 * The test Alertmanager configuration, derived from observability/alertmanager/alertmanager.yml
 * by one documented transformation (docs/observability.md#tests): every receiver keeps its kind
 * but sends to the local recorder (PagerDuty's Events API URL, Slack's URL from its secret
 * file), secrets come from files in `dir`, the committed templates are loaded from the
 * repository, and group_wait/group_interval are one second so that the test need not wait
 * minutes. Routes, inhibition and texts are untouched.
 */
export function testAlertmanagerConfig(dir: string, recorder: string): string {
  const am = readYaml(path.join(OBS, 'alertmanager/alertmanager.yml'));
  fs.writeFileSync(path.join(dir, 'pagerduty_routing_key'), 'test-routing-key');
  fs.writeFileSync(path.join(dir, 'slack_api_url'), `${recorder}/slack`);
  am.global.slack_api_url_file = path.join(dir, 'slack_api_url');
  am.templates = [path.join(OBS, 'alertmanager/templates/*.tmpl')];
  am.route.group_wait = '1s';
  am.route.group_interval = '1s';
  for (const r of am.receivers) {
    for (const p of r.pagerduty_configs ?? [])
      Object.assign(p, { url: `${recorder}/pagerduty`, routing_key_file: path.join(dir, 'pagerduty_routing_key') });
  }
  return YAML.stringify(am);
}
