// Preloaded into a child process (after tsx) by modulesLoadedBy(): logs every module it loads.
import { register } from 'node:module';

register('./hooks.ts', import.meta.url, { data: { file: process.env.FOLIO_TEST_MODULE_LOG } });
