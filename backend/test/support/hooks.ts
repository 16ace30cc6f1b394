import { dropTemplates } from './databases.js';

/** Mocha root hooks: the seeded templates are shared by every suite and dropped once at the end. */
export const mochaHooks = {
  async afterAll() {
    await dropTemplates();
  },
};
