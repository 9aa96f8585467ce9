import { useQuery, useQueryClient } from '@tanstack/react-query';
import { setCsrfToken } from './client';

/** The signed-in user as the portal's BFF reports it (`GET /devportal/auth/session`); null when not signed in. */
export interface Session {
  username: string;
  csrfToken: string;
  expiresAt: number;
  /** The Key Manager's address (for the introspection example). */
  keyManagerUrl: string;
}

export const AUTH_BASE = '/devportal/auth';

async function fetchSession(): Promise<Session | null> {
  const response = await fetch(`${AUTH_BASE}/session`, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (response.status === 401) {
    setCsrfToken('');
    return null;
  }
  if (!response.ok) throw new Error(`The portal answered ${response.status}.`);
  const session = (await response.json()) as Session;
  setCsrfToken(session.csrfToken);
  return session;
}

export function useSession() {
  return useQuery({ queryKey: ['session'], queryFn: fetchSession, staleTime: 60_000 });
}

/** Where "Sign in" goes: the portal starts the Key Manager's sign-in and brings the browser back to `returnTo`. */
export function signInHref(returnTo = '/devportal/applications'): string {
  return `${AUTH_BASE}/sign-in?returnTo=${encodeURIComponent(returnTo)}`;
}

/** Signs out at the portal (which revokes the tokens at the Key Manager), then forgets everything cached. */
export function useSignOut() {
  const queryClient = useQueryClient();
  return async (csrfToken: string) => {
    await fetch(`${AUTH_BASE}/sign-out`, { method: 'POST', credentials: 'same-origin', headers: { 'x-csrf-token': csrfToken } });
    setCsrfToken('');
    queryClient.clear();
  };
}
