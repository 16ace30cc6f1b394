/**
 * Templates are whole strings such as "{{inputs.portfolio_id}}" or "{{positions.items}}".
 * Being whole-string is what lets a reference keep its type: "{{inputs.top_n}}" becomes the
 * number 10, not "10", and there is no string interpolation to escape or inject into.
 */

export interface Ref {
  /** `inputs`, `ctx` or a step's `as`. */
  root: string;
  /** Property names (or array indexes) followed from the root. */
  path: string[];
  /** The reference as written between the braces, for messages. */
  text: string;
}

export class TemplateSyntaxError extends Error {
  override name = 'TemplateSyntaxError';
}

const REF = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$/;
const WHOLE = /^\{\{\s*([^{}]*?)\s*\}\}$/;

/** Parses what sits between `{{` and `}}`. */
export function parseRef(text: string): Ref {
  if (!REF.test(text)) {
    throw new TemplateSyntaxError(
      `"{{${text}}}" is not a reference; expected a name with optional .path, like {{inputs.portfolio_id}}`,
    );
  }
  const [root, ...path] = text.split('.') as [string, ...string[]];
  return { root, path, text };
}

/** The reference a string stands for, or null for a plain string. */
export function parseTemplate(s: string): Ref | null {
  if (!s.includes('{{')) return null;
  const whole = WHOLE.exec(s);
  if (!whole) {
    throw new TemplateSyntaxError(
      `"${s}" mixes a template with other text; a template must be the whole string, like "{{inputs.portfolio_id}}"`,
    );
  }
  return parseRef(whole[1]!);
}

/** Every reference inside a value (nested objects and arrays included), in document order. */
export function templateRefs(value: unknown): Ref[] {
  const refs: Ref[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      const ref = parseTemplate(v);
      if (ref) refs.push(ref);
    } else if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (isObject(v)) {
      for (const [key, child] of Object.entries(v)) {
        if (key.includes('{{'))
          throw new TemplateSyntaxError(`object key "${key}" looks like a template; only values are resolved`);
        visit(child);
      }
    }
  };
  visit(value);
  return refs;
}

/**
 * A copy of `value` with each template replaced by what `lookup` returns for it. A reference
 * to nothing becomes null, the JSON way of saying absent.
 */
export function resolveTemplates(value: unknown, lookup: (ref: Ref) => unknown): unknown {
  if (typeof value === 'string') {
    const ref = parseTemplate(value);
    return ref ? (lookup(ref) ?? null) : value;
  }
  if (Array.isArray(value)) return value.map((v) => resolveTemplates(v, lookup));
  if (isObject(value)) {
    // fromEntries defines own properties, so a "__proto__" key stays data.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTemplates(v, lookup)]));
  }
  return value;
}

/** Follows `path` through own properties only, so no path can reach prototypes; undefined when absent. */
export function valueAtPath(root: unknown, path: readonly string[]): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
