import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Button, FieldError, Form, Heading, Input, Label, TextField } from 'react-aria-components';
import { api, ApiError, unwrap } from '../api/client';
import { RequestError } from '../components/ServiceProblem';
import { SignInLink } from '../components/SignInLink';

/** The Key Manager's sign-up policy (apps/key-manager/src/users/password-policy.util.ts), shown as the user types. */
function policy(username: string, password: string): Array<{ rule: string; met: boolean }> {
  return [
    { rule: 'At least 8 characters', met: [...password].length >= 8 },
    { rule: 'A letter', met: /\p{L}/u.test(password) },
    { rule: 'A digit', met: /\p{Nd}/u.test(password) },
    { rule: 'Not the user name', met: password.length > 0 && password.toLowerCase() !== username.toLowerCase() },
  ];
}

export function SignUpPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const signUp = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/am/devportal/v3/signup', { body: { username, password } })),
  });
  const rules = policy(username, password);
  const fieldError = (field: string) => (signUp.error instanceof ApiError && !signUp.error.retryable && signUp.error.body.description.toLowerCase().includes(field) ? signUp.error.body.description : undefined);
  if (signUp.isSuccess) {
    return (
      <section className="page narrow">
        <Heading level={1}>Account created</Heading>
        <p>
          Welcome, <strong>{signUp.data.username}</strong>. Sign in at the Key Manager with your new account.
        </p>
        <SignInLink />
      </section>
    );
  }
  const usernameError = fieldError('user');
  const passwordError = usernameError ? undefined : fieldError('password');
  return (
    <section className="page narrow">
      <Heading level={1}>Create an account</Heading>
      {signUp.error instanceof ApiError && signUp.error.retryable && <RequestError error={signUp.error} onRetry={() => signUp.mutate()} />}
      <Form
        className="card form"
        validationErrors={{ ...(usernameError ? { username: usernameError } : {}), ...(passwordError ? { password: passwordError } : {}) }}
        onSubmit={(e) => {
          e.preventDefault();
          signUp.mutate();
        }}
      >
        <TextField name="username" isRequired minLength={3} maxLength={64} value={username} onChange={setUsername} autoComplete="username">
          <Label>User name</Label>
          <Input />
          <FieldError />
        </TextField>
        <TextField name="password" type="password" isRequired value={password} onChange={setPassword} autoComplete="new-password" validate={() => (rules.every((r) => r.met) ? null : 'The password does not meet the policy yet.')}>
          <Label>Password</Label>
          <Input aria-describedby="password-policy" />
          <FieldError />
        </TextField>
        <ul id="password-policy" className="policy" aria-label="Password policy">
          {rules.map((r) => (
            <li key={r.rule} className={r.met ? 'met' : 'unmet'}>
              <span aria-hidden="true">{r.met ? '✓' : '•'}</span> {r.rule}
              <span className="visually-hidden">{r.met ? ' (met)' : ' (not met yet)'}</span>
            </li>
          ))}
        </ul>
        {signUp.error && !(signUp.error instanceof ApiError && (signUp.error.retryable || usernameError || passwordError)) && <RequestError error={signUp.error} />}
        <div className="actions">
          <Button type="submit" className="button" isDisabled={signUp.isPending}>
            Create account
          </Button>
        </div>
      </Form>
    </section>
  );
}
