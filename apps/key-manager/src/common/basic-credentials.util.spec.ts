import { parseBasicAuthorization } from './basic-credentials.util.js';

const encode = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

describe('parseBasicAuthorization', () => {
  test('decodes form-urlencoded parts (RFC 6749 §2.3.1)', () => {
    expect(parseBasicAuthorization(encode('my%20client:p%3Ass+word'))).toEqual({ username: 'my client', password: 'p:ss word' });
    expect(parseBasicAuthorization(encode('id:secret:with:colons'))).toEqual({ username: 'id', password: 'secret:with:colons' });
  });

  test('no Basic header is undefined; a broken one is null', () => {
    expect(parseBasicAuthorization(undefined)).toBeUndefined();
    expect(parseBasicAuthorization('Bearer abc')).toBeUndefined();
    expect(parseBasicAuthorization('Basic !!!')).toBeNull();
    expect(parseBasicAuthorization(encode('no-colon'))).toBeNull();
    expect(parseBasicAuthorization(encode(':secret'))).toBeNull();
    expect(parseBasicAuthorization(encode('id:%E0%A4%A'))).toBeNull();
  });
});
