const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Other spellings of the same JWT, as an attacker bypassing a deny-list keyed on the token's text would
 * write them: each decodes (with Node's or jose's lenient base64url) to the same header, payload and
 * signature bytes. Flipping the lowest unused bit of a segment's last character (RSA-2048 signatures
 * always have 4 unused bits), and the signature padded with `=`.
 */
export function otherSpellings(jwt: string): Array<{ how: string; token: string }> {
  const segments = jwt.split('.');
  const spellings: Array<{ how: string; token: string }> = [];
  segments.forEach((segment, i) => {
    if (segment.length % 4 < 2) return; // no unused bits
    const last = ALPHABET.indexOf(segment.at(-1)!);
    const respelled = segment.slice(0, -1) + ALPHABET[last ^ 1];
    if (!Buffer.from(respelled, 'base64url').equals(Buffer.from(segment, 'base64url'))) throw new Error('not the same bytes');
    const token = segments.map((s, j) => (j === i ? respelled : s)).join('.');
    spellings.push({ how: `${['header', 'payload', 'signature'][i]}: unused bits of the last character flipped`, token });
  });
  const signature = segments[2]!;
  if (signature.length % 4 !== 0) spellings.push({ how: 'signature padded with =', token: `${segments[0]}.${segments[1]}.${signature}${'='.repeat(4 - (signature.length % 4))}` });
  return spellings;
}
