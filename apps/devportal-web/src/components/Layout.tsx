import { Link } from 'react-aria-components';
import { Outlet } from 'react-router';

/** The frame of every page: a skip link, the header with the portal's name, the page. */
export function Layout() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <Link href="/" className="brand">
          Developer Portal
        </Link>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
