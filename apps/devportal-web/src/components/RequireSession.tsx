import { Navigate, Outlet, useLocation } from 'react-router';
import { useSession } from '../api/session';
import { ServiceProblem } from './ServiceProblem';

/** Pages for signed-in users: others are sent to the home page, which offers to sign in. */
export function RequireSession() {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <p aria-live="polite">Loading…</p>;
  if (session.isError) return <ServiceProblem error={session.error} onRetry={() => void session.refetch()} />;
  if (!session.data) return <Navigate to={`/?returnTo=${encodeURIComponent(`/devportal${location.pathname}`)}`} replace />;
  return <Outlet />;
}
