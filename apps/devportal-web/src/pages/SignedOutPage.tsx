import { Heading } from 'react-aria-components';
import { SignInLink } from '../components/SignInLink';

export function SignedOutPage() {
  return (
    <section className="page narrow">
      <Heading level={1}>Signed out</Heading>
      <p>Your session has ended and its tokens were revoked at the Key Manager.</p>
      <SignInLink>Sign in again</SignInLink>
    </section>
  );
}

export function SessionExpiredPage() {
  return (
    <section className="page narrow">
      <Heading level={1}>Your session has expired</Heading>
      <p>For your security, sessions end after a while or when they are signed out elsewhere. Sign in again to go on.</p>
      <SignInLink>Sign in again</SignInLink>
    </section>
  );
}
