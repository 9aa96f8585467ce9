import { Button } from 'react-aria-components';
import { ApiError } from '../api/client';

/**
 * A service problem (503: the Key Manager is unreachable or configured differently; 502): said in words,
 * with a retry. Shown above a form, it leaves what the user typed alone.
 */
export function ServiceProblem({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const detail = error instanceof ApiError ? error.body.description : error instanceof Error ? error.message : String(error);
  return (
    <div className="banner danger" role="alert">
      <strong>The service is not available right now.</strong> <span>{detail}</span> Nothing you entered is lost.
      {onRetry && (
        <Button className="button secondary small" onPress={onRetry}>
          Retry
        </Button>
      )}
    </div>
  );
}

/** An error of a request: a service problem as a banner with retry, anything else in words next to its cause. */
export function RequestError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  if (error instanceof ApiError && error.retryable) return <ServiceProblem error={error} {...(onRetry ? { onRetry } : {})} />;
  const text = error instanceof ApiError ? error.body.description : error instanceof Error ? error.message : String(error);
  return (
    <p className="error-text" role="alert">
      {text}
    </p>
  );
}
