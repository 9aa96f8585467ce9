import { Heading, Link } from 'react-aria-components';

/** Unknown addresses, and applications that do not exist or belong to someone else (the API answers both alike). */
export function NotFoundPage({ what = 'page' }: { what?: string }) {
  return (
    <section className="page narrow">
      <Heading level={1}>Not found</Heading>
      <p>There is no such {what}, or it is not yours.</p>
      <Link href="/applications" className="button">
        Go to your applications
      </Link>
    </section>
  );
}
