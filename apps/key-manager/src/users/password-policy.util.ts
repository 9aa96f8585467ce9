/**
 * The sign-up password policy: at least 8 characters, at least one letter and one digit, and not the user
 * name. Returns what is wrong (safe to show: it never repeats the password), or undefined when it passes.
 */
export function passwordPolicyProblem(username: string, password: string): string | undefined {
  if ([...password].length < 8) return 'the password must be at least 8 characters long';
  if (!/\p{L}/u.test(password)) return 'the password must contain a letter';
  if (!/\p{Nd}/u.test(password)) return 'the password must contain a digit';
  if (password.toLowerCase() === username.toLowerCase()) return 'the password must not be the user name';
  return undefined;
}
