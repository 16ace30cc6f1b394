import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve('bin/build-stamp.js');

/** A checkout in miniature: the build's inputs, and a dist/ with the entry point `npm start` runs. */
function checkout(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-stamp-'));
  const files: Record<string, string> = {
    'backend/src/index.ts': 'export const a = 1;\n',
    'backend/src/patterns/risk.json': '{}\n',
    'jobs/folio.ts': 'import "../backend/src/index.js";\n',
    'tsconfig.json': '{}\n',
    'tsconfig.build.json': '{}\n',
    // As the real one: the stamp script is an ES module (Node 24 warns on stderr otherwise).
    'package.json': '{"type": "module"}\n',
    'package-lock.json': '{}\n',
    'dist/jobs/folio.js': '// compiled\n',
    'bin/build-stamp.js': fs.readFileSync(SCRIPT, 'utf8'),
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

const stamp = (root: string, mode: string) =>
  spawnSync(process.execPath, [path.join(root, 'bin/build-stamp.js'), mode], { encoding: 'utf8' });

describe('npm start builds only when dist/ is older than the sources (bin/build-stamp.js)', () => {
  let root: string;
  beforeEach(() => {
    root = checkout();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('asks for a build before the first one, and not after it', () => {
    assert.equal(stamp(root, 'check').status, 1);
    assert.equal(stamp(root, 'write').status, 0);
    const current = stamp(root, 'check');
    assert.equal(current.status, 0);
    assert.equal(current.stderr, '');
  });

  for (const changed of [
    'backend/src/index.ts',
    'backend/src/patterns/risk.json',
    'jobs/folio.ts',
    'package-lock.json',
  ]) {
    it(`asks for a build again once ${changed} changes, whatever its modification time`, () => {
      const file = path.join(root, changed);
      const { mtime } = fs.statSync(file);
      stamp(root, 'write');
      fs.appendFileSync(file, '\n');
      fs.utimesSync(file, mtime, mtime);
      const stale = stamp(root, 'check');
      assert.equal(stale.status, 1);
      assert.match(stale.stderr, /older than the sources: building/);
    });
  }

  it('asks for a build when a source file is added, or when dist/ lost its entry point', () => {
    stamp(root, 'write');
    fs.writeFileSync(path.join(root, 'backend/src/new.ts'), 'export {};\n');
    assert.equal(stamp(root, 'check').status, 1);
    stamp(root, 'write');
    assert.equal(stamp(root, 'check').status, 0);
    fs.rmSync(path.join(root, 'dist/jobs/folio.js'));
    assert.equal(stamp(root, 'check').status, 1);
  });

  it('rejects an unknown mode with exit 2 and its usage', () => {
    const r = stamp(root, 'refresh');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage: node bin\/build-stamp.js write\|check/);
  });
});
