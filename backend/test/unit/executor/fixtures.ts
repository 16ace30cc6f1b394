import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  CapabilityRegistry,
  type Capability,
  type CapabilityCall,
  type RequestCtx,
} from '../../../src/executor/capability.js';
import type { Pattern } from '../../../src/executor/pattern.js';

export const ctx: RequestCtx = {
  request_id: 'req-1',
  trace_id: null,
  user: { id: 'u1', username: 'alice' },
  pricing_pack_id: 'PP_2025-10-24',
  pricing_pack_date: '2025-10-24',
  ledger_commit_hash: 'a'.repeat(64),
  asof_date: '2025-10-24',
};

/** A capability that hands its arguments to `run` unchecked unless a schema is given. */
export function cap(
  name: string,
  run: (args: any, call: CapabilityCall) => Promise<unknown> = async (args) => args,
  args: z.ZodType = z.any(),
): Capability {
  return { name, description: `test capability ${name}`, args, run };
}

export function registryOf(...caps: Capability[]): CapabilityRegistry {
  const registry = new CapabilityRegistry();
  for (const c of caps) registry.register(c);
  return registry;
}

export function pattern(overrides: Partial<Pattern> = {}): Pattern {
  return {
    id: 'demo',
    version: '1.0.0',
    name: 'Demo',
    description: 'A pattern for tests',
    inputs: { portfolio_id: { type: 'string', required: true } },
    steps: [{ capability: 'echo', as: 'first', args: { id: '{{inputs.portfolio_id}}' } }],
    outputs: ['first'],
    ...overrides,
  };
}

/** Writes files (objects as JSON, strings verbatim) into a fresh temporary directory. */
export function patternDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'folio-patterns-'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves when the signal aborts, for capabilities that honour cancellation. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
  );
}
