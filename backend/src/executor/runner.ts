import { AppError } from '../errors.js';
import {
  agentOf,
  leavesStepOut,
  type Capability,
  type CapabilityRegistry,
  type RequestCtx,
  type Warning,
} from './capability.js';
import type { Pattern, PatternStep } from './pattern.js';
import { planOf, type PureCtx, type StepPlan } from './plan.js';
import { parseTemplate, resolveTemplates, valueAtPath, type Ref } from './template.js';
import { elapsedMs } from '../clock.js';

/** `skipped`: its condition was false (or it read a skipped step); `left_out`: an optional step that failed, or read one that was left out. */
export type StepStatus = 'ok' | 'skipped' | 'failed' | 'left_out';

/** The warning each left-out step adds to the answer; its message depends only on which steps were left out. */
export const STEP_LEFT_OUT = 'step_left_out';

export interface StepReport {
  as: string;
  capability: string;
  status: StepStatus;
  duration_ms: number;
}

export interface StepInfo {
  as: string;
  capability: string;
}

/** Observation points for tracing and metrics; every started step is ended exactly once. */
export interface RunHooks {
  onStepStart?(step: StepInfo): void;
  onStepEnd?(report: StepReport, error?: unknown): void;
  /**
   * Runs one whole step (start to end hooks included). Steps run concurrently, so this is
   * where an observer can make its own context (a span) current for everything the step does.
   */
  wrapStep?<T>(step: StepInfo, run: () => Promise<T>): Promise<T>;
  /** Runs one capability call, as wrapStep does for the step around it. */
  wrapCapability?<T>(step: StepInfo, run: () => Promise<T>): Promise<T>;
}

export interface RunOptions {
  /** Deadline for the whole run unless the pattern sets its own timeout_ms. */
  timeoutMs: number;
  /** Cancels the run from outside; the run rejects with the signal's reason. */
  signal?: AbortSignal;
  hooks?: RunHooks;
}

export interface RunOutcome {
  result: Record<string, unknown>;
  warnings: Warning[];
  steps: StepReport[];
  /** Names (`as`) of the steps left out, in step order; empty for a complete answer. */
  left_out: string[];
}

type Outcome = { status: 'ok'; output: unknown } | { status: 'skipped' } | { status: 'left_out' };

/**
 * Runs a pattern as a dependency graph: each step starts as soon as the steps it reads have
 * finished, so independent steps overlap. The first failure, the deadline or the caller's
 * signal aborts the signal every capability holds, and the run rejects at once rather than
 * waiting for capabilities that ignore it.
 */
export async function runPattern(
  pattern: Pattern,
  inputs: Record<string, unknown>,
  ctx: RequestCtx,
  registry: CapabilityRegistry,
  opts: RunOptions,
): Promise<RunOutcome> {
  const plan = planOf(pattern);
  const timeoutMs = pattern.timeout_ms ?? opts.timeoutMs;
  const controller = new AbortController();
  const stopped = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
  });
  const expire = () =>
    controller.abort(
      new AppError('timeout', `pattern ${pattern.id} exceeded its deadline of ${timeoutMs} ms`, {
        timeout_ms: timeoutMs,
      }),
    );
  const deadline = performance.now() + timeoutMs;
  const timer = setTimeout(expire, timeoutMs);
  // The timer cannot fire while work runs without yielding to the event loop (a synchronous
  // database driver, a CPU-bound step), so step boundaries also read the clock.
  const checkpoint = (): void => {
    if (performance.now() >= deadline) expire();
    controller.signal.throwIfAborted();
  };
  const external = opts.signal;
  const onExternalAbort = () => controller.abort(external?.reason);
  if (external?.aborted) onExternalAbort();
  else external?.addEventListener('abort', onExternalAbort, { once: true });
  try {
    const run: Run = { pattern, inputs, ctx, registry, controller, checkpoint, hooks: opts.hooks ?? {} };
    return await Promise.race([execute(run, plan.steps), stopped]);
  } finally {
    clearTimeout(timer);
    external?.removeEventListener('abort', onExternalAbort);
  }
}

interface Run {
  pattern: Pattern;
  inputs: Record<string, unknown>;
  ctx: RequestCtx;
  registry: CapabilityRegistry;
  controller: AbortController;
  /** Throws once the run is over: aborted, failed or past its deadline. */
  checkpoint: () => void;
  hooks: RunHooks;
}

async function execute(run: Run, nodes: readonly StepPlan[]): Promise<RunOutcome> {
  const { pattern, inputs, ctx, registry, controller, checkpoint, hooks } = run;
  const { signal } = controller;
  const pure: PureCtx = {
    asof_date: ctx.asof_date,
    ledger_commit_hash: ctx.ledger_commit_hash,
    pricing_pack_id: ctx.pricing_pack_id,
  };
  const outputs = new Map<string, unknown>();
  const lookup = (ref: Ref): unknown =>
    valueAtPath(ref.root === 'inputs' ? inputs : ref.root === 'ctx' ? pure : outputs.get(ref.root), ref.path);
  const warnings: Warning[][] = nodes.map(() => []);
  const reports: StepReport[] = [];

  const runStep = async (node: StepPlan, index: number, deps: Promise<Outcome>[]): Promise<Outcome> => {
    const done = await Promise.all(deps);
    checkpoint();
    const { step } = node;
    const info: StepInfo = { as: step.as, capability: step.capability };
    return hooks.wrapStep
      ? hooks.wrapStep(info, () => stepBody(node, index, done, info))
      : stepBody(node, index, done, info);
  };

  const stepBody = async (node: StepPlan, index: number, done: Outcome[], info: StepInfo): Promise<Outcome> => {
    const { step } = node;
    const started = performance.now();
    const end = (status: StepStatus, error?: unknown): void => {
      const report = { ...info, status, duration_ms: elapsedMs(started) };
      reports[index] = report;
      hooks.onStepEnd?.(report, error);
    };
    const leaveOut = (reason: string, error?: unknown): Outcome => {
      // Only the step's own left-out warning: what it said before failing depends on how far it got.
      warnings[index] = [
        { code: STEP_LEFT_OUT, message: `step "${step.as}" (${step.capability}) was left out: ${reason}` },
      ];
      end('left_out', error);
      return { status: 'left_out' };
    };
    try {
      hooks.onStepStart?.(info);
      const leftOutDep = node.deps.find((_, i) => done[i]!.status === 'left_out');
      if (leftOutDep !== undefined)
        return leaveOut(`it reads step "${pattern.steps[leftOutDep]!.as}", which was left out`);
      if (done.some((d) => d.status === 'skipped') || (node.when && !node.when.evaluate(lookup))) {
        end('skipped');
        return { status: 'skipped' };
      }
      const capability = registry.get(step.capability);
      if (!capability)
        throw new Error(`pattern ${pattern.id} step "${step.as}": capability ${step.capability} is not registered`);
      const args = parseArgs(pattern, step, capability, resolveTemplates(step.args ?? {}, lookup));
      const warn = (w: Warning): void => void warnings[index]!.push({ code: w.code, message: w.message });
      const call = { ctx, signal, warn, optional: step.optional === true };
      const output =
        (await (hooks.wrapCapability
          ? hooks.wrapCapability(info, () => capability.run(args, call))
          : capability.run(args, call))) ?? null;
      checkpoint();
      outputs.set(step.as, output);
      end('ok');
      return { status: 'ok', output };
    } catch (err) {
      // Once the run is over (deadline, another step failed) nothing is left out: the run fails.
      if (step.optional && !signal.aborted && leavesStepOut(err))
        return leaveOut(`its agent ${agentOf(step.capability)} failed or is unavailable`, err);
      end('failed', err);
      controller.abort(err);
      throw err;
    }
  };

  const outcomes: Promise<Outcome>[] = [];
  nodes.forEach((node, i) =>
    outcomes.push(
      runStep(
        node,
        i,
        node.deps.map((d) => outcomes[d]!),
      ),
    ),
  );
  await Promise.all(outcomes);
  return {
    result: Object.fromEntries(pattern.outputs.map((name) => [name, outputs.get(name) ?? null])),
    warnings: dedupe(warnings.flat()),
    steps: reports,
    left_out: reports.filter((r) => r.status === 'left_out').map((r) => r.as),
  };
}

/**
 * Validates resolved arguments with the capability's schema. A value the client supplied
 * (an input) is the client's mistake; a value from another step, ctx or the pattern text
 * is the server's, so it is not blamed on the request.
 */
function parseArgs(pattern: Pattern, step: PatternStep, capability: Capability, resolved: unknown): unknown {
  const parsed = capability.args.safeParse(resolved);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(arguments)',
    message: issue.message,
    source: sourceOf(step.args ?? {}, issue.path),
  }));
  const first = issues[0]!;
  const serverSide = issues.find((i) => i.source?.root !== 'inputs');
  if (serverSide) {
    const from = serverSide.source ? `{{${serverSide.source.text}}}` : 'the pattern text';
    throw new Error(
      `pattern ${pattern.id} step "${step.as}": ${capability.name} rejected argument ${serverSide.path} (from ${from}): ${serverSide.message}`,
    );
  }
  const input = first.source!.path[0]!;
  throw new AppError(
    'invalid_request',
    `input "${input}" is not acceptable to step "${step.as}" (${capability.name}): ${first.path}: ${first.message}`,
    {
      input,
      step: step.as,
      capability: capability.name,
      issues: issues.map(({ path, message }) => ({ path, message })),
    },
  );
}

/** The template an argument path was filled from, or null when the pattern wrote it (or left it out). */
function sourceOf(args: unknown, path: readonly PropertyKey[]): Ref | null {
  let node = args;
  for (const key of path) {
    if (typeof node === 'string') break;
    if (typeof node !== 'object' || node === null || typeof key === 'symbol' || !Object.hasOwn(node, key)) return null;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'string' ? parseTemplate(node) : null;
}

function dedupe(warnings: Warning[]): Warning[] {
  const seen = new Set<string>();
  return warnings.filter((w) => {
    const key = JSON.stringify([w.code, w.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
