import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { transformFileSync } from '@swc/core';
import { swcOptions } from './swc-options.js';
import { REPO_ROOT } from './test-keystore.js';

/**
 * The Key Manager as it was at `commit`, compiled from the repository's own history, to run beside today's
 * in a rolling-upgrade test. `git archive` extracts the commit's `apps/key-manager/src` and `libs/` into
 * `dir`; SWC compiles each source file the way the test runner does (the same decorator and metadata
 * settings Nest needs), `@app/*` imports are rewritten to relative paths as `npm run build` does, and the
 * tree runs on this checkout's `node_modules` (symlinked). That last step is the one shortcut: it is honest
 * only while the old commit's dependencies are still installed at the same ranges, which
 * {@link changedDependencies} checks. A few seconds, where `npm ci` + `npm run build` of an old worktree
 * take minutes.
 *
 * @returns the path of the old Key Manager's `main.js`.
 */
export function buildPreviousKeyManager(commit: string, dir: string): string {
  // Needs the history: a shallow clone cannot run this test, and it must say so rather than pass.
  execFileSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: REPO_ROOT, stdio: 'pipe' });
  const archive = execFileSync('git', ['archive', '--format=tar', commit, 'apps/key-manager/src', 'libs', 'package.json'], { cwd: REPO_ROOT, maxBuffer: 256 * 1024 * 1024 });
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const file of sources(dir)) {
    const { code } = transformFileSync(file, { ...swcOptions, swcrc: false });
    writeFileSync(file.replace(/\.ts$/, '.js'), rewriteAliases(code, path.dirname(file), dir));
  }
  const main = path.join(dir, 'apps/key-manager/src/main.js');
  if (!existsSync(main)) throw new Error(`${commit} has no apps/key-manager/src/main.ts`);
  return main;
}

/** Production dependencies of `commit` that this checkout no longer installs at the same range. */
export function changedDependencies(commit: string): string[] {
  const then = JSON.parse(execFileSync('git', ['show', `${commit}:package.json`], { cwd: REPO_ROOT, encoding: 'utf8' })) as { dependencies: Record<string, string> };
  const now = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return Object.entries(then.dependencies)
    .filter(([name, range]) => now.dependencies[name] !== range)
    .map(([name, range]) => `${name} ${range} → ${now.dependencies[name] ?? 'removed'}`);
}

function sources(dir: string): string[] {
  const roots = [path.join(dir, 'apps/key-manager/src'), ...readdirSync(path.join(dir, 'libs')).map((lib) => path.join(dir, 'libs', lib, 'src'))];
  const out: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const full = path.join(folder, name);
      if (statSync(full).isDirectory()) {
        if (name !== 'test') walk(full);
      } else if (name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts')) {
        out.push(full);
      }
    }
  };
  for (const root of roots.filter((r) => existsSync(r))) walk(root);
  return out;
}

/** `'@app/platform'` → `'../../libs/platform/src/index.js'`, relative to the importing file. */
function rewriteAliases(code: string, from: string, root: string): string {
  return code.replace(/(['"])@app\/([a-z-]+)\1/g, (_match, quote: string, lib: string) => {
    let relative = path.relative(from, path.join(root, 'libs', lib, 'src', 'index.js'));
    if (!relative.startsWith('.')) relative = `./${relative}`;
    return `${quote}${relative}${quote}`;
  });
}
