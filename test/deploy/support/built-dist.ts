// The deployment tests run the compiled services (as the image does). Builds dist/ when it is missing or
// older than the sources — the same rule as scripts/run-built.mjs — so a test never runs stale code.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function isFresh(entries: readonly string[]): boolean {
  const stamp = path.join(REPO_ROOT, 'dist/.build-stamp');
  if (entries.some((entry) => !existsSync(path.join(REPO_ROOT, entry))) || !existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return !['apps', 'libs', 'bench'].some((d) => existsSync(path.join(REPO_ROOT, d)) && newestSource(path.join(REPO_ROOT, d)) > built);
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Builds unless `entries` exist and dist/ is newer than every source. Jest runs spec files in parallel
 * workers: a lock folder keeps two of them from compiling into dist/ at the same time.
 */
export function ensureBuilt(entries: readonly string[]): void {
  const lock = path.join(REPO_ROOT, 'dist/.build-lock');
  const deadline = Date.now() + 5 * 60_000;
  while (!isFresh(entries)) {
    mkdirSync(path.dirname(lock), { recursive: true });
    try {
      mkdirSync(lock);
    } catch {
      // Another worker is building; a lock older than 5 minutes was left by a crash.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 5 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another build of dist/');
      sleepSync(500);
      continue;
    }
    try {
      if (isFresh(entries)) return;
      execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
      return;
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`npm run build failed:\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`, { cause: error });
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
