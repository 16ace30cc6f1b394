/**
 * The use cases: what the HTTP routes and the CLI commands both do. An entry point parses its
 * input, calls one of these and renders the result; none of them knows HTTP or argv, and they
 * fail with AppError codes that each entry point maps itself (http/error-handler.ts, the CLI's
 * exit codes).
 */
export {
  asUser,
  createPortfolio,
  deletePortfolio,
  getPortfolio,
  listAllPortfolios,
  listPortfolios,
  newPortfolioSchema,
  portfolioChangesSchema,
  updatePortfolio,
  OPERATOR,
  requirePortfolio,
  type Actor,
  type NewPortfolio,
  type PortfolioView,
  type PortfolioWithLedger,
} from './portfolios.js';
export {
  exportLedger,
  listCommitPage,
  listTransactions,
  type CommitView,
  type LedgerExport,
  type TransactionView,
} from './ledger-read.js';
export {
  importLedger,
  type LedgerDocument,
  type LedgerImportDeps,
  type LedgerImportRequest,
  type LedgerImportResult,
} from './ledger-import.js';
export { verifyAllLedgers, verifyLedger, type ChainMismatch, type LedgerVerification } from './ledger-verify.js';

// The pack lifecycle: build (warming -> rows), reconcile, mark fresh (-> fresh, superseding),
// each recorded in job_runs; reads for the API and `folio packs`.
export {
  buildPack,
  packJobSettings,
  type BuildOutcome,
  type BuildRequest,
  type PackJobSettings,
  type Progress,
} from './packs/build.js';
export type { Pack } from '../db/repositories/packs.js';
export {
  getPack,
  listPacks,
  requirePack,
  staleWarmingPacks,
  type PackPage,
  type PackWithContents,
} from './packs/catalogue.js';
export {
  backfill,
  unfinishedBackfill,
  type BackfillDate,
  type BackfillParams,
  type BackfillRequest,
} from './packs/backfill.js';
export { datesToBuild } from './packs/catch-up.js';
export { markPackFresh } from './packs/mark-fresh.js';
export { retirePack } from './packs/retire.js';
export { reconcilePack, TOLERANCE_BP } from './packs/reconcile.js';
export { recordRun, type JobContext, type JobEnd, type JobReport } from './packs/job-runs.js';
export { tryLock, type Lease } from './packs/job-lock.js';

// Executions: run a pattern pinned to a pack and a ledger commit, replay a stored one.
export { ExecutionService, type ExecutionServiceDeps, type RequestMeta } from './execution.js';
export {
  responseObject,
  type ExecuteResponse,
  type ExecutionMetadata,
  type ReplayResponse,
} from './execution-response.js';
export { replayExecution, requireExecution } from './replay.js';

export {
  getSecurity,
  importSecurities,
  searchSecurities,
  type SecuritiesImportResult,
  type Security,
  type SecurityPage,
} from './securities.js';

export { ApiKeyAuthenticator } from './authentication.js';
export { DEMO_USER, isDatabaseEmpty, seedDemo, type SeedSummary } from './demo-seed.js';
export { readiness, packHealth, type PackHealth, type Readiness } from './health.js';
export {
  createApiKey,
  createUser,
  findUser,
  listApiKeys,
  listUsers,
  requireUser,
  revokeApiKey,
  type ApiKeyRow,
  type CreatedApiKey,
  type NewApiKeyRequest,
  type UserRow,
} from './users.js';
