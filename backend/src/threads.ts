import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker thread whose entry file is `name` next to the module `from` (its
 * import.meta.url): `.js` in the build (dist/), `.ts` when the sources run through tsx (tests,
 * `npx folio`), where the thread registers tsx before loading it.
 */
export function startThread(name: string, from: string, workerData?: unknown): Worker {
  const entry = new URL(`./${name}${path.extname(from)}`, from);
  if (entry.pathname.endsWith('.js')) return new Worker(entry, { workerData });
  const boot = [
    `const { register } = await import(${JSON.stringify(tsxApi())});`,
    'register();',
    `await import(${JSON.stringify(entry.href)});`,
  ].join('\n');
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData });
}

/**
 * tsx's ESM register API as a file URL: the thread's boot module is a data: URL, from which a
 * bare specifier cannot be resolved. (Its CommonJS build, what require.resolve finds, cannot
 * be imported from ESM.)
 */
function tsxApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const { exports } = require(manifest) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(path.join(path.dirname(manifest), exports['./esm/api']!.import.default)).href;
}
