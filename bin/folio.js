#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so the installed tree is the shipped tree.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../jobs/cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
