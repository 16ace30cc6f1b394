import type { z } from 'zod';
import { isAppError } from '../errors.js';
import type { WarningCode } from '../domain/warnings.js';

export interface RequestUser {
  id: string;
  username: string;
}

export interface RequestCtx {
  request_id: string;
  trace_id: string | null;
  user: RequestUser;
  pricing_pack_id: string;
  /** The pinned pack's date, from its row when the pins were chosen: pack ids are not re-parsed for it. */
  pricing_pack_date: string;
  ledger_commit_hash: string;
  asof_date: string;
}

export interface Warning {
  code: WarningCode;
  message: string;
}

/** A capability's output kept with the warnings it raised, so a reuse tells the client the same. */
export interface Remembered<T> {
  output: T;
  warnings: Warning[];
}

/** Runs `compute`, passing its warnings on as they come and keeping them with the output. */
export async function remember<T>(
  warn: (w: Warning) => void,
  compute: (warn: (w: Warning) => void) => T | Promise<T>,
): Promise<Remembered<T>> {
  const warnings: Warning[] = [];
  const output = await compute((w) => {
    warnings.push(w);
    warn(w);
  });
  return { output, warnings };
}

/** A remembered output, its warnings raised again. */
export function recall<T>(known: Remembered<T>, warn: (w: Warning) => void): T {
  known.warnings.forEach(warn);
  return known.output;
}

/**
 * Whether a failure of an optional step leaves it out of the answer rather than failing the
 * answer: a server-side failure does (an agent's open breaker or timeout, a database error, a
 * bug); a client's mistake (an AppError below 500) does not, since leaving the step out would
 * hide a request that can never succeed.
 */
export const leavesStepOut = (err: unknown): boolean => !(isAppError(err) && err.status < 500);

/** What a capability gets besides its arguments: the pinned request, cancellation and a way to warn. */
export interface CapabilityCall {
  ctx: RequestCtx;
  /** Aborted when the pattern's deadline passes or another step fails; long work should stop. */
  signal: AbortSignal;
  warn: (w: Warning) => void;
  /** The step is optional: a failure leaves it out of the answer (leavesStepOut) instead of failing it. */
  optional?: boolean;
}

/**
 * One unit of work a pattern step can name. `run` only ever sees arguments that `args`
 * accepted, so it can trust their shape. `args` is applied synchronously (safeParse), so it
 * must not use async refinements.
 */
export interface Capability<A = any, R = unknown> {
  name: string;
  description: string;
  args: z.ZodType<A>;
  run(args: A, call: CapabilityCall): Promise<R>;
}

/**
 * Capabilities are named `<agent>.<action>`: an agent is the module serving one namespace
 * (agents/<agent>-agent.ts), and the registration table (agents/index.ts) holds each one to it.
 */
export function agentOf(capabilityName: string): string {
  const dot = capabilityName.indexOf('.');
  return dot > 0 ? capabilityName.slice(0, dot) : capabilityName;
}

export class CapabilityRegistry {
  private readonly byName = new Map<string, Capability>();

  /** `agent` is the one serving the capability, which must be named in its namespace. */
  register(capability: Capability, agent: string = agentOf(capability.name)): void {
    if (this.byName.has(capability.name)) {
      throw new Error(`capability ${capability.name} is already registered`);
    }
    if (agentOf(capability.name) !== agent) {
      throw new Error(`capability ${capability.name} is registered under agent ${agent}, outside its namespace`);
    }
    this.byName.set(capability.name, capability);
  }

  get(name: string): Capability | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Sorted by name so listings are stable. */
  list(): Capability[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
