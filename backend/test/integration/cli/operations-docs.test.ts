import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, runFolio } from '../../support/folio-process.js';

const DOC = path.join(REPO_ROOT, 'docs/operations.md');
const WORD = /^[a-z][a-z-]*$/;

/** The commands `folio --help` lists: `serve`, `users create`, `packs`, `packs retire`, ... */
function helpCommands(usage: string): Set<string> {
  return new Set(
    usage.split('\n').flatMap((l) => {
      const m = /^ {2}([a-z][a-z-]*)(?: ([a-z][a-z-]*))?(?: |$)/.exec(l);
      return m ? [m[2] ? `${m[1]} ${m[2]}` : m[1]!] : [];
    }),
  );
}

/** The code of a Markdown text: fenced blocks line by line, and inline code spans. */
function codeOf(markdown: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    else if (fenced) out.push(line);
    else out.push(...[...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
  }
  return out;
}

/**
 * Every command line written in code as `folio WORD [WORD]` (or `npx folio ...`), as the
 * words that follow `folio`: the command and, when the next word is a plain word, what may be
 * its subcommand.
 */
function documentedCommands(markdown: string): { words: [string, string?]; text: string }[] {
  return codeOf(markdown).flatMap((code) =>
    [...code.matchAll(/(?:^|[\s($])folio ([^|#;)]*)/g)].flatMap((m) => {
      const [w1, w2] = m[1]!.trim().split(/\s+/);
      if (!w1 || !WORD.test(w1)) return [];
      return [
        { words: [w1, w2 && WORD.test(w2) ? w2 : undefined] as [string, string?], text: `folio ${m[1]!.trim()}` },
      ];
    }),
  );
}

/** The help command a documented command line names, or null when `folio --help` has none. */
function resolve(help: Set<string>, [w1, w2]: [string, string?]): string | null {
  if (w2 && help.has(`${w1} ${w2}`)) return `${w1} ${w2}`;
  const subcommands = [...help].filter((h) => h.startsWith(`${w1} `));
  if (help.has(w1) && (!w2 || subcommands.length === 0)) return w1;
  if (!w2 && subcommands.length > 0) return w1; // the group, as in `folio keys`
  return null;
}

/** The lines of the `## CLI` section of docs/operations.md, its subsections included. */
function cliSection(markdown: string): string {
  const lines = markdown.split('\n');
  const start = lines.indexOf('## CLI');
  assert.ok(start >= 0, 'docs/operations.md has a "## CLI" section');
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  return lines.slice(start, end).join('\n');
}

describe('docs/operations.md and folio --help', () => {
  let help: Set<string>;
  const markdown = fs.readFileSync(DOC, 'utf8');
  before(async () => {
    const r = await runFolio(['--help']);
    assert.equal(r.code, 0, r.stderr);
    help = helpCommands(r.stdout);
    assert.ok(help.has('serve') && help.has('ledger import'), `usage parsed: ${[...help].join(', ')}`);
  });

  it('names in code only commands that folio --help lists', () => {
    const documented = documentedCommands(markdown);
    assert.ok(documented.length > 20, 'docs/operations.md shows folio commands');
    const unknown = documented.filter((d) => resolve(help, d.words) === null).map((d) => d.text);
    assert.deepEqual(unknown, [], 'command lines in docs/operations.md that folio --help does not list');
  });

  it('has every command of folio --help in its CLI reference', () => {
    const covered = new Set(documentedCommands(cliSection(markdown)).map((d) => resolve(help, d.words)));
    const missing = [...help].filter((h) => !covered.has(h));
    assert.deepEqual(missing, [], 'commands of folio --help missing from the "## CLI" section of docs/operations.md');
  });

  it('lists every migration of backend/src/db/migrations', () => {
    const files = fs.readdirSync(path.join(REPO_ROOT, 'backend/src/db/migrations')).map((f) => f.replace(/\.ts$/, ''));
    assert.deepEqual(
      // A row of the table, however its columns are padded.
      files.filter((name) => !new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`, 'm').test(markdown)),
      [],
      'migrations without a row in the Migrations table of docs/operations.md',
    );
  });
});
