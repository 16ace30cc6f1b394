import type { RequestCtx } from './capability.js';
import { compileCondition, ConditionSyntaxError, type Condition } from './condition.js';
import { inputSpecProblem } from './inputs.js';
import type { Pattern, PatternStep } from './pattern.js';
import { templateRefs, TemplateSyntaxError, type Ref } from './template.js';

/**
 * Only the ctx fields a result is keyed by may reach a step: request id, trace id or user
 * would make two runs of the same key differ.
 */
export const PURE_CTX_FIELDS = ['asof_date', 'ledger_commit_hash', 'pricing_pack_id'] as const;
export type PureCtx = Pick<RequestCtx, (typeof PURE_CTX_FIELDS)[number]>;

export interface StepPlan {
  step: PatternStep;
  /** Indexes of the earlier steps whose results this step's args or condition read. */
  deps: number[];
  when: Condition | null;
}

export interface PatternPlan {
  steps: StepPlan[];
}

/** A pattern that parses but cannot work; the message says where and why. */
export class PatternError extends Error {
  override name = 'PatternError';
}

const plans = new WeakMap<Pattern, PatternPlan>();

/** The plan of a pattern, checked and compiled on first use and then reused. */
export function planOf(pattern: Pattern): PatternPlan {
  let plan = plans.get(pattern);
  if (!plan) {
    plan = planPattern(pattern);
    plans.set(pattern, plan);
  }
  return plan;
}

/**
 * Checks everything the schema cannot (input declarations, references, conditions, outputs)
 * and compiles the dependency graph. References may only point backwards, so step order is
 * already a topological order and the graph cannot have cycles.
 */
export function planPattern(pattern: Pattern): PatternPlan {
  for (const [name, spec] of Object.entries(pattern.inputs)) {
    const problem = inputSpecProblem(spec);
    if (problem) throw new PatternError(`inputs.${name}: ${problem}`);
  }
  const indexOf = new Map<string, number>();
  const steps = pattern.steps.map((step, i): StepPlan => {
    const where = `step "${step.as}"`;
    if (indexOf.has(step.as))
      throw new PatternError(`${where}: duplicate step name (steps ${indexOf.get(step.as)} and ${i})`);
    const refs = attempt(where, () => templateRefs(step.args ?? {}));
    const when =
      step.when === undefined ? null : attempt(`${where} when "${step.when}"`, () => compileCondition(step.when!));
    const deps = new Set<number>();
    for (const ref of [...refs, ...(when?.refs ?? [])]) {
      const dep = checkRef(pattern, indexOf, step.as, ref);
      if (dep !== null) deps.add(dep);
    }
    // A step reading a step that may be left out cannot run without it, so it must be optional too.
    const optionalDep = [...deps].find((d) => pattern.steps[d]!.optional === true);
    if (optionalDep !== undefined && step.optional !== true)
      throw new PatternError(
        `${where} reads optional step "${pattern.steps[optionalDep]!.as}", so it must be optional too (it is left out with it)`,
      );
    indexOf.set(step.as, i);
    return { step, deps: [...deps].sort((a, b) => a - b), when };
  });
  for (const output of pattern.outputs) {
    if (!indexOf.has(output)) throw new PatternError(`outputs: "${output}" names no step`);
  }
  return { steps };
}

/** The index of the step a reference reads, null for inputs and ctx; throws for anything else. */
function checkRef(pattern: Pattern, earlier: ReadonlyMap<string, number>, stepName: string, ref: Ref): number | null {
  const where = `step "${stepName}": {{${ref.text}}}`;
  const [field, ...rest] = ref.path;
  if (ref.root === 'inputs') {
    if (field === undefined || rest.length > 0)
      throw new PatternError(`${where} must name exactly one input, like {{inputs.portfolio_id}}`);
    if (!Object.hasOwn(pattern.inputs, field))
      throw new PatternError(`${where} refers to input "${field}", which the pattern does not declare`);
    return null;
  }
  if (ref.root === 'ctx') {
    if (field === undefined || rest.length > 0 || !(PURE_CTX_FIELDS as readonly string[]).includes(field)) {
      throw new PatternError(
        `${where} is not allowed; templates may read only ${PURE_CTX_FIELDS.map((f) => `ctx.${f}`).join(', ')}`,
      );
    }
    return null;
  }
  const dep = earlier.get(ref.root);
  if (dep !== undefined) return dep;
  if (ref.root === stepName || pattern.steps.some((s) => s.as === ref.root)) {
    throw new PatternError(`${where} refers to step "${ref.root}", which does not come before this step`);
  }
  throw new PatternError(`${where} refers to "${ref.root}", which is not inputs, ctx or an earlier step`);
}

function attempt<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TemplateSyntaxError || e instanceof ConditionSyntaxError)
      throw new PatternError(`${where}: ${e.message}`);
    throw e;
  }
}
