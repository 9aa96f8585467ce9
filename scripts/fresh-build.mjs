// Builds dist/ when it is missing or older than any source file, so commands run from a fresh clone and after
// edits alike. Used by scripts/run-built.mjs (npm start, npm run demo) and bin/token-encryption.mjs (the CLI).
// Build output goes to stderr, so a command's stdout stays clean.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (/\.(ts|tsx|css|html)$/.test(e.name) && !e.name.endsWith('.spec.ts') && !e.name.endsWith('.gen.d.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the repository at `root` when dist/ is stale; exits with the build's status when the build fails. */
export function ensureFreshBuild(root) {
  const stamp = join(root, 'dist/.build-stamp');
  const sources = ['apps', 'libs', 'bench'].map((d) => join(root, d)).filter((d) => existsSync(d));
  const stale = !existsSync(stamp) || sources.some((d) => newestSource(d) > statSync(stamp).mtimeMs);
  if (!stale) return;
  process.stderr.write('building (dist/ is missing or older than the sources)…\n');
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
