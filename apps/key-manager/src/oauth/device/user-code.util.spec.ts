import { newUserCode, normalizeUserCode } from './user-code.util.js';

describe('user codes', () => {
  test('are XXXX-XXXX of the RFC 8628 alphabet, and normalize to their eight letters', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const code = newUserCode();
      expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      expect(normalizeUserCode(code)).toBe(code.replace('-', ''));
      seen.add(code);
    }
    expect(seen.size).toBeGreaterThan(195);
  });

  test('what people type: any case, dashes and spaces', () => {
    expect(normalizeUserCode(' wdjb-mjht ')).toBe('WDJBMJHT');
    expect(normalizeUserCode('wdjb mjht')).toBe('WDJBMJHT');
  });

  test.each([['WDJB-MJH'], ['WDJB-MJHTX'], ['WDJB-MJH1'], ['AEIO-UUUU'], [''], ['x'.repeat(100)]])('%s is no code', (input) => {
    expect(normalizeUserCode(input)).toBeUndefined();
  });
});
