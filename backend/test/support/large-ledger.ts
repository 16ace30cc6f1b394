import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestServer } from './server.js';

const SECURITIES = fileURLToPath(new URL('../../src/demo/securities.csv', import.meta.url));

/**
 * A valid ledger CSV of just under `bytes` for the demo data (every demo security is quoted in
 * USD): a deposit every tenth row, buys in between, twenty rows a day from 2020-01-01. With
 * `commitEvery`, a commit column starts a new commit every that many rows, as an export does.
 */
export function largeLedgerCsv(bytes: number, opts: { commitEvery?: number } = {}): { csv: string; rows: number } {
  const symbols = fs
    .readFileSync(SECURITIES, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]!);
  const commits = opts.commitEvery !== undefined;
  const lines = [`date,type,symbol,quantity,price,amount,currency,fee,note${commits ? ',commit' : ''}`];
  let size = lines[0]!.length;
  for (let i = 0; ; i++) {
    const date = new Date(Date.UTC(2020, 0, 1) + Math.floor(i / 20) * 86_400_000).toISOString().slice(0, 10);
    const row =
      i % 10 === 0
        ? `${date},DEPOSIT,,,,50000,USD,,funding ${i}`
        : `${date},BUY,${symbols[i % symbols.length]},${(i % 7) + 1},${(100 + (i % 50) * 1.25).toFixed(2)},,USD,1.5,row ${i}`;
    const line = commits ? `${row},c${Math.floor(i / opts.commitEvery!)}` : row;
    if (size + line.length + 1 > bytes) return { csv: lines.join('\n'), rows: lines.length - 1 };
    lines.push(line);
    size += line.length + 1;
  }
}

/** A new, empty USD portfolio of the demo user, and CSV imports into a portfolio, over HTTP. */
export function ledgerRequests(srv: () => TestServer) {
  return {
    newPortfolio: async (name: string) => {
      const res = await srv().request('POST', '/v1/portfolios', { body: { name, base_currency: 'USD' } });
      assert.equal(res.status, 201, res.text);
      return res.body.id as string;
    },
    importCsv: (id: string, csv: string) =>
      srv().request('POST', `/v1/portfolios/${id}/transactions`, { raw: csv, headers: { 'content-type': 'text/csv' } }),
  };
}
