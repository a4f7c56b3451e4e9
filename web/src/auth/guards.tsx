import { Navigate, Outlet, useLocation, useSearchParams } from 'react-router-dom';
import { LoadingState } from '../components/States';
import { useAuth } from './useAuth';

/** Where signing in leads without `?next=`: the dashboard (`/` is the public status page). */
export const HOME = '/dashboard';

/** Only same-app paths are followed after sign-in (no open redirects to other sites). */
export function safeNext(next: string | null | undefined, fallback = HOME): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  return next;
}

export function loginPath(next?: string): string {
  return next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login';
}

/** Routes for signed-in users: signed-out visitors go to /login and come back afterwards. */
export function RequireAuth() {
  const { status } = useAuth();
  const location = useLocation();
  if (status === 'unknown') return <LoadingState label="Restoring your session…" />;
  if (status === 'anonymous') {
    return <Navigate to={loginPath(location.pathname + location.search)} replace />;
  }
  return <Outlet />;
}

/** Sign-in / sign-up: a signed-in user is sent on to `?next=` (or the dashboard). */
export function GuestOnly() {
  const { status } = useAuth();
  const [params] = useSearchParams();
  if (status === 'unknown') return <LoadingState label="Restoring your session…" />;
  if (status === 'authenticated') return <Navigate to={safeNext(params.get('next'))} replace />;
  return <Outlet />;
}
