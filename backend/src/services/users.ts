import type { Knex } from 'knex';
import * as users from '../db/repositories/users.js';
import { AppError } from '../errors.js';

/** The user called `username`, for commands run on a user's behalf; unauthorized when there is none. */
export async function requireUser(db: Knex, username: string): Promise<users.User> {
  const user = await users.findByUsername(db, username);
  if (!user) throw new AppError('unauthorized', `no user named ${username}`);
  return user;
}
