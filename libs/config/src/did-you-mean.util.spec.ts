import { didYouMean } from './did-you-mean.util.js';

describe('didYouMean', () => {
  const KEYS = ['port', 'host', 'public_url', 'body_limit', 'enable_token_encryption'];

  it.each([
    ['prot', 'port'],
    ['hots', 'host'],
    ['public-url', 'public_url'],
    ['Body_Limit', 'body_limit'],
    ['enable_token_encrytion', 'enable_token_encryption'],
    ['enable_tokn_encription', 'enable_token_encryption'],
  ])('suggests %s -> %s', (typo, meant) => {
    expect(didYouMean(typo, KEYS)).toBe(meant);
  });

  it.each(['url', 'timeout', 'enable'])('suggests nothing for the unrelated %s', (word) => {
    expect(didYouMean(word, KEYS)).toBeUndefined();
  });
});
