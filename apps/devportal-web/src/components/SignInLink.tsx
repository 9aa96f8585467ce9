import { signInHref } from '../api/session';

/** A full-page navigation (not a client-side route): the portal answers with a redirect to the Key Manager. */
export function SignInLink({ className = 'button', returnTo, children = 'Sign in' }: { className?: string; returnTo?: string; children?: React.ReactNode }) {
  return (
    <a className={className} href={signInHref(returnTo)}>
      {children}
    </a>
  );
}
