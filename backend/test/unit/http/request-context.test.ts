import assert from 'node:assert/strict';
import { traceIdFrom, uuidV7 } from '../../../src/http/request-context.js';

describe('http/request-context', () => {
  it('generates RFC 9562 version-7 ids that sort by creation time', () => {
    const ids = [0, 1, 2, 1_000, 86_400_000].map((d) => uuidV7(1_763_700_000_000 + d));
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(ids[0]!.replaceAll('-', '').slice(0, 12), (1_763_700_000_000).toString(16).padStart(12, '0'));
    assert.notEqual(uuidV7(5), uuidV7(5), 'the random part differs within one millisecond');
  });

  it('takes the trace id from a valid traceparent only', () => {
    const id = '4bf92f3577b34da6a3ce929d0e0e4736';
    assert.equal(traceIdFrom(`00-${id}-00f067aa0ba902b7-01`), id);
    assert.equal(traceIdFrom(`00-${id.toUpperCase()}-00F067AA0BA902B7-01`), id);
    assert.equal(traceIdFrom(`ff-${id}-00f067aa0ba902b7-01`), null, 'version ff is forbidden');
    assert.equal(traceIdFrom(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`), null, 'all-zero trace id');
    assert.equal(traceIdFrom(`00-${id}-${'0'.repeat(16)}-01`), null, 'all-zero parent id');
    assert.equal(traceIdFrom('garbage'), null);
    assert.equal(traceIdFrom(undefined), null);
  });
});
