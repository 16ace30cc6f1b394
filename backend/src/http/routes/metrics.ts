import type { Request, Response } from 'express';
import type { Registry } from 'prom-client';

/** GET /metrics: the Prometheus text exposition; outside /v1, so no API key and no rate limit. */
export function metricsHandler(registry: Registry) {
  return async (_req: Request, res: Response): Promise<void> => {
    const body = await registry.metrics();
    res.setHeader('content-type', registry.contentType);
    res.end(body);
  };
}
