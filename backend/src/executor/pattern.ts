import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';

export type InputType = 'string' | 'integer' | 'number' | 'boolean' | 'date';
export type Scalar = string | number | boolean;

export interface InputSpec {
  type: InputType;
  required?: boolean;
  default?: Scalar;
  minimum?: number;
  maximum?: number;
  enum?: Scalar[];
  maxLength?: number;
  description?: string;
}

export interface PatternStep {
  capability: string;
  as: string;
  args?: Record<string, unknown>;
  when?: string;
  /** The answer may be given without this step: when it fails (5xx-class) or its agent's breaker is open, its output is null. */
  optional?: boolean;
}

export interface Pattern {
  id: string;
  version: string;
  name: string;
  description: string;
  timeout_ms?: number;
  /** False when a result depends on more than its pins, so a cached one could be out of date. */
  cache_results?: boolean;
  inputs: Record<string, InputSpec>;
  steps: PatternStep[];
  outputs: string[];
}

const SCHEMA_URL = new URL('../patterns/pattern.schema.json', import.meta.url);

// Compiled once per process: every pattern file is checked against the same published schema.
const validate = new Ajv({ allowUnionTypes: true }).compile<Pattern>(
  JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as object,
);

/** Checks a parsed document against pattern.schema.json; throws with the first violation. */
export function parsePattern(doc: unknown): Pattern {
  if (validate(doc)) return doc;
  throw new Error(`schema: ${describeSchemaError(validate.errors?.[0])}`);
}

function describeSchemaError(e: ErrorObject | undefined): string {
  if (!e) return 'does not match pattern.schema.json';
  let text = `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`;
  if (e.propertyName !== undefined) text += ` (property name "${e.propertyName}")`;
  if (e.keyword === 'additionalProperties') text += ` ("${String(e.params.additionalProperty)}")`;
  if (e.keyword === 'enum')
    text += `: ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return text;
}
