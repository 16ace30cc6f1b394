import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  activeTraceId,
  createDb,
  createLogger,
  createRuntime,
  ExecutionTelemetry,
  executionTracing,
  folioTracer,
  loadConfig,
  markFailure,
  migrateLatest,
  parseExecuteRequest,
  requireUser,
  responseObject,
  type Runtime,
} from '../backend/src/index.js';
import { UsageError, type Out } from './usage.js';

export const EXECUTE_USAGE = `  execute PATTERN --input k=v ... [--user NAME] [--asof YYYY-MM-DD] [--pack PP_...] [--commit HASH] [--allow-stale]
                                          run a pattern and print the response as JSON`;

/** `folio execute`: the execute use case on behalf of a named user, traced as the service's requests are. */
export async function executeCommand(argv: string[], io: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      input: { type: 'string', multiple: true, default: [] },
      user: { type: 'string', default: 'demo' },
      asof: { type: 'string' },
      pack: { type: 'string' },
      commit: { type: 'string' },
      'allow-stale': { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const [patternId, ...extra] = positionals;
  if (!patternId || extra.length > 0) throw new UsageError('execute needs exactly one PATTERN');
  const raw: Record<string, string> = {};
  for (const kv of values.input) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input expects k=v, got ${JSON.stringify(kv)}`);
    raw[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.FOLIO_PRETTY_LOGS });
  const rt = createRuntime(config, createDb(config, logger));
  const tracing = executionTracing(config, logger);
  // The pattern spans of the service; a command serves no metrics.
  if (tracing) rt.service.observeWith(new ExecutionTelemetry(null, tracing));
  try {
    return await folioTracer().startActiveSpan(
      'cli.execute',
      { attributes: { 'folio.pattern_id': patternId } },
      async (span) => {
        try {
          return await executeOnce(rt, patternId, raw, values, io);
        } catch (err) {
          // A usage mistake is the caller's, as a 4xx is for the service.
          if (!(err instanceof UsageError)) markFailure(span, err);
          throw err;
        } finally {
          span.end();
        }
      },
    );
  } finally {
    await rt.db.destroy();
  }
}

async function executeOnce(
  rt: Runtime,
  patternId: string,
  raw: Record<string, string>,
  values: { user?: string; asof?: string; pack?: string; commit?: string; 'allow-stale'?: boolean },
  io: Out,
): Promise<number> {
  await migrateLatest(rt.db);
  const user = await requireUser(rt.db, values.user!);
  const pattern = rt.service.getPattern(patternId);
  const request = parseExecuteRequest({
    pattern_id: patternId,
    inputs: coerceInputs(raw, pattern.inputs),
    require_fresh: !values['allow-stale'],
    asof_date: values.asof,
    pricing_pack_id: values.pack,
    ledger_commit_hash: values.commit,
  });
  // With tracing on, the printed trace_id is that of the cli.execute span.
  const traceId = activeTraceId() ?? randomUUID().replaceAll('-', '');
  const response = await rt.service.execute(user, request, { requestId: `cli-${randomUUID()}`, traceId });
  io.out(JSON.stringify(responseObject(response), null, 2));
  return 0;
}

/** Command-line values are text; the pattern's declared input types say what they mean. */
function coerceInputs(raw: Record<string, string>, spec: Record<string, { type: string }>): Record<string, unknown> {
  return Object.fromEntries<unknown>(
    Object.entries(raw).map(([k, v]) => {
      const type = spec[k]?.type;
      if (type === 'integer' || type === 'number') return [k, v.trim() === '' ? v : Number(v)];
      if (type === 'boolean') return [k, v === 'true' ? true : v === 'false' ? false : v];
      return [k, v];
    }),
  );
}
