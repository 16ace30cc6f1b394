import { canonicalJson } from '../domain/canonical.js';
import { parseRef, TemplateSyntaxError, type Ref } from './template.js';

/**
 * The `when` language: a tokenizer and a recursive-descent parser to a small AST that is
 * interpreted, never turned into code. Precedence, loosest first:
 *   a || b    a && b    a == b (also != < <= > >=, not chainable)    !a    (a), literals, {{ref}}
 * Values are never coerced: `==` is strict (structural for objects and arrays), and ordering
 * compares two numbers or two strings and is false for anything else. A lone value is tested
 * for JavaScript truthiness (null, false, 0 and "" are false).
 */

export class ConditionSyntaxError extends Error {
  override name = 'ConditionSyntaxError';
  constructor(
    readonly reason: string,
    /** 1-based position in the source. */
    readonly column: number,
  ) {
    super(`${reason} at column ${column}`);
  }
}

export interface Condition {
  source: string;
  refs: Ref[];
  evaluate(lookup: (ref: Ref) => unknown): boolean;
}

type Literal = string | number | boolean | null;
type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
type Punct = CompareOp | '||' | '&&' | '!' | '(' | ')';

type Token =
  | { kind: 'punct'; value: Punct; column: number }
  | { kind: 'literal'; value: Literal; column: number }
  | { kind: 'ref'; ref: Ref; column: number }
  | { kind: 'end'; column: number };

type Node =
  | { type: 'literal'; value: Literal }
  | { type: 'ref'; ref: Ref }
  | { type: 'not'; operand: Node }
  | { type: 'and' | 'or'; left: Node; right: Node }
  | { type: 'compare'; op: CompareOp; left: Node; right: Node };

const TWO_CHAR: readonly Punct[] = ['||', '&&', '==', '!=', '<=', '>='];
const ONE_CHAR: readonly Punct[] = ['!', '<', '>', '(', ')'];
const COMPARE: readonly string[] = ['==', '!=', '<', '<=', '>', '>='];
const NUMBER = /-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const WORDS: Record<string, Literal> = { true: true, false: false, null: null };

export function compileCondition(source: string): Condition {
  const tokens = tokenize(source);
  const root = new Parser(tokens).parseAll();
  const refs = tokens.flatMap((t) => (t.kind === 'ref' ? [t.ref] : []));
  return {
    source,
    refs,
    evaluate: (lookup) => Boolean(evaluate(root, lookup)),
  };
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    const column = i + 1;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (src.startsWith('{{', i)) {
      const close = src.indexOf('}}', i + 2);
      if (close < 0) throw new ConditionSyntaxError('unterminated {{', column);
      try {
        tokens.push({ kind: 'ref', ref: parseRef(src.slice(i + 2, close).trim()), column });
      } catch (e) {
        if (e instanceof TemplateSyntaxError) throw new ConditionSyntaxError(e.message, column);
        throw e;
      }
      i = close + 2;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const { value, end } = readString(src, i);
      tokens.push({ kind: 'literal', value, column });
      i = end;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(src);
    if (num) {
      const after = src[i + num[0].length];
      if (after !== undefined && /[A-Za-z0-9_.$]/.test(after)) {
        throw new ConditionSyntaxError(`malformed number "${num[0]}${after}"`, column);
      }
      tokens.push({ kind: 'literal', value: Number(num[0]), column });
      i += num[0].length;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(src);
    if (word) {
      if (!Object.hasOwn(WORDS, word[0])) {
        throw new ConditionSyntaxError(
          `unknown word "${word[0]}" (only true, false and null; write references as {{...}})`,
          column,
        );
      }
      tokens.push({ kind: 'literal', value: WORDS[word[0]]!, column });
      i += word[0].length;
      continue;
    }
    const punct = TWO_CHAR.find((p) => src.startsWith(p, i)) ?? ONE_CHAR.find((p) => p === ch);
    if (!punct) {
      const hint = ch === '=' ? ' (use == to compare)' : ch === '&' || ch === '|' ? ` (use ${ch}${ch})` : '';
      throw new ConditionSyntaxError(`unexpected character "${ch}"${hint}`, column);
    }
    tokens.push({ kind: 'punct', value: punct, column });
    i += punct.length;
  }
  tokens.push({ kind: 'end', column: src.length + 1 });
  return tokens;
}

function readString(src: string, start: number): { value: string; end: number } {
  const quote = src[start];
  let value = '';
  let i = start + 1;
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === quote) return { value, end: i + 1 };
    if (ch === '\\') {
      const next = src[i + 1];
      if (next !== '\\' && next !== "'" && next !== '"') {
        throw new ConditionSyntaxError('unsupported escape in string (only \\\\, \\\' and \\" are allowed)', i + 1);
      }
      value += next;
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
  throw new ConditionSyntaxError('unterminated string', start + 1);
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parseAll(): Node {
    const node = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') throw this.unexpected(next, 'an operator or the end of the condition');
    return node;
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.eat('||')) left = { type: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseComparison();
    while (this.eat('&&')) left = { type: 'and', left, right: this.parseComparison() };
    return left;
  }

  private parseComparison(): Node {
    const left = this.parseUnary();
    const op = this.peek();
    if (op.kind !== 'punct' || !COMPARE.includes(op.value)) return left;
    this.pos++;
    const node: Node = { type: 'compare', op: op.value as CompareOp, left, right: this.parseUnary() };
    const again = this.peek();
    if (again.kind === 'punct' && COMPARE.includes(again.value)) {
      throw new ConditionSyntaxError('comparisons cannot be chained; use && and parentheses', again.column);
    }
    return node;
  }

  private parseUnary(): Node {
    if (this.eat('!')) return { type: 'not', operand: this.parseUnary() };
    return this.parsePrimary();
  }

  private parsePrimary(): Node {
    const token = this.peek();
    if (token.kind === 'literal') {
      this.pos++;
      return { type: 'literal', value: token.value };
    }
    if (token.kind === 'ref') {
      this.pos++;
      return { type: 'ref', ref: token.ref };
    }
    if (this.eat('(')) {
      const inner = this.parseOr();
      const close = this.peek();
      if (!this.eat(')')) throw this.unexpected(close, '")"');
      return inner;
    }
    throw this.unexpected(token, 'a value, {{reference}}, "!" or "("');
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private eat(p: Punct): boolean {
    const t = this.peek();
    if (t.kind === 'punct' && t.value === p) {
      this.pos++;
      return true;
    }
    return false;
  }

  private unexpected(token: Token, expected: string): ConditionSyntaxError {
    return new ConditionSyntaxError(`expected ${expected} but found ${describe(token)}`, token.column);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the condition';
    case 'ref':
      return `{{${token.ref.text}}}`;
    case 'literal':
      return JSON.stringify(token.value);
    case 'punct':
      return `"${token.value}"`;
  }
}

function evaluate(node: Node, lookup: (ref: Ref) => unknown): unknown {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'ref':
      return lookup(node.ref) ?? null;
    case 'not':
      return !evaluate(node.operand, lookup);
    case 'and':
      return Boolean(evaluate(node.left, lookup)) && Boolean(evaluate(node.right, lookup));
    case 'or':
      return Boolean(evaluate(node.left, lookup)) || Boolean(evaluate(node.right, lookup));
    case 'compare':
      return compare(node.op, evaluate(node.left, lookup), evaluate(node.right, lookup));
  }
}

function compare(op: CompareOp, a: unknown, b: unknown): boolean {
  if (op === '==') return equal(a, b);
  if (op === '!=') return !equal(a, b);
  const comparable =
    (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!comparable) return false;
  const [x, y] = [a, b];
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
  }
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null)
    return canonicalJson(a) === canonicalJson(b);
  return a === b;
}
