import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/**
 * The one style sheet of the Key Manager's pages (sign-in, device verification), in the Developer Portal
 * web app's look. It is inline, so the CSP names its SHA-256 instead of allowing 'unsafe-inline'.
 */
export const PAGE_STYLE = [
  ':root{--fg:#1b1f24;--muted:#57606a;--bg:#f6f8fa;--card:#fff;--border:#d0d7de;--accent:#0b5cad;--danger:#b42318;--focus:#f59e0b}',
  '*{box-sizing:border-box}',
  'body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);line-height:1.5}',
  'header{background:#0d2847;color:#fff;padding:.75rem 1.25rem;font-weight:700;font-size:1.1rem}',
  'main{max-width:26rem;margin:2.5rem auto;padding:1.5rem;background:var(--card);border:1px solid var(--border);border-radius:6px}',
  'h1{font-size:1.5rem;margin:0 0 .75rem}.app{font-weight:700}.muted{color:var(--muted);font-size:.9rem}',
  'label{display:block;margin:.9rem 0 .25rem;font-weight:600}',
  'input[type=text],input[type=password]{width:100%;padding:.55rem .6rem;font:inherit;border:1px solid #8c959f;border-radius:6px}',
  ':focus-visible{outline:3px solid var(--focus);outline-offset:2px}',
  'button{min-height:2.5rem;padding:.4rem 1rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;font:inherit;font-weight:600;cursor:pointer}',
  'button.secondary{background:var(--card);color:var(--accent)}',
  '.error{color:var(--danger);font-weight:600}.actions{margin-top:1.25rem;display:flex;gap:.5rem;flex-wrap:wrap}',
  '.code{font-family:ui-monospace,monospace;font-size:1.25rem;letter-spacing:.1em}code{font-family:ui-monospace,monospace}',
].join('\n');

const STYLE_HASH = `'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`;

/**
 * Pages a user signs in on must not be framed (click-jacking) nor cached; they load nothing from anywhere
 * and run no script. No form-action: the sign-in form's answer redirects to the client's redirect URI,
 * which browsers check against form-action too.
 */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': `default-src 'none'; style-src ${STYLE_HASH}; base-uri 'none'; frame-ancestors 'none'`,
} as const;

/** `headers`: more, e.g. `retry-after` on a 429 page. */
export function sendPage(reply: FastifyReply, status: number, html: string, headers: Record<string, string> = {}): void {
  void reply.code(status).headers({ ...PAGE_HEADERS, ...headers }).send(html);
}
