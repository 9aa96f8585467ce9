import { createHash } from 'node:crypto';
import { formatWso2Hash, parseWso2Hash, sha256OfWso2Hash } from './index.js';

// One row of the WSO2 API Manager 3.2.0 database WSO2 publishes (wso2/product-apim,
// .github/WORKFLOW_ARTIFACTS/DB_DUMPS/POSTGRESQL/apim_db_320_dump.sql at 162d7cefaf86bcb979bce5260fdd5165d3ba8797,
// IDN_OAUTH2_ACCESS_TOKEN row e0a53685-…): ACCESS_TOKEN and the ACCESS_TOKEN_HASH WSO2 wrote for it.
const WSO2_TOKEN = '9ca9647b-c122-41a5-9ecd-80b4a1cf2c97';
const WSO2_TOKEN_HASH = '{"hash":"a194590e330916d17d6fda7c3cdec6d449dae6c487c5ad3bdd8762899c2d7e70","algorithm":"SHA-256"}';
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe("WSO2's hash objects", () => {
  it('are written byte for byte as WSO2 writes them', () => {
    expect(formatWso2Hash(sha256(WSO2_TOKEN))).toBe(WSO2_TOKEN_HASH);
  });

  it('are recognised in any key order and spacing, as WSO2 recognises them (a JSON object with both keys)', () => {
    const hex = sha256(WSO2_TOKEN);
    for (const text of [WSO2_TOKEN_HASH, `{"algorithm":"SHA-256","hash":"${hex}"}`, `{ "hash" : "${hex.toUpperCase()}", "algorithm" : "sha-256" }`]) {
      const parsed = parseWso2Hash(text);
      expect(parsed).toBeDefined();
      expect(sha256OfWso2Hash(parsed!)).toBe(hex);
    }
  });

  it('say which values are not hashes: plaintexts, bare hex, ciphertexts, other JSON', () => {
    for (const text of [WSO2_TOKEN, sha256(WSO2_TOKEN), 'eyJjIjoiYWJjIn0=', '{"hash":"abc"}', '{"algorithm":"SHA-256"}', '{not json', '[1,2]', '', '{"c":"x","t":"RSA"}']) {
      expect([text, parseWso2Hash(text)]).toEqual([text, undefined]);
    }
  });

  it('made with another algorithm, or not holding a SHA-256, give no SHA-256 (and are still hashes, never plaintexts)', () => {
    const sha512 = parseWso2Hash(`{"hash":"${'ab'.repeat(64)}","algorithm":"SHA-512"}`);
    expect(sha512).toEqual({ algorithm: 'SHA-512', hash: 'ab'.repeat(64) });
    expect(sha256OfWso2Hash(sha512!)).toBeUndefined();
    const odd = parseWso2Hash('{"hash":42,"algorithm":null}');
    expect(odd).toEqual({ algorithm: 'null', hash: '42' });
    expect(sha256OfWso2Hash(odd!)).toBeUndefined();
  });

  it('refuse to format anything but a SHA-256', () => {
    expect(() => formatWso2Hash('abc')).toThrow(expect.objectContaining({ code: 'CIPHER_MALFORMED' }));
  });
});
