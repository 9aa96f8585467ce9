// Runs a compiled entry point (npm start, npm run demo) from dist/, building first when dist/ is missing or
// older than any source file (scripts/fresh-build.mjs).
import { spawnSync } from 'node:child_process';
import { ensureFreshBuild } from './fresh-build.mjs';

const [entry, ...args] = process.argv.slice(2);
ensureFreshBuild(process.cwd());
if (entry === '--eval') process.exit(0);
const result = spawnSync(process.execPath, [entry, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
