import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider as AriaRouterProvider } from 'react-aria-components';
import { BrowserRouter, Route, Routes, useHref, useNavigate } from 'react-router';
import { ApiError } from './api/client';
import { Layout } from './components/Layout';
import { RequireSession } from './components/RequireSession';
import { ApplicationPage } from './pages/ApplicationPage';
import { ApplicationsPage, CreateApplicationPage } from './pages/ApplicationsPage';
import { HomePage } from './pages/HomePage';
import { NotFoundPage } from './pages/NotFoundPage';
import { SessionExpiredPage, SignedOutPage } from './pages/SignedOutPage';
import { SignUpPage } from './pages/SignUpPage';

/** A 401 from the API once signed in means the session has ended (expired, or signed out elsewhere). */
function onApiError(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) window.location.assign('/devportal/session-expired');
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: onApiError }),
  mutationCache: new MutationCache({ onError: onApiError }),
  defaultOptions: {
    queries: {
      // A 4xx will not change by asking again; a service problem is retried by the user from the banner.
      retry: (count, error) => !(error instanceof ApiError) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

/** React Aria's links navigate through the router (client-side), with hrefs under /devportal/. */
function AriaRouter({ children }: { children: React.ReactNode }) {
  const navigate = useNavigate();
  return (
    <AriaRouterProvider navigate={(to) => void navigate(to)} useHref={useHref}>
      {children}
    </AriaRouterProvider>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter basename="/devportal">
        <AriaRouter>
          <Routes>
            <Route element={<Layout />}>
              <Route index element={<HomePage />} />
              <Route path="sign-up" element={<SignUpPage />} />
              <Route path="signed-out" element={<SignedOutPage />} />
              <Route path="session-expired" element={<SessionExpiredPage />} />
              <Route element={<RequireSession />}>
                <Route path="applications" element={<ApplicationsPage />} />
                <Route path="applications/new" element={<CreateApplicationPage />} />
                <Route path="applications/:applicationId" element={<ApplicationPage />} />
              </Route>
              <Route path="*" element={<NotFoundPage />} />
            </Route>
          </Routes>
        </AriaRouter>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
