import { Button, Link } from 'react-aria-components';
import { Outlet, useNavigate } from 'react-router';
import { useSession, useSignOut } from '../api/session';
import { SignInLink } from './SignInLink';

/** The frame of every page: a skip link, the header with the portal's name and the user, the page. */
export function Layout() {
  const session = useSession();
  const signOut = useSignOut();
  const navigate = useNavigate();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <Link href="/" className="brand">
          Developer Portal
        </Link>
        {session.data && (
          <nav aria-label="Main">
            <Link href="/applications" className="nav-link">
              Applications
            </Link>
          </nav>
        )}
        <span className="spacer" />
        {session.data ? (
          <>
            <span className="user" aria-label="Signed in as">
              {session.data.username}
            </span>
            <Button
              className="button secondary"
              onPress={async () => {
                await signOut(session.data!.csrfToken);
                void navigate('/signed-out');
              }}
            >
              Sign out
            </Button>
          </>
        ) : (
          session.isSuccess && <SignInLink className="button secondary" />
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
