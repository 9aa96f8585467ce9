import { describe, expect, it } from '@jest/globals';
import { matchesRegisteredRedirect, registeredRedirectProblem } from './redirect-uris.js';

describe('registered redirect URIs (exact, or WSO2 regexp=)', () => {
  it('matches exact URIs exactly, and loopback URIs on any port (RFC 8252 §7.3)', () => {
    expect(matchesRegisteredRedirect(['https://app.example/cb'], 'https://app.example/cb')).toBe(true);
    expect(matchesRegisteredRedirect(['https://app.example/cb'], 'https://app.example/cb/')).toBe(false);
    expect(matchesRegisteredRedirect(['http://127.0.0.1/cb'], 'http://127.0.0.1:51004/cb')).toBe(true);
    expect(matchesRegisteredRedirect(['http://127.0.0.1:8080/cb'], 'http://127.0.0.1:9/cb')).toBe(true);
    expect(matchesRegisteredRedirect(['http://127.0.0.1/cb'], 'http://127.0.0.1:9/other')).toBe(false);
  });

  it('matches a regexp= pattern against the whole redirect_uri, as Java String.matches', () => {
    const registered = ['regexp=(https://a\\.example/cb|https://b\\.example/cb)'];
    expect(matchesRegisteredRedirect(registered, 'https://a.example/cb')).toBe(true);
    expect(matchesRegisteredRedirect(registered, 'https://b.example/cb')).toBe(true);
    expect(matchesRegisteredRedirect(registered, 'https://a.example/cbx')).toBe(false);
    expect(matchesRegisteredRedirect(registered, 'xhttps://a.example/cb')).toBe(false);
  });

  it('never lets a loose pattern redirect to a URI that is not a safe absolute URI', () => {
    const loose = ['regexp=.*'];
    expect(matchesRegisteredRedirect(loose, 'https://anything.example/')).toBe(true);
    expect(matchesRegisteredRedirect(loose, 'javascript:alert(1)')).toBe(false);
    expect(matchesRegisteredRedirect(loose, 'https://a.example/#frag')).toBe(false);
    expect(matchesRegisteredRedirect(loose, 'not a uri')).toBe(false);
  });

  it('refuses patterns RE2 cannot run in linear time (backreferences, lookaround) and empty ones', () => {
    expect(registeredRedirectProblem('regexp=(a)\\1')).toMatch(/not a valid regular expression/);
    expect(registeredRedirectProblem('regexp=(?=a)a')).toMatch(/not a valid regular expression/);
    expect(registeredRedirectProblem('regexp=')).toMatch(/needs a pattern/);
    expect(registeredRedirectProblem('regexp=(https://a\\.example/cb|https://b\\.example/cb)')).toBeUndefined();
    expect(registeredRedirectProblem('javascript:alert(1)')).toMatch(/scheme/);
  });

  it('matches a pattern that backtracking engines take exponential time on, in linear time', () => {
    // ^(a+)+$ against "aaaa…!" is the textbook catastrophic case for backtracking engines (Java's included).
    const registered = ['regexp=https://x\\.example/(a+)+'];
    const uri = `https://x.example/${'a'.repeat(2000)}!`;
    const started = process.hrtime.bigint();
    expect(matchesRegisteredRedirect(registered, uri)).toBe(false);
    // Linear: far below a second even on a loaded machine (a backtracking engine would not finish).
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
  });
});
