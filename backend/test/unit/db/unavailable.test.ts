import assert from 'node:assert/strict';
import { KnexTimeoutError } from 'knex';
import { databaseOutage, withinDeadline } from '../../../src/db/unavailable.js';
import { AppError, databaseUnavailable, errorCodeOf } from '../../../src/errors.js';

/** An error shaped like the one the driver throws: knex prefixes the SQL to the message. */
const driverError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe('database errors that mean the database cannot serve', () => {
  it('names the outage of each driver failure, PostgreSQL and SQLite alike', () => {
    const cases: [unknown, string | null][] = [
      [driverError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), 'connection'],
      [driverError('ECONNRESET', 'select 1 - read ECONNRESET'), 'connection'],
      [new Error('Connection terminated unexpectedly'), 'connection'],
      [new KnexTimeoutError('Knex: Timeout acquiring a connection. The pool is probably full.'), 'pool_timeout'],
      [driverError('57P03', 'the database system is starting up'), 'not_accepting_connections'],
      [driverError('57P01', 'terminating connection due to administrator command'), 'not_accepting_connections'],
      [driverError('53300', 'sorry, too many clients already'), 'not_accepting_connections'],
      [driverError('55000', 'database "x" is not currently accepting connections'), 'not_accepting_connections'],
      [driverError('08006', 'connection failure'), 'connection'],
      [driverError('42P01', 'select * from "prices" - relation "prices" does not exist'), 'missing_table'],
      [driverError('SQLITE_ERROR', 'select * from `prices` - no such table: prices'), 'missing_table'],
      [driverError('55P03', 'could not obtain lock on relation "prices"'), 'lock_timeout'],
      [driverError('SQLITE_BUSY', 'database is locked'), 'lock_timeout'],
      [driverError('40001', 'could not serialize access'), 'serialization_failure'],
      [driverError('40P01', 'deadlock detected'), 'serialization_failure'],
      [new AggregateError([driverError('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432')], 'connect'), 'connection'],
      // Not outages: the database answered, and the request or the code is at fault.
      [driverError('23505', 'duplicate key value violates unique constraint'), null],
      [driverError('22P02', 'invalid input syntax for type integer'), null],
      [driverError('SQLITE_ERROR', 'near "selec": syntax error'), null],
      [driverError('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed'), null],
      [new TypeError('undefined is not a function'), null],
      // A client that aborts its upload: body-parser's error, the client's socket.
      [
        Object.assign(new Error('request aborted'), { code: 'ECONNABORTED', status: 400, type: 'request.aborted' }),
        null,
      ],
      ['a string', null],
      [null, null],
    ];
    for (const [err, reason] of cases)
      assert.equal(databaseOutage(err), reason, String((err as Error)?.message ?? err));
  });

  it('becomes 503 dependency_unavailable with Retry-After, its details free of SQL, names and addresses', () => {
    const e = databaseUnavailable(driverError('42P01', 'select * from "prices" - relation "prices" does not exist'));
    assert.ok(e instanceof AppError);
    assert.equal(e.status, 503);
    assert.equal(e.code, 'dependency_unavailable');
    assert.equal(e.retryAfterSeconds, 5);
    assert.deepEqual(e.details, { dependency: 'database', reason: 'missing_table' });
    assert.doesNotMatch(e.message, /prices|select/);
    assert.equal(databaseUnavailable(new TypeError('bug')), null);
  });

  it('reports the taxonomy code of any failure: an AppError keeps its own, an outage is dependency_unavailable', () => {
    assert.equal(errorCodeOf(new AppError('portfolio_not_found', 'x')), 'portfolio_not_found');
    assert.equal(errorCodeOf(driverError('SQLITE_BUSY', 'database is locked')), 'dependency_unavailable');
    assert.equal(errorCodeOf(new Error('bug')), 'internal_error');
  });

  it('withinDeadline: a read that does not answer in time fails as a database timeout', async () => {
    const hung = new Promise<never>(() => undefined);
    await assert.rejects(withinDeadline(hung, 20), (err) => databaseOutage(err) === 'timeout');
    assert.equal(await withinDeadline(Promise.resolve(7), 1000), 7);
  });
});
