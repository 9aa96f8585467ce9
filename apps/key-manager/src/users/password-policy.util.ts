/**
 * The sign-up password policy: at least 8 characters, at least one letter and one digit, and not the user
 * name. Returns every rule the password breaks in one sentence (safe to show: it never repeats the
 * password), or undefined when it passes.
 */
export function passwordPolicyProblem(username: string, password: string): string | undefined {
  const broken = passwordPolicyProblems(username, password);
  if (broken.length === 0) return undefined;
  const rules = broken.length === 1 ? broken[0]! : `${broken.slice(0, -1).join(', ')} and ${broken[broken.length - 1]!}`;
  return `the password must ${rules}`;
}

/** Each rule the password breaks, as the end of "the password must …". */
export function passwordPolicyProblems(username: string, password: string): string[] {
  const broken: string[] = [];
  if ([...password].length < 8) broken.push('be at least 8 characters long');
  if (!/\p{L}/u.test(password)) broken.push('contain a letter');
  if (!/\p{Nd}/u.test(password)) broken.push('contain a digit');
  if (password.toLowerCase() === username.toLowerCase()) broken.push('not be the user name');
  return broken;
}
