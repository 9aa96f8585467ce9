import { randomInt } from 'node:crypto';

/**
 * RFC 8628 §6.1: user codes people type — eight characters of a 20-letter alphabet without vowels (no words)
 * and without letters that look like digits, shown as `XXXX-XXXX`, read without case, dashes or spaces.
 * 20^8 ≈ 2.6 × 10^10 codes, each valid for minutes, and failed entries are throttled per address.
 */
const ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const LENGTH = 8;

export function newUserCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** The canonical form of what a user typed (`bcdf ghjk` → `BCDFGHJK`), or undefined when it cannot be a code. */
export function normalizeUserCode(input: string): string | undefined {
  if (input.length > 32) return undefined;
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== LENGTH) return undefined;
  for (const c of code) if (!ALPHABET.includes(c)) return undefined;
  return code;
}
