import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DeploymentConfig } from '@app/config';
import { pathOf } from '@app/platform';

/**
 * The endpoints a public browser client (an SPA with PKCE) calls, with the methods each allows. Sign-in
 * (`/oauth2/authorize`, `/oauth2/device`) is a navigation, not a script call; introspection and DCR are for
 * servers: none of those is here.
 */
export const CORS_ENDPOINTS: ReadonlyMap<string, string> = new Map([
  ['/oauth2/token', 'POST'],
  ['/oauth2/revoke', 'POST'],
  ['/oauth2/device_authorize', 'POST'],
  ['/oauth2/userinfo', 'GET, POST'],
  ['/oauth2/jwks', 'GET'],
  ['/.well-known/openid-configuration', 'GET'],
  ['/.well-known/oauth-authorization-server', 'GET'],
  ['/.well-known/oauth-authorization-server/oauth2/token', 'GET'],
  ['/oauth2/token/.well-known/openid-configuration', 'GET'],
  ['/oauth2/token/.well-known/oauth-authorization-server', 'GET'],
  ['/oauth2/oidcdiscovery/.well-known/openid-configuration', 'GET'],
]);

const ALLOWED_HEADERS = 'Authorization, Content-Type, DPoP';
const EXPOSED_HEADERS = 'WWW-Authenticate, Retry-After';

/**
 * CORS for the endpoints in {@link CORS_ENDPOINTS}, per `[cors]`: an origin listed in `allowed_origins` (or
 * any, with `allow_any_origin`) gets `Access-Control-Allow-Origin` on its responses and an answer to its
 * preflights; nothing else does. Nothing is allowed by default. Credentials (cookies) are never allowed: these
 * endpoints authenticate with what the request carries. Requests without an `Origin` header — every server
 * client — are not affected at all.
 */
export function registerCors(fastify: FastifyInstance, settings: DeploymentConfig['cors']): void {
  const allowed = new Set(settings.allowedOrigins);
  const allowOrigin = (origin: string | undefined): string | undefined => {
    if (origin === undefined) return undefined;
    if (settings.allowAnyOrigin) return '*';
    return allowed.has(origin) ? origin : undefined;
  };

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(request.url).replace(/(?<=.)\/+$/, '');
    const methods = CORS_ENDPOINTS.get(path);
    if (methods === undefined) return;
    const origin = typeof request.headers.origin === 'string' ? request.headers.origin : undefined;
    const allowedOrigin = allowOrigin(origin);
    // The answer depends on Origin: caches (the metadata is cacheable) must keep one per origin.
    reply.header('Vary', 'Origin');
    if (request.method === 'OPTIONS') {
      if (allowedOrigin === undefined) {
        return reply
          .code(403)
          .header('Cache-Control', 'no-store')
          .send({ error: 'access_denied', error_description: 'this origin may not call the endpoint from a browser ([cors] allowed_origins)' });
      }
      return reply
        .code(204)
        .header('Access-Control-Allow-Origin', allowedOrigin)
        .header('Access-Control-Allow-Methods', methods)
        .header('Access-Control-Allow-Headers', ALLOWED_HEADERS)
        .header('Access-Control-Max-Age', String(settings.maxAgeSec))
        .send();
    }
    if (allowedOrigin !== undefined) {
      reply.header('Access-Control-Allow-Origin', allowedOrigin);
      reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
  });
}
