import type { Request } from 'express';
import { rateLimit } from 'express-rate-limit';
import { AppError } from '../errors.js';

/** Per API key, fixed one-minute window; runs after authentication so the key id is known. */
export function perKeyRateLimit(perMinute: number) {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req: Request) => req.folio.auth?.apiKeyId ?? 'anonymous',
    handler: (req, _res, next) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfter = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : 60;
      next(
        new AppError(
          'rate_limited',
          `rate limit of ${perMinute} requests per minute exceeded`,
          { limit_per_minute: perMinute },
          retryAfter,
        ),
      );
    },
  });
}
