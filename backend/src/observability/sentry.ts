import { randomBytes } from 'node:crypto';
import { context, trace, type ContextManager } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type * as SentryNode from '@sentry/node';
import { loadConfig, type Config } from '../config.js';
import { createLogger, type Logger } from './logger.js';
import { idHasher } from './pii.js';
import { createScrubber } from './scrub.js';

/**
 * Error reporting to Sentry, errors only: traces belong to our own OpenTelemetry set-up
 * (tracing.ts), so Sentry neither starts one nor creates spans or transactions. Every event and
 * breadcrumb passes through scrub.ts on its way out. Without SENTRY_DSN the SDK is not even
 * loaded (it costs about a second of start-up), and the capture functions return at once.
 */

/** What an OpenTelemetry set-up started after Sentry must know to keep Sentry working. */
export interface SentryOtelParts {
  /**
   * Sentry keeps its scopes in the OpenTelemetry context, so initSentry registers this context
   * manager globally; the tracing SDK started afterwards must use the same instance.
   */
  contextManager: ContextManager;
}

let sdk: typeof SentryNode | undefined;
let starting: Promise<SentryOtelParts | null> | undefined;

/** Starts Sentry once per process (later calls share the first); null when SENTRY_DSN is unset. */
export function initSentry(config: Config, logger: Logger): Promise<SentryOtelParts | null> {
  if (config.SENTRY_DSN === undefined) return Promise.resolve(null);
  return (starting ??= start(config, config.SENTRY_DSN, logger));
}

/**
 * For entry points, first thing: Sentry registers the OpenTelemetry context manager that tracing
 * then shares. An invalid configuration is left to the entry point, which reports it.
 */
export async function initSentryFromEnv(): Promise<SentryOtelParts | null> {
  let config: Config;
  try {
    config = loadConfig();
  } catch {
    return null;
  }
  return initSentry(config, createLogger({ level: config.LOG_LEVEL, pretty: config.FOLIO_PRETTY_LOGS }));
}

/**
 * Integrations left out. Http would give every request its own isolation scope (so that
 * breadcrumbs stay with their request), at a cost measured at a sixth of a cached execution; a
 * report needs none of it, as it sets its tags, user, request and trace inside withScope.
 * Without that isolation, breadcrumbs of outgoing calls (Http, NodeFetch) and of console output
 * would mix requests, so those sources go too: the request's trace, linked by trace id, shows
 * its provider calls. OnUnhandledRejection is replaced by a configured instance.
 */
const LEFT_OUT = new Set(['Http', 'NodeFetch', 'Console', 'OnUnhandledRejection']);

async function start(config: Config, dsn: string, logger: Logger): Promise<SentryOtelParts> {
  const Sentry = await import('@sentry/node');
  const scrubber = createScrubber(idHasher(config, logger));
  Sentry.init({
    dsn,
    environment: config.SENTRY_ENVIRONMENT ?? config.NODE_ENV,
    release: config.SENTRY_RELEASE,
    skipOpenTelemetrySetup: true,
    // Sentry's import hooks serve its own auto-instrumentation, which we do not use.
    registerEsmLoaderHooks: false,
    sendDefaultPii: false,
    includeLocalVariables: false,
    defaultIntegrations: [
      ...Sentry.getDefaultIntegrationsWithoutPerformance().filter((i) => !LEFT_OUT.has(i.name)),
      // Report, then crash as Node does without a handler, instead of Sentry's default of carrying on.
      Sentry.onUnhandledRejectionIntegration({ mode: 'strict' }),
    ],
    beforeSend: (event) => scrubber.event(event),
    beforeBreadcrumb: (breadcrumb) => scrubber.breadcrumb(breadcrumb),
    // Spans go to Jaeger through OpenTelemetry; a transaction here would duplicate them.
    beforeSendTransaction: () => null,
  });
  // Sentry keeps its scopes in the OpenTelemetry context, so a context manager must exist even
  // with tracing off. Not Sentry's own SentryContextManager: it forks scopes on every context
  // switch (every span activation), which halved throughput with tracing on; the plain one is
  // enough because each report sets its tags, user and trace explicitly inside withScope.
  const contextManager = new AsyncLocalStorageContextManager();
  context.setGlobalContextManager(contextManager.enable());
  sdk = Sentry;
  logger.info({ environment: config.SENTRY_ENVIRONMENT ?? config.NODE_ENV }, 'error reporting to Sentry is on');
  return { contextManager };
}

/**
 * The event's trace is the one the client was told about (the response's `trace_id`), so an
 * error report, its trace in Jaeger and the client's error body share one id.
 */
function linkTrace(scope: SentryNode.Scope, traceId: string | undefined): void {
  const active = trace.getActiveSpan()?.spanContext();
  const id = traceId || active?.traceId;
  if (!id) return;
  const spanId = active?.traceId === id ? active.spanId : randomBytes(8).toString('hex');
  scope.addEventProcessor((event) => ({
    ...event,
    contexts: { ...event.contexts, trace: { ...event.contexts?.trace, trace_id: id, span_id: spanId } },
  }));
}

/** The request as the event shows it (the scrubber hashes, masks or drops what it must); never the body. */
export interface ReportedRequest {
  method: string;
  /** Path and query string as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

function capture(
  err: unknown,
  name: string,
  tags: Record<string, string | undefined>,
  traceId?: string,
  userId?: string,
  request?: ReportedRequest,
): void {
  if (!sdk) return;
  const Sentry = sdk;
  Sentry.withScope((scope) => {
    // Grouped and named by route or job, never by a URL carrying ids.
    scope.setTransactionName(name);
    for (const [k, v] of Object.entries(tags)) if (v !== undefined) scope.setTag(k, v);
    // Sent as the keyed hash: the scrubber hashes every identifier on the way out.
    if (userId !== undefined) scope.setUser({ id: userId });
    linkTrace(scope, traceId);
    if (request) {
      const [path, query] = splitUrl(request.url);
      scope.addEventProcessor((event) => ({
        ...event,
        request: { method: request.method, url: path, query_string: query, headers: plainHeaders(request.headers) },
      }));
    }
    Sentry.captureException(err);
  });
}

function splitUrl(url: string): [string, string | undefined] {
  const at = url.indexOf('?');
  return at < 0 ? [url, undefined] : [url.slice(0, at), url.slice(at + 1)];
}

const plainHeaders = (headers: ReportedRequest['headers']): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v]])),
  );

export interface ServerErrorContext {
  request_id: string;
  trace_id: string;
  /** The route pattern (`POST /v1/portfolios/:id/transactions`), not the path. */
  route: string;
  pattern_id?: string;
  user_id?: string;
  request?: ReportedRequest;
}

/** A request answered with a 5xx; client errors (4xx) are never reported. */
export function captureServerError(err: unknown, ctx: ServerErrorContext): void {
  capture(
    err,
    ctx.route,
    { kind: 'http', request_id: ctx.request_id, route: ctx.route, pattern_id: ctx.pattern_id },
    ctx.trace_id,
    ctx.user_id,
    ctx.request,
  );
}

export interface JobFailureContext {
  job: string;
  pack_id?: string;
  date?: string;
  provider?: string;
}

/** A background or CLI job that failed. */
export function captureJobFailure(err: unknown, ctx: JobFailureContext): void {
  capture(err, `job ${ctx.job}`, { kind: 'job', ...ctx });
}

/** Waits up to `timeoutMs` for reports still being sent; true when nothing is left. */
export async function flushSentry(timeoutMs: number): Promise<boolean> {
  return sdk ? sdk.flush(timeoutMs) : true;
}
