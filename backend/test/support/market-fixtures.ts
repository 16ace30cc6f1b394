import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** backend/test/fixtures/market: per-symbol history files and ECB rates written from the published layouts (see its README). */
export const MARKET_FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/market');
