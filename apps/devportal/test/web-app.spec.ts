// The web app as the portal serves it (built by npm run build into dist/apps/devportal-web), and the
// security headers of both services, against a real Key Manager and portal on a private NATS.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { DEFAULT_CSP } from '@app/platform';
import { startStackForTest, type StackUnderTest } from '../../../test/support/devportal.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { createTestKeystore } from '../../../test/support/test-keystore.js';
import { WEB_CSP, webAppRoot } from '../src/web/web-app.js';

jest.setTimeout(60_000);

let tmp: TestConfigDir;
let nats: PrivateNats;
let stack: StackUnderTest;

beforeAll(async () => {
  tmp = await makeTempDir('web-app-');
  const keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  stack = await startStackForTest({ dir: tmp.dir, keystore, encryption: 'rsa-oaep', nats: nats.url });
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
  await tmp?.remove();
});

function expectSecurityHeaders(headers: Headers, csp: string): void {
  expect(headers.get('content-security-policy')).toBe(csp);
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('x-frame-options')).toBe('DENY');
}

describe('the web app at /devportal/', () => {
  it('is built (npm run build) where the portal looks for it', () => {
    expect(webAppRoot()).toBeDefined();
  });

  it('answers index.html, never cached, with a CSP allowing no inline script and no eval', async () => {
    for (const path of ['/devportal/', '/devportal']) {
      const res = await fetch(`${stack.devportal.baseUrl}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expectSecurityHeaders(res.headers, WEB_CSP);
      const html = await res.text();
      expect(html).toMatch(/<script type="module" crossorigin src="\/devportal\/assets\/index-[\w-]+\.js"><\/script>/);
      // Every script is a file: none inline.
      expect(html.match(/<script/g)).toHaveLength(1);
    }
    expect(WEB_CSP).toContain("script-src 'self'");
    expect(WEB_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(WEB_CSP).toContain("frame-ancestors 'none'");
  });

  it('answers deep links with the app, and / sends the browser there', async () => {
    const deep = await fetch(`${stack.devportal.baseUrl}/devportal/applications/3f2504e0-4f89-41d3-9a0c-0305e82c3301?tab=sandbox`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="root"></div>');
    const root = await fetch(`${stack.devportal.baseUrl}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/devportal/');
  });

  it('caches hashed assets for a year and answers a missing asset 404', async () => {
    const [script] = readdirSync(`${webAppRoot()}assets`).filter((f) => f.endsWith('.js'));
    const asset = await fetch(`${stack.devportal.baseUrl}/devportal/assets/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expectSecurityHeaders(asset.headers, WEB_CSP);
    const missing = await fetch(`${stack.devportal.baseUrl}/devportal/assets/index-gone.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('the first page on the wire', () => {
  it('is gzip\'d for browsers that take it (the same bytes once decoded, an ETag of its own) and plain otherwise; its JavaScript is under 200 kB', async () => {
    const index = await (await fetch(`${stack.devportal.baseUrl}/devportal/`)).text();
    const scripts = [...index.matchAll(/<script[^>]* src="([^"]+)"/g)].map((m) => m[1]!);
    const styles = [...index.matchAll(/<link[^>]* href="(\/devportal\/[^"]+\.css)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    let scriptBytes = 0;
    for (const url of [...scripts, ...styles, '/devportal/']) {
      const file = url === '/devportal/' ? 'index.html' : url.slice('/devportal/'.length);
      const built = readFileSync(`${webAppRoot()}${file}`);
      // fetch decodes the body but keeps the headers as sent: Content-Length is the size on the wire.
      const gzipped = await fetch(`${stack.devportal.baseUrl}${url}`, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
      expect(gzipped.headers.get('content-encoding')).toBe('gzip');
      expect(gzipped.headers.get('vary')).toBe('Accept-Encoding');
      expect(Buffer.from(await gzipped.arrayBuffer()).equals(built)).toBe(true);
      const wire = Number(gzipped.headers.get('content-length'));
      expect(wire).toBeLessThan(built.length);
      if (scripts.includes(url)) scriptBytes += wire;

      const plain = await fetch(`${stack.devportal.baseUrl}${url}`, { headers: { 'accept-encoding': 'identity' } });
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(Number(plain.headers.get('content-length'))).toBe(built.length);
      expect(plain.headers.get('etag')).not.toBe(gzipped.headers.get('etag'));
      // Revalidation answers 304 for the representation the client holds.
      const again = await fetch(`${stack.devportal.baseUrl}${url}`, { headers: { 'accept-encoding': 'gzip', 'if-none-match': gzipped.headers.get('etag')! } });
      expect(again.status).toBe(304);
    }
    expect(scriptBytes).toBeLessThan(200_000);
  });
});

describe('security headers on every response of both services', () => {
  it('portal API answers, errors and health carry them with the strictest CSP', async () => {
    for (const path of ['/api/am/devportal/v3/openapi.json', '/api/am/devportal/v3/applications', '/health/live', '/no-such-path']) {
      const res = await fetch(`${stack.devportal.baseUrl}${path}`);
      expectSecurityHeaders(res.headers, DEFAULT_CSP);
    }
  });

  it('Key Manager endpoints carry them too', async () => {
    for (const path of ['/.well-known/openid-configuration', '/oauth2/jwks', '/no-such-path']) {
      const res = await fetch(`${stack.keyManager.baseUrl}${path}`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
  });
});
