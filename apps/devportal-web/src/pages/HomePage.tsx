import { Heading } from 'react-aria-components';
import { API_BASE } from '../api/client';

export function HomePage() {
  return (
    <section className="page narrow">
      <Heading level={1}>Developer Portal</Heading>
      <p>Create applications, generate their OAuth2 keys and get access tokens.</p>
      <p>
        Scripts can use the REST API at <code>{API_BASE}</code> (OpenAPI document at <code>{API_BASE}/openapi.json</code>).
      </p>
    </section>
  );
}
