/**
 * The worker thread that prepares a large ledger import (services/ledger-prepare.ts starts
 * one per import): it parses, validates and hashes the file off the event loop, then hands
 * back the commits and their rows a slice per request, so the serving thread never takes in
 * the whole file in one message.
 */
import { parentPort } from 'node:worker_threads';
import { prepareCommits, type PreparedCommit } from '../domain/ledger/imports/prepare.js';
import { AppError } from '../errors.js';
import { ROWS_PER_MESSAGE, type PrepareMessage, type PrepareRequest } from './ledger-prepare.js';

const port = parentPort!;

port.once('message', (req: PrepareRequest) => {
  let messages: Iterator<PrepareMessage>;
  try {
    messages = slices(prepareCommits({ ...req, securities: new Map(req.securities.map((s) => [s.symbol, s])) }));
  } catch (e) {
    port.postMessage(failure(e));
    return;
  }
  const next = () => port.postMessage(messages.next().value ?? { kind: 'done' });
  port.on('message', next);
  next();
});

function* slices(commits: PreparedCommit[]): Generator<PrepareMessage> {
  for (const { transactions, ...commit } of commits) {
    yield { kind: 'commit', ...commit };
    for (let i = 0; i < transactions.length; i += ROWS_PER_MESSAGE)
      yield { kind: 'rows', rows: transactions.slice(i, i + ROWS_PER_MESSAGE) };
  }
}

function failure(e: unknown): PrepareMessage {
  return e instanceof AppError
    ? { kind: 'failed', code: e.code, message: e.message, details: e.details }
    : { kind: 'failed', message: e instanceof Error ? e.message : String(e) };
}
