// Builds the Developer Portal web app (apps/devportal-web) into dist/apps/devportal-web:
//   1. the portal's OpenAPI document, written by the compiled portal (dist/…/openapi.export.main.js, no
//      service started), becomes TypeScript types with openapi-typescript (src/api/schema.gen.d.ts, not
//      committed: a changed API changes the types, and step 2 then fails where the UI no longer fits);
//   2. tsc checks the app against those types;
//   3. Vite bundles it (hashed file names under assets/, index.html referring to them).
// `node scripts/devportal-web.mjs typecheck` runs steps 1–2 (npm run typecheck); scripts/build.mjs runs all three.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const app = path.join(root, 'apps/devportal-web');
const exporter = path.join(root, 'dist/apps/devportal/src/openapi/openapi.export.main.js');
export const WEB_OUT = path.join(root, 'dist/apps/devportal-web');

const node = (args) => execFileSync(process.execPath, args, { stdio: 'inherit', cwd: root });

export async function generateApiTypes() {
  if (!existsSync(exporter)) throw new Error(`${path.relative(root, exporter)} is missing: build the services first (node scripts/build.mjs)`);
  const tmp = path.join(root, 'dist/devportal-openapi.json');
  mkdirSync(path.dirname(tmp), { recursive: true });
  node([exporter, tmp]);
  const { default: openapiTS, astToString } = await import('openapi-typescript');
  // Fields with a default stay optional: a client may leave them out (the server fills them in).
  const ast = await openapiTS(new URL(`file://${tmp}`), { alphabetize: true, defaultNonNullable: false });
  writeFileSync(
    path.join(app, 'src/api/schema.gen.d.ts'),
    '// Generated from the Developer Portal OpenAPI document by scripts/devportal-web.mjs. Do not edit.\n' + astToString(ast),
  );
}

export function typecheck() {
  node([path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(app, 'tsconfig.json'), '--noEmit']);
}

export async function bundle() {
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: app,
    base: '/devportal/',
    logLevel: 'warn',
    // React's automatic JSX runtime, compiled by Vite's own transformer (no Babel plugin needed for a build).
    oxc: { jsx: { runtime: 'automatic' } },
    build: {
      outDir: WEB_OUT,
      emptyOutDir: true,
      assetsDir: 'assets',
      sourcemap: false,
      // No inline <script> or data: module preloads: the CSP allows scripts from 'self' only.
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      reportCompressedSize: false,
      rolldownOptions: {
        // React Query marks its modules "use client" (for React Server Components); a browser bundle has no use for it.
        onLog(level, log, handler) {
          if (log.code !== 'MODULE_LEVEL_DIRECTIVE') handler(level, log);
        },
      },
    },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const step = process.argv[2];
  if (step === 'typecheck') {
    if (!existsSync(exporter)) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--services-only'], { stdio: 'inherit', cwd: root });
    await generateApiTypes();
    typecheck();
  } else {
    process.stderr.write('usage: node scripts/devportal-web.mjs typecheck\n');
    process.exit(64);
  }
}
