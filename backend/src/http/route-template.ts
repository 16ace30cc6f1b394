import type { Request } from 'express';
import type { RequestLocals } from './request-context.js';

/**
 * The route template a request matched (`/v1/portfolios/:id`), or `unmatched`. Express keeps
 * req.route but resets req.baseUrl when an error leaves a router, so the mount prefix is taken
 * from the path instead: the leading segments the route's own template does not cover. Mount
 * points here are literal (`/v1`), so the prefix never carries an id.
 */
export function routeTemplate(req: Request): string {
  // Metrics, the server span and the error report each ask; the answer is worked out once.
  const locals = req.folio as RequestLocals | undefined;
  if (!locals) return computeRouteTemplate(req);
  return (locals.route ??= computeRouteTemplate(req));
}

function computeRouteTemplate(req: Request): string {
  const template = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof template !== 'string') return 'unmatched';
  const path = req.originalUrl.split('?')[0] ?? '';
  // A route on the app itself without parameters (the hot /v1/execute) is its own path.
  if (path === template) return template;
  const own = template.split('/').filter(Boolean);
  const actual = path.split('/').filter(Boolean);
  const prefix = actual.slice(0, Math.max(0, actual.length - own.length));
  return `/${[...prefix, ...own].join('/')}`;
}
