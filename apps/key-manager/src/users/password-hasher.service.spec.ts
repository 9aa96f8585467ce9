import { PasswordHasher } from './password-hasher.service.js';
import { passwordPolicyProblem } from './password-policy.util.js';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  test('stores scrypt with its parameters and a fresh salt; verifies only the right password', async () => {
    const a = await hasher.hash('s3cret password');
    const b = await hasher.hash('s3cret password');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a).not.toBe(b);
    await expect(hasher.verify('s3cret password', a)).resolves.toBe(true);
    await expect(hasher.verify('s3cret passworD', a)).resolves.toBe(false);
  });

  test('a malformed stored hash never matches', async () => {
    await expect(hasher.verify('x', 'plaintext')).resolves.toBe(false);
    await expect(hasher.verify('x', 'scrypt$16384$8$1$c2FsdA==$')).resolves.toBe(false);
  });
});

describe('passwordPolicyProblem', () => {
  test.each([
    ['short1', 'at least 8'],
    ['onlyletters', 'digit'],
    ['12345678', 'letter'],
    ['Alice123', 'user name'],
  ])('%s is refused (%s)', (password, reason) => {
    expect(passwordPolicyProblem('alice123', password)).toContain(reason);
  });

  test('names every rule a password breaks, not only the first', () => {
    expect(passwordPolicyProblem('alice', 'abc')).toBe('the password must be at least 8 characters long and contain a digit');
    expect(passwordPolicyProblem('alice', '!!')).toBe('the password must be at least 8 characters long, contain a letter and contain a digit');
  });

  test('a password with letters and digits, 8 or more characters, not the name, passes', () => {
    expect(passwordPolicyProblem('alice', 'blue horse 7')).toBeUndefined();
  });
});
