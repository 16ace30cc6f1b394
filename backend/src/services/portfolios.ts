import type { Knex } from 'knex';
import { z } from 'zod';
import * as ledger from '../db/repositories/ledger.js';
import * as portfolios from '../db/repositories/portfolios.js';
import type { User } from '../db/repositories/users.js';
import { nowIso } from '../clock.js';
import { isIsoCurrency } from '../domain/currencies.js';
import { AppError } from '../errors.js';
import { parseOr400 } from '../validation.js';

/**
 * Whom a use case acts for: an API user, who sees only their own portfolios (another user's
 * is reported exactly like a missing one), or the operator at the command line, who has the
 * database anyway and may address any portfolio.
 */
export type Actor = { kind: 'user'; user: User } | { kind: 'operator' };
export const asUser = (user: User): Actor => ({ kind: 'user', user });
export const OPERATOR: Actor = { kind: 'operator' };

/** A portfolio as callers see it: the owner is implied by who asks. */
export type PortfolioView = Omit<portfolios.Portfolio, 'user_id'>;

export interface PortfolioWithLedger extends PortfolioView {
  /** The head of the portfolio's chain (its genesis while the ledger is empty). */
  ledger_commit_hash: string;
  commits: Omit<ledger.Commit, 'portfolio_id'>[];
}

export const newPortfolioSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  base_currency: z.string().refine(isIsoCurrency, 'must be an active ISO 4217 code such as USD'),
});
export type NewPortfolio = z.infer<typeof newPortfolioSchema>;

const view = ({ user_id: _owner, ...p }: portfolios.Portfolio): PortfolioView => p;

/** The portfolio `id` as `actor` may see it; portfolio_not_found otherwise. */
export async function requirePortfolio(db: Knex, actor: Actor, id: string): Promise<portfolios.Portfolio> {
  const p = actor.kind === 'user' ? await portfolios.getForUser(db, id, actor.user.id) : await portfolios.get(db, id);
  if (!p) throw new AppError('portfolio_not_found', `portfolio ${id} does not exist`, { portfolio_id: id });
  return p;
}

export async function listPortfolios(db: Knex, user: User): Promise<PortfolioView[]> {
  return (await portfolios.listForUser(db, user.id)).map(view);
}

/** Every portfolio with its owner's username: the operator's listing. */
export async function listAllPortfolios(db: Knex): Promise<(PortfolioView & { username: string })[]> {
  return (await portfolios.listWithOwners(db)).map(({ user_id: _owner, ...p }) => p);
}

/** Creates an empty portfolio for `user`; `input` is checked against newPortfolioSchema (invalid_request). */
export async function createPortfolio(db: Knex, user: User, input: unknown): Promise<PortfolioView> {
  const { name, base_currency } = parseOr400(newPortfolioSchema, input, 'body');
  return view(await portfolios.create(db, user.id, name, base_currency));
}

/** One portfolio with its ledger: the head commit and every commit of the chain, oldest first. */
export async function getPortfolio(db: Knex, actor: Actor, id: string): Promise<PortfolioWithLedger> {
  const p = view(await requirePortfolio(db, actor, id));
  const commits = await ledger.listCommits(db, p.id);
  const head = await ledger.head(db, p.id);
  return { ...p, ledger_commit_hash: head.hash, commits: commits.map(({ portfolio_id: _p, ...c }) => c) };
}

export const portfolioChangesSchema = z
  .strictObject({
    name: newPortfolioSchema.shape.name.optional(),
    /** true archives (no more imports; executions and replays go on), false makes it active again. */
    archived: z.boolean().optional(),
  })
  .refine((c) => c.name !== undefined || c.archived !== undefined, 'give name, archived or both');

/** Renames and/or archives (or un-archives) a portfolio; its ledger and its answers are untouched. */
export async function updatePortfolio(db: Knex, actor: Actor, id: string, input: unknown): Promise<PortfolioView> {
  const changes = parseOr400(portfolioChangesSchema, input, 'body');
  const p = await requirePortfolio(db, actor, id);
  const archivedAt =
    changes.archived === undefined ? p.archived_at : changes.archived ? (p.archived_at ?? nowIso()) : null;
  const next = { name: changes.name ?? p.name, archived_at: archivedAt };
  await portfolios.update(db, p.id, next);
  return view({ ...p, ...next });
}

/**
 * Deletes a portfolio created by mistake. The ledger is append-only, so a portfolio with
 * commits is never deleted (archive it instead); nor is one a pricing pack has snapshotted.
 */
export async function deletePortfolio(db: Knex, actor: Actor, id: string): Promise<void> {
  const p = await requirePortfolio(db, actor, id);
  if (!(await portfolios.deleteIfUnreferenced(db, p.id))) {
    throw new AppError(
      'conflict',
      `portfolio ${p.id} has ledger commits or pack snapshots and cannot be deleted; archive it instead`,
      { portfolio_id: p.id },
    );
  }
}
