#!/usr/bin/env node
// The operator CLI's command (package.json "bin"): `npx token-encryption <command>` from any folder of the
// repository, `token-encryption <command>` once `npm link` has put it on the PATH, and `npm run --silent cli --
// <command>`. Builds dist/ first when it is stale, then runs the CLI in this process, in the caller's folder:
// relative paths in flags and in DEPLOYMENT_CONFIG mean what they mean in the caller's shell.
import { fileURLToPath } from 'node:url';
import { ensureFreshBuild } from '../scripts/fresh-build.mjs';

// `npm run cli` runs scripts in the repository root; npm keeps the folder it was started in as INIT_CWD.
const env = process.env;
if (env.npm_lifecycle_event === 'cli' && env.npm_package_name === 'token-encryption' && env.INIT_CWD) process.chdir(env.INIT_CWD);

ensureFreshBuild(fileURLToPath(new URL('..', import.meta.url)));
await import('../dist/apps/cli/src/main.js');
