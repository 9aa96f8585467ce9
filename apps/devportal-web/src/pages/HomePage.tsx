import { Heading, Link } from 'react-aria-components';
import { Navigate, useSearchParams } from 'react-router';
import { API_BASE } from '../api/client';
import { useSession } from '../api/session';
import { SignInLink } from '../components/SignInLink';

const SIGN_IN_OUTCOMES: Record<string, string> = {
  denied: 'Sign-in was cancelled at the Key Manager.',
  failed: 'Sign-in did not complete (it may have expired or been used already). Try again.',
  unavailable: 'The Key Manager is not available right now. Try again in a moment.',
};

export function HomePage() {
  const session = useSession();
  const [params] = useSearchParams();
  if (session.data) return <Navigate to="/applications" replace />;
  const outcome = SIGN_IN_OUTCOMES[params.get('signin') ?? ''];
  const returnTo = params.get('returnTo') ?? undefined;
  return (
    <section className="page narrow">
      <Heading level={1}>Developer Portal</Heading>
      {outcome && (
        <p className="banner" role="alert">
          {outcome}
        </p>
      )}
      <p>Create applications, generate their OAuth2 keys and get access tokens.</p>
      <div className="actions">
        <SignInLink {...(returnTo ? { returnTo } : {})} />
        <Link href="/sign-up" className="button secondary">
          Create an account
        </Link>
      </div>
      <p className="muted">
        Scripts can use the REST API at <code>{API_BASE}</code> (OpenAPI document at <code>{API_BASE}/openapi.json</code>).
      </p>
    </section>
  );
}
