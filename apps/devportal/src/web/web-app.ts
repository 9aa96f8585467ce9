import negotiate from '@fastify/accept-negotiator';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as zlib, gzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import { pathOf } from '@app/platform';

/** Where the web app is served: `/devportal/` (WSO2's Developer Portal lives at `/devportal` too). */
export const WEB_BASE = '/devportal';

/**
 * The web app's Content-Security-Policy: scripts, styles and fetches from this origin only, no inline
 * script, no eval, never framed. `form-action 'self'` still allows the sign-out form; sign-in is a link.
 */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'report-sample'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The built web app: dist/apps/devportal-web beside the compiled portal, or under dist/ when the portal runs from its sources (tests). */
export function webAppRoot(): string | undefined {
  const fromSources = import.meta.url.endsWith('.ts');
  const dir = fileURLToPath(new URL(fromSources ? '../../../../dist/apps/devportal-web/' : '../../../devportal-web/', import.meta.url));
  return existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Text files are also kept gzip'd: the script is ~490 kB as built and ~150 kB on the wire. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json']);

interface WebFile {
  body: Buffer;
  type: string;
  etag: string;
  /** The same file gzip'd, with its own ETag (another representation), when that is smaller. */
  gzip?: { body: Buffer; etag: string };
}

/** Reads the built app into memory: a few small files that change only with a new build (and a restart). */
function loadFiles(root: string): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const body = readFileSync(file);
    const name = path.relative(root, file).split(path.sep).join('/');
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
    const gzipped = COMPRESSIBLE.has(path.extname(name)) ? gzipSync(body, { level: zlib.Z_BEST_COMPRESSION }) : undefined;
    files.set(name, {
      body,
      type: TYPES[path.extname(name)] ?? 'application/octet-stream',
      etag: `"${hash}"`,
      ...(gzipped && gzipped.length < body.length ? { gzip: { body: gzipped, etag: `"${hash}-gz"` } } : {}),
    });
  }
  return files;
}

function send(request: FastifyRequest, reply: FastifyReply, file: WebFile, cacheControl: string): FastifyReply {
  const accept = request.headers['accept-encoding'];
  const chosen = file.gzip && typeof accept === 'string' && negotiate(accept, ['gzip', 'identity']) === 'gzip' ? file.gzip : undefined;
  const etag = chosen?.etag ?? file.etag;
  void reply.header('content-security-policy', WEB_CSP).header('cache-control', cacheControl).header('etag', etag);
  if (file.gzip) void reply.header('vary', 'Accept-Encoding');
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  if (chosen) void reply.header('content-encoding', 'gzip');
  return reply.type(file.type).send(chosen?.body ?? file.body);
}

/**
 * Serves the web app at /devportal/: hashed assets cached for a year (their names change with their
 * content), index.html revalidated on every load (ETag), and every other path under /devportal/ answered
 * with index.html so deep links work (the app shows its own not-found page). A missing asset is a 404.
 *
 * The files are served from memory by these few lines rather than @fastify/static: the build output is a
 * handful of files known at start, and that plugin's current release loads an ES-only dependency through
 * require(), which the test runner cannot do on Node.js 20.
 */
export function serveWebApp(app: NestFastifyApplication, logger: Logger): void {
  const root = webAppRoot();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/', (_req, reply) => reply.redirect(`${WEB_BASE}/`, 302));
  if (!root) {
    logger.warn('the web app is not built (dist/apps/devportal-web is missing): /devportal/ answers 503; run npm run build');
    fastify.get(`${WEB_BASE}/*`, (_req, reply) => reply.code(503).type('text/plain; charset=utf-8').send('The web app is not built: run npm run build.\n'));
    return;
  }
  const files = loadFiles(root);
  const index = files.get('index.html')!;
  // The router ignores trailing slashes: this route answers /devportal and /devportal/.
  fastify.get(`${WEB_BASE}/`, (req, reply) => send(req, reply, index, 'no-cache'));
  fastify.get(`${WEB_BASE}/*`, (req, reply) => {
    const name = pathOf(req.url).slice(WEB_BASE.length + 1);
    const file = files.get(name);
    if (file && name.startsWith('assets/')) return send(req, reply, file, 'public, max-age=31536000, immutable');
    if (file) return send(req, reply, file, 'no-cache');
    // A stale page asking for an old bundle must fail visibly, not receive HTML as a script.
    if (name.startsWith('assets/')) return reply.code(404).type('text/plain; charset=utf-8').send('Not found\n');
    return send(req, reply, index, 'no-cache');
  });
}
