import { createServer, type Server } from 'node:http';
import { loadConfig, type Config } from './config.js';
import { createApp } from './http/app.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createRuntime, prepareDatabase, type Runtime } from './runtime.js';

export interface RunningServer {
  server: Server;
  runtime: Runtime;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to the timeout), then closes the database. */
  shutdown(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const runtime = createRuntime(config);
  await prepareDatabase(runtime, logger);
  let shuttingDown = false;
  const app = createApp({
    db: runtime.db,
    logger,
    service: runtime.service,
    current: runtime.current,
    bodyLimitBytes: config.FOLIO_BODY_LIMIT_BYTES,
    rateLimitPerMinute: config.FOLIO_RATE_LIMIT_PER_MINUTE,
    authCacheTtlMs: config.FOLIO_AUTH_CACHE_TTL_MS,
    isShuttingDown: () => shuttingDown,
  });
  // Not app.listen: express passes listen errors to its callback, where EADDRINUSE would be lost.
  const server = createServer(app);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // Nothing else may keep the process alive once it cannot serve.
    await runtime.db.destroy();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ port, database: config.DATABASE_URL ? 'postgres' : config.sqliteFile }, `listening on port ${port}`);

  let closing: Promise<void> | undefined;
  const shutdown = () =>
    (closing ??= (async () => {
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), config.FOLIO_SHUTDOWN_TIMEOUT_MS);
      await closed;
      clearTimeout(timer);
      await runtime.provenance.drain();
      await runtime.db.destroy();
      logger.info('shut down');
    })());
  return { server, runtime, port, shutdown };
}

/** Entry point for `folio serve` / `npm start`. */
export async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL, pretty: config.FOLIO_PRETTY_LOGS });
  const running = await startServer(config, logger);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      running.shutdown().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}
