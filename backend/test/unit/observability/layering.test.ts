import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const OBSERVABILITY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src/observability');

describe('observability/ layering', () => {
  it('never imports http/: the HTTP middleware that records metrics and spans lives in http/', () => {
    const offenders = fs
      .readdirSync(OBSERVABILITY)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /from '\.\.\/http\//.test(fs.readFileSync(path.join(OBSERVABILITY, f), 'utf8')));
    assert.deepEqual(offenders, []);
  });
});
