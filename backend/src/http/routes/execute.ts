import { Router, type Request, type Response } from 'express';
import type { ExecutionService } from '../../services/execution.js';
import { parseExecuteRequest } from '../../executor/request.js';
import { responseParts } from '../../services/execution-response.js';
import { authOf } from '../auth.js';

/** The body is complete bytes already, so its parts are written as they are, without express's send logic. */
function sendJsonParts(res: Response, parts: readonly Buffer[]): void {
  let length = 0;
  for (const part of parts) length += part.length;
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': length });
  // Written in one turn, the parts leave in one writev with the headers.
  for (let i = 0; i < parts.length - 1; i++) res.write(parts[i]);
  res.end(parts.at(-1));
}

/** POST /v1/execute: the hot route, which app.ts mounts directly rather than inside a router. */
export function executeHandler(service: ExecutionService) {
  return async (req: Request, res: Response): Promise<void> => {
    const body = parseExecuteRequest(req.body);
    sendJsonParts(res, responseParts(await service.execute(authOf(req).user, body, req.folio)));
  };
}

export function executeRoutes(service: ExecutionService): Router {
  const r = Router();
  r.get('/executions/:id', async (req, res) => {
    const rec = await service.getExecution(authOf(req).user, req.params.id);
    const { user_id: _owner, ...visible } = rec;
    res.json(visible);
  });
  r.post('/executions/:id/replay', async (req, res) => {
    sendJsonParts(res, responseParts(await service.replay(authOf(req).user, req.params.id, req.folio)));
  });
  r.get('/patterns', (_req, res) => {
    res.json({
      patterns: service
        .listPatterns()
        .map((p) => ({ id: p.id, version: p.version, name: p.name, description: p.description })),
    });
  });
  r.get('/patterns/:id', (req, res) => {
    res.json(service.getPattern(req.params.id));
  });
  return r;
}
