import pino, { type Logger } from 'pino';

/** Paths whose values never reach a log line: secrets and personal financial data. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.api_key',
  '*.apiKey',
  '*.password',
  '*.token',
];

export function createLogger(opts: { level: string; pretty: boolean }): Logger {
  return pino({
    level: opts.level,
    base: { service: 'folio-executor' },
    redact: { paths: REDACTED_LOG_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(opts.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}

export type { Logger };
