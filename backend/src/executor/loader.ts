import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { CapabilityRegistry } from './capability.js';
import { parsePattern, type Pattern } from './pattern.js';
import { deepFreeze } from './freeze.js';
import { PatternError, planOf } from './plan.js';

/** A pattern file that cannot be served; start-up stops with this message. */
export class PatternLoadError extends Error {
  override name = 'PatternLoadError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/**
 * Loads and checks every pattern file in `dir` (JSON Schema files beside them are skipped).
 * Patterns come back deep-frozen with their plans compiled, so a request can neither change
 * a pattern nor find a defect in one.
 */
export function loadPatterns(dir: string, registry: CapabilityRegistry): Map<string, Pattern> {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
      .sort();
  } catch (e) {
    throw new PatternLoadError(dir, `cannot read the pattern directory: ${(e as Error).message}`);
  }
  const patterns = new Map<string, Pattern>();
  const fileOf = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    const pattern = readPattern(file);
    // Checked before the file name so two files claiming one id are reported as such.
    const other = fileOf.get(pattern.id);
    if (other !== undefined)
      throw new PatternLoadError(file, `duplicate pattern id "${pattern.id}" (also in ${other})`);
    checkPattern(file, pattern, registry);
    fileOf.set(pattern.id, file);
    patterns.set(pattern.id, pattern);
  }
  return patterns;
}

export function loadPattern(file: string, registry: CapabilityRegistry): Pattern {
  const pattern = readPattern(file);
  checkPattern(file, pattern, registry);
  return pattern;
}

/** Parses a file and checks it against the schema. */
function readPattern(file: string): Pattern {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PatternLoadError(
      file,
      e instanceof SyntaxError ? `invalid JSON: ${e.message}` : `cannot read: ${(e as Error).message}`,
    );
  }
  try {
    return deepFreeze(parsePattern(doc));
  } catch (e) {
    throw new PatternLoadError(file, (e as Error).message);
  }
}

/** What the schema cannot say: file naming, capabilities that exist, references and conditions. */
function checkPattern(file: string, pattern: Pattern, registry: CapabilityRegistry): void {
  if (path.basename(file) !== `${pattern.id}.json`) {
    throw new PatternLoadError(file, `file name must be ${pattern.id}.json to match the pattern id`);
  }
  for (const step of pattern.steps) {
    if (!registry.has(step.capability))
      throw new PatternLoadError(file, `step "${step.as}": unknown capability "${step.capability}"`);
  }
  try {
    planOf(pattern);
  } catch (e) {
    if (e instanceof PatternError) throw new PatternLoadError(file, e.message);
    throw e;
  }
}
