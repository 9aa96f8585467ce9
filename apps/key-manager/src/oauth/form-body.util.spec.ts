import { OAuthError } from '../common/key-manager.errors.js';
import { FormBody, formOf } from './form-body.util.js';

describe('FormBody', () => {
  test('decodes percent-encoding and + as space', () => {
    const form = FormBody.parse('scope=read+write%20admin&redirect_uri=https%3A%2F%2Fa.example%2Fcb%3Fx%3D1');
    expect(form.get('scope')).toBe('read write admin');
    expect(form.get('redirect_uri')).toBe('https://a.example/cb?x=1');
  });

  test('an empty value counts as absent (RFC 6749 §3.1)', () => {
    const form = FormBody.parse('scope=&state');
    expect(form.get('scope')).toBeUndefined();
    expect(form.has('state')).toBe(false);
    expect(() => form.require('scope')).toThrow(OAuthError);
  });

  test('a repeated parameter is refused, not resolved', () => {
    const form = FormBody.parse('grant_type=password&scope=a&scope=b');
    expect(form.repeated).toBe('scope');
    expect(() => form.get('scope')).toThrow(/more than once/);
    expect(form.get('grant_type')).toBe('password');
    expect(() => form.requireNoRepeats()).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });

  test('bad percent-encoding and too many parameters are invalid_request', () => {
    expect(() => FormBody.parse('a=%E0%A4%A')).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => FormBody.parse(Array.from({ length: 65 }, (_, i) => `p${i}=1`).join('&'))).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });

  test('formOf refuses bodies that are not forms: 415 for other types, 400 for none', () => {
    expect(() => formOf({ grant_type: 'x' })).toThrow(expect.objectContaining({ code: 'invalid_request', status: 415 }));
    expect(() => formOf(undefined)).toThrow(expect.objectContaining({ code: 'invalid_request', status: undefined }));
  });
});
