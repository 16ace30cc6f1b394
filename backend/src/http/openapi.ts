import { z } from 'zod';
import { ERROR_STATUS } from '../errors.js';
import { executeRequestSchema } from '../executor/request.js';
import { CURRENCY_CODE } from '../domain/fx.js';
import { LEDGER_FORMATS } from '../domain/ledger/imports/formats.js';
import { CHAIN_PROBLEMS } from '../domain/ledger/verify.js';
import { SYMBOL, SYMBOL_RULE } from '../domain/symbol.js';
import { PACK_STATUSES } from '../domain/pack.js';
import { TX_TYPES } from '../domain/ledger/types.js';

const json = (schema: object) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const ok = (description: string, schema: object = { type: 'object' }) => ({ description, content: json(schema) });

/** Error responses an operation can give, by code, grouped under their status. */
function errors(...codes: (keyof typeof ERROR_STATUS)[]) {
  const byStatus = new Map<number, string[]>();
  for (const c of [...codes, 'internal_error' as const]) {
    byStatus.set(ERROR_STATUS[c], [...(byStatus.get(ERROR_STATUS[c]) ?? []), c]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, cs]) => [String(status), { description: cs.join(', '), content: json(ref('Error')) }]),
  );
}

const authed = ['unauthorized', 'rate_limited'] as const;
/** Makes a POST safe to retry: docs/api.md#idempotent-writes. */
const idempotencyKeyParam = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Same key (per user) and same request within 24 h: the first answer again (Idempotent-Replayed: true), ' +
    'nothing written twice; same key with another request: 422 idempotency_key_reused',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

const idParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});

const limitParam = (maximum: number, fallback: number) => ({
  name: 'limit',
  in: 'query',
  schema: { type: 'integer', minimum: 1, maximum, default: fallback },
});
const cursorParam = {
  name: 'cursor',
  in: 'query',
  description: "the previous page's next_cursor, passed back unchanged",
  schema: { type: 'string' },
};
/** A cursor page: the items under `key` and the cursor of the next page (null on the last). */
const page = (key: string, item: object) => ({
  type: 'object',
  required: [key, 'next_cursor'],
  properties: { [key]: { type: 'array', items: item }, next_cursor: { type: ['string', 'null'] } },
});

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Folio Executor API',
      version: '1.0.0',
      description:
        'Runs portfolio-analysis patterns pinned to an immutable pricing pack and ledger commit, so every answer can be replayed.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <api key>' } },
      schemas: {
        ExecuteRequest: z.toJSONSchema(executeRequestSchema, { io: 'input' }),
        Error: {
          type: 'object',
          required: ['error', 'message', 'details', 'request_id', 'trace_id'],
          properties: {
            error: { type: 'string', enum: Object.keys(ERROR_STATUS) },
            message: { type: 'string' },
            details: { type: 'object' },
            request_id: { type: 'string' },
            trace_id: { type: 'string' },
          },
        },
        Warning: {
          type: 'object',
          required: ['code', 'message'],
          properties: { code: { type: 'string' }, message: { type: 'string' } },
        },
        ExecuteResponse: {
          type: 'object',
          required: ['result', 'metadata', 'warnings'],
          properties: {
            result: { type: 'object', description: 'the pattern outputs' },
            metadata: {
              type: 'object',
              required: [
                'pattern_id',
                'pattern_version',
                'pricing_pack_id',
                'ledger_commit_hash',
                'asof_date',
                'request_id',
                'trace_id',
                'duration_ms',
                'result_hash',
                'cached',
              ],
              properties: {
                pattern_id: { type: 'string' },
                pattern_version: { type: 'string' },
                pricing_pack_id: { type: 'string' },
                ledger_commit_hash: { type: 'string' },
                asof_date: { type: 'string', format: 'date' },
                request_id: { type: 'string' },
                trace_id: { type: 'string' },
                duration_ms: { type: 'number' },
                result_hash: { type: 'string', description: 'sha256 of the canonical JSON of result and warnings' },
                cached: { type: 'boolean' },
              },
            },
            warnings: { type: 'array', items: ref('Warning') },
          },
        },
        Portfolio: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            base_currency: { type: 'string' },
            created_at: { type: 'string' },
            archived_at: {
              type: ['string', 'null'],
              description: 'when it stopped taking imports; archived portfolios stay executable',
            },
          },
        },
        Security: {
          type: 'object',
          required: ['symbol', 'name', 'currency', 'asset_class', 'sector', 'isin', 'figi'],
          properties: {
            symbol: { type: 'string', pattern: SYMBOL.source, description: SYMBOL_RULE },
            name: { type: 'string' },
            currency: { type: 'string', pattern: CURRENCY_CODE.source },
            asset_class: { type: 'string' },
            sector: { type: 'string' },
            isin: { type: ['string', 'null'], description: 'ISO 6166, check digit verified' },
            figi: { type: ['string', 'null'], description: 'OpenFIGI, check digit verified' },
          },
        },
      },
    },
    paths: {
      '/v1/execute': {
        post: {
          summary: 'Run a pattern',
          requestBody: { required: true, content: json(ref('ExecuteRequest')) },
          responses: {
            200: ok('pattern result with provenance', ref('ExecuteResponse')),
            ...errors(
              'invalid_request',
              ...authed,
              'pattern_not_found',
              'portfolio_not_found',
              'pricing_pack_not_found',
              'ledger_commit_not_found',
              'payload_too_large',
              'conflict',
              'pricing_pack_warming',
              'dependency_unavailable',
              'timeout',
            ),
          },
        },
      },
      '/v1/executions/{request_id}': {
        get: {
          summary: 'Stored provenance of an execution',
          parameters: [idParam('request_id', 'the X-Request-ID of the execution')],
          responses: { 200: ok('provenance'), ...errors(...authed, 'execution_not_found') },
        },
      },
      '/v1/executions/{request_id}/replay': {
        post: {
          summary: 'Re-run an execution with its pins, bypassing the cache, and compare result hashes',
          parameters: [idParam('request_id', 'the X-Request-ID of the execution')],
          responses: {
            200: ok('replayed result with match flag'),
            ...errors(...authed, 'execution_not_found', 'conflict', 'timeout'),
          },
        },
      },
      '/v1/patterns': { get: { summary: 'List patterns', responses: { 200: ok('patterns'), ...errors(...authed) } } },
      '/v1/patterns/{id}': {
        get: {
          summary: 'A pattern: inputs schema, steps, version',
          parameters: [idParam('id', 'pattern id')],
          responses: { 200: ok('pattern'), ...errors(...authed, 'pattern_not_found') },
        },
      },
      '/v1/portfolios': {
        get: { summary: "The caller's portfolios", responses: { 200: ok('portfolios'), ...errors(...authed) } },
        post: {
          summary: 'Create a portfolio',
          parameters: [idempotencyKeyParam],
          requestBody: {
            required: true,
            content: json({
              type: 'object',
              required: ['name', 'base_currency'],
              properties: {
                name: { type: 'string' },
                base_currency: { type: 'string', pattern: CURRENCY_CODE.source },
              },
            }),
          },
          responses: {
            201: ok('created', ref('Portfolio')),
            ...errors('invalid_request', ...authed, 'idempotency_key_reused', 'payload_too_large'),
          },
        },
      },
      '/v1/portfolios/{id}': {
        get: {
          summary: 'A portfolio with its ledger commits',
          parameters: [idParam('id', 'portfolio id')],
          responses: { 200: ok('portfolio'), ...errors(...authed, 'portfolio_not_found') },
        },
        patch: {
          summary: 'Rename and/or archive (or un-archive) a portfolio',
          parameters: [idParam('id', 'portfolio id')],
          requestBody: {
            required: true,
            content: json({
              type: 'object',
              minProperties: 1,
              additionalProperties: false,
              properties: {
                name: { type: 'string', minLength: 1, maxLength: 200 },
                archived: { type: 'boolean', description: 'true: no more imports; executions and replays go on' },
              },
            }),
          },
          responses: {
            200: ok('the portfolio as changed', ref('Portfolio')),
            ...errors('invalid_request', ...authed, 'portfolio_not_found', 'payload_too_large'),
          },
        },
        delete: {
          summary: 'Delete a portfolio that has no ledger commits and no pack snapshots',
          parameters: [idParam('id', 'portfolio id')],
          responses: {
            204: { description: 'deleted' },
            ...errors(...authed, 'portfolio_not_found', 'conflict'),
          },
        },
      },
      '/v1/portfolios/{id}/transactions': {
        get: {
          summary: "The portfolio's transactions in chain order, filtered, a page at a time",
          parameters: [
            idParam('id', 'portfolio id'),
            { name: 'from', in: 'query', description: 'dated on or after', schema: { type: 'string', format: 'date' } },
            { name: 'to', in: 'query', description: 'dated on or before', schema: { type: 'string', format: 'date' } },
            { name: 'type', in: 'query', schema: { type: 'string', enum: [...TX_TYPES] } },
            { name: 'symbol', in: 'query', schema: { type: 'string', pattern: SYMBOL.source } },
            {
              name: 'commit',
              in: 'query',
              description: 'only the rows this commit imported',
              schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            },
            limitParam(1000, 100),
            cursorParam,
          ],
          responses: {
            200: ok(
              'a page of transactions',
              page('transactions', {
                type: 'object',
                properties: {
                  commit: { type: 'string' },
                  seq: { type: 'integer', description: "the commit's place in the chain" },
                  row: { type: 'integer', description: 'row within the commit, from 1' },
                  date: { type: 'string', format: 'date' },
                  type: { type: 'string', enum: [...TX_TYPES] },
                  symbol: { type: ['string', 'null'] },
                  quantity: { type: ['number', 'null'] },
                  price: { type: ['number', 'null'] },
                  amount: { type: ['number', 'null'] },
                  currency: { type: 'string' },
                  fee: { type: 'number' },
                  note: { type: ['string', 'null'] },
                },
              }),
            ),
            ...errors('invalid_request', ...authed, 'portfolio_not_found', 'ledger_commit_not_found'),
          },
        },
        post: {
          summary: 'Import transactions as one ledger commit (all or nothing)',
          parameters: [
            idParam('id', 'portfolio id'),
            {
              name: 'format',
              in: 'query',
              description: "another tool's export (docs/ledger.md); absent: Folio's ledger CSV or JSON",
              schema: { type: 'string', enum: [...LEDGER_FORMATS] },
            },
            idempotencyKeyParam,
          ],
          requestBody: {
            required: true,
            content: {
              'text/csv': {
                schema: {
                  type: 'string',
                  description: 'header date,type,symbol,quantity,price,amount,currency,fee,note',
                },
              },
              'application/json': {
                schema: { type: 'object', required: ['transactions'], properties: { transactions: { type: 'array' } } },
              },
            },
          },
          responses: {
            201: ok('commit', {
              type: 'object',
              properties: {
                ledger_commit_hash: { type: 'string' },
                parent_hash: { type: 'string' },
                seq: { type: 'integer' },
                count: { type: 'integer' },
              },
            }),
            ...errors(
              'invalid_request',
              ...authed,
              'portfolio_not_found',
              'portfolio_archived',
              'idempotency_key_reused',
              'payload_too_large',
              'unsupported_media_type',
            ),
          },
        },
      },
      '/v1/portfolios/{id}/commits': {
        get: {
          summary: "The portfolio's ledger commits, oldest first, a page at a time",
          parameters: [idParam('id', 'portfolio id'), limitParam(500, 100), cursorParam],
          responses: {
            200: ok(
              'a page of commits',
              page('commits', {
                type: 'object',
                properties: {
                  hash: { type: 'string' },
                  parent_hash: { type: 'string' },
                  seq: { type: 'integer' },
                  tx_count: { type: 'integer', description: 'rows the commit imported' },
                  source: { type: 'string' },
                  created_at: { type: 'string' },
                  transactions_hash: {
                    type: 'string',
                    description: 'sha256 of the canonical JSON of its transactions: the same on any chain',
                  },
                },
              }),
            ),
            ...errors('invalid_request', ...authed, 'portfolio_not_found'),
          },
        },
      },
      '/v1/portfolios/{id}/ledger.csv': {
        get: {
          summary: "The portfolio's ledger as the ledger CSV with a commit column, streamed; re-importable",
          parameters: [idParam('id', 'portfolio id')],
          responses: {
            200: {
              description:
                'header date,type,symbol,quantity,price,amount,currency,fee,note,commit; rows in chain order',
              headers: { 'X-Ledger-Commit-Hash': { description: 'the head exported', schema: { type: 'string' } } },
              content: { 'text/csv': { schema: { type: 'string' } } },
            },
            ...errors(...authed, 'portfolio_not_found'),
          },
        },
      },
      '/v1/portfolios/{id}/ledger/verify': {
        get: {
          summary: "Recompute every commit hash of the portfolio's chain from the stored rows",
          description:
            'ok is false and first_mismatch names the first commit (in chain order) whose stored rows, parent, ' +
            'row count or placement no longer match its hash; the answer is 200 either way.',
          parameters: [idParam('id', 'portfolio id')],
          responses: {
            200: ok('verification', {
              type: 'object',
              required: ['portfolio_id', 'ok', 'commits', 'transactions', 'ledger_commit_hash', 'first_mismatch'],
              properties: {
                portfolio_id: { type: 'string' },
                ok: { type: 'boolean' },
                commits: { type: 'integer' },
                transactions: { type: 'integer' },
                ledger_commit_hash: { type: 'string' },
                first_mismatch: {
                  type: ['object', 'null'],
                  required: ['seq', 'commit_hash', 'problem', 'message'],
                  properties: {
                    seq: { type: 'integer' },
                    commit_hash: { type: 'string' },
                    problem: { type: 'string', enum: [...CHAIN_PROBLEMS] },
                    message: { type: 'string' },
                    expected: { type: 'string' },
                    actual: { type: 'string' },
                  },
                },
              },
            }),
            ...errors(...authed, 'portfolio_not_found'),
          },
        },
      },
      '/v1/packs': {
        get: {
          summary: 'Pricing packs, newest first',
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
            { name: 'before', in: 'query', schema: { type: 'string', format: 'date' } },
            {
              name: 'status',
              in: 'query',
              schema: { type: 'string', enum: [...PACK_STATUSES] },
            },
          ],
          responses: { 200: ok('packs'), ...errors('invalid_request', ...authed) },
        },
      },
      '/v1/packs/{id}': {
        get: {
          summary: 'A pricing pack with its prices and FX rates',
          parameters: [idParam('id', 'pack id, PP_YYYY-MM-DD (PP_YYYY-MM-DD.vN for a forced rebuild)')],
          responses: { 200: ok('pack'), ...errors(...authed, 'pricing_pack_not_found') },
        },
      },
      '/v1/securities': {
        get: {
          summary: 'Registered securities in symbol order, optionally those whose symbol or name starts with q',
          parameters: [
            {
              name: 'q',
              in: 'query',
              description: 'case-insensitive prefix of the symbol or the name',
              schema: { type: 'string', maxLength: 100 },
            },
            limitParam(500, 50),
            cursorParam,
          ],
          responses: {
            200: ok('a page of securities', page('securities', ref('Security'))),
            ...errors('invalid_request', ...authed),
          },
        },
      },
      '/v1/securities/{symbol}': {
        get: {
          summary: 'One security (the symbol in any case)',
          parameters: [idParam('symbol', SYMBOL_RULE)],
          responses: {
            200: ok('security', ref('Security')),
            ...errors('invalid_request', ...authed, 'security_not_found'),
          },
        },
      },
      '/health/live': { get: { security: [], summary: 'The process is up', responses: { 200: ok('alive') } } },
      '/health/ready': {
        get: {
          security: [],
          summary: 'Database reachable and migrations current',
          responses: { 200: ok('ready'), 503: ok('not ready') },
        },
      },
      '/health/pack': {
        get: {
          security: [],
          summary: 'Whether the pricing pack the freshness objective expects now is fresh',
          responses: { 200: ok('fresh'), 503: ok('not fresh') },
        },
      },
      '/metrics': {
        get: {
          security: [],
          summary: 'Prometheus metrics (text exposition format)',
          responses: { 200: ok('metrics') },
        },
      },
      '/openapi.json': {
        get: { security: [], summary: 'This document', responses: { 200: ok('OpenAPI 3.1 document') } },
      },
    },
  };
}
