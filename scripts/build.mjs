// Compiles every app, lib and benchmark with tsc into dist/ (incrementally), then rewrites the @app/*
// path aliases to relative ESM specifiers (tsc keeps them verbatim; Node resolves only relative paths or
// packages), then builds the Developer Portal web app (scripts/devportal-web.mjs) into
// dist/apps/devportal-web. Writes dist/.build-stamp so scripts/run-built.mjs can tell when the output is
// stale. `--services-only` stops before the web app.
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';

const run = (bin, args) => execFileSync(process.execPath, [bin, ...args], { stdio: 'inherit' });
run('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo']);
run('node_modules/tsc-alias/dist/bin/index.js', ['-p', 'tsconfig.build.json', '--resolve-full-paths']);
if (!process.argv.includes('--services-only')) {
  const web = await import('./devportal-web.mjs');
  await web.generateApiTypes();
  web.typecheck();
  await web.bundle();
  mkdirSync('dist', { recursive: true });
  writeFileSync('dist/.build-stamp', new Date().toISOString() + '\n');
}
