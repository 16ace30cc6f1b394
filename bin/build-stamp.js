#!/usr/bin/env node
// Whether dist/ was compiled from the sources in the checkout. `npm run build` ends with
// `build-stamp.js write`, which records a hash of everything the build reads; `npm start`
// runs `build-stamp.js check` and compiles only when that hash no longer matches (or dist/
// or its stamp is missing), so a restart of an unchanged checkout does not wait for tsc.
// Contents are hashed rather than modification times compared, because a checkout or copy
// sets times that say nothing about whether the code changed.
//
//   node bin/build-stamp.js write    records the stamp (the last step of npm run build)
//   node bin/build-stamp.js check    exit 0 when dist/ is current, 1 when it must be built
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** What `npm run build` compiles or copies, and what decides how: sources, compiler settings, dependencies, this script. */
const INPUTS = [
  'backend/src',
  'jobs',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'package-lock.json',
  'bin/build-stamp.js',
];
const STAMP = path.join(root, 'dist', '.build-stamp');
const ENTRY = path.join(root, 'dist', 'jobs', 'folio.js');

/**
 * @param {string} rel a file or directory under the root
 * @returns {string[]} the files it names, relative to the root, with forward slashes
 */
function filesUnder(rel) {
  const abs = path.join(root, rel);
  const stat = fs.statSync(abs, { throwIfNoEntry: false });
  if (!stat) return [];
  if (stat.isFile()) return [rel];
  return fs
    .readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

function inputsHash() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(filesUnder).sort()) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

const mode = process.argv[2];
if (mode === 'write') {
  fs.writeFileSync(STAMP, `${inputsHash()}\n`);
} else if (mode === 'check') {
  const stamp = fs.existsSync(ENTRY) && fs.existsSync(STAMP) ? fs.readFileSync(STAMP, 'utf8').trim() : '';
  const current = stamp !== '' && stamp === inputsHash();
  if (!current) process.stderr.write('dist/ is missing or older than the sources: building\n');
  process.exit(current ? 0 : 1);
} else {
  process.stderr.write('usage: node bin/build-stamp.js write|check\n');
  process.exit(2);
}
