#!/usr/bin/env node
// `npx folio` runs the TypeScript sources through tsx, so it always matches the checkout;
// `npm start` runs the compiled build in dist/ instead.
import { register } from 'tsx/esm/api';

register();
await import('../jobs/folio.ts');
