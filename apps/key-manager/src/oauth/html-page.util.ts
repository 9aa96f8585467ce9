import type { FastifyReply } from 'fastify';

/** Pages a user signs in on must not be framed (click-jacking) nor cached; they load nothing from anywhere. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
} as const;

/** `headers`: more, e.g. `retry-after` on a 429 page. */
export function sendPage(reply: FastifyReply, status: number, html: string, headers: Record<string, string> = {}): void {
  void reply.code(status).headers({ ...PAGE_HEADERS, ...headers }).send(html);
}
