import { Router } from 'express';
import type { ExecutionService } from '../../executor/service.js';
import { parseExecuteRequest } from '../../executor/request.js';
import { responseBody } from '../../executor/response-json.js';
import { authOf } from '../auth.js';

export function executeRoutes(service: ExecutionService): Router {
  const r = Router();
  r.post('/execute', async (req, res) => {
    const body = parseExecuteRequest(req.body);
    res.type('application/json').send(responseBody(await service.execute(authOf(req).user, body, req.folio)));
  });
  r.get('/executions/:id', async (req, res) => {
    const rec = await service.getExecution(authOf(req).user, req.params.id!);
    const { user_id: _owner, ...visible } = rec;
    res.json(visible);
  });
  r.post('/executions/:id/replay', async (req, res) => {
    res.type('application/json').send(responseBody(await service.replay(authOf(req).user, req.params.id!, req.folio)));
  });
  r.get('/patterns', (_req, res) => {
    res.json({
      patterns: service.listPatterns().map((p) => ({ id: p.id, version: p.version, name: p.name, description: p.description })),
    });
  });
  r.get('/patterns/:id', (req, res) => {
    res.json(service.getPattern(req.params.id!));
  });
  return r;
}
