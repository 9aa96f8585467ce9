// Runs a compiled entry point (e.g. the CLI) from dist/, building first when dist/ is missing or older than
// any source file, so `npm run --silent cli -- …` works on a fresh clone and after edits alike.
// Build output goes to stderr, so the command's stdout stays clean.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [entry, ...args] = process.argv.slice(2);
const stamp = 'dist/.build-stamp';

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const stale = !existsSync(stamp) || ['apps', 'libs', 'bench'].some((d) => existsSync(d) && newestSource(d) > statSync(stamp).mtimeMs);
if (stale) {
  process.stderr.write('building (dist/ is missing or older than the sources)…\n');
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: ['ignore', 2, 2] });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
const result = spawnSync(process.execPath, [entry, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
