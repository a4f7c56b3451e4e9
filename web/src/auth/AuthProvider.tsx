import { useQueryClient } from '@tanstack/react-query';
import { useEffect, type ReactNode } from 'react';
import { authSession } from './session';

/**
 * Restores the session from the refresh cookie when the app loads, and empties the query cache whenever
 * the signed-in user changes (sign-out, session expiry, another account) so no data outlives its session.
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();

  useEffect(() => {
    let previous = authSession.getSnapshot();
    const unsubscribe = authSession.subscribe(() => {
      const next = authSession.getSnapshot();
      const wasSignedIn = previous.status === 'authenticated';
      if (wasSignedIn && (next.status !== 'authenticated' || next.claims?.userId !== previous.claims?.userId)) {
        queryClient.clear();
      }
      previous = next;
    });
    void authSession.restore();
    return unsubscribe;
  }, [queryClient]);

  return <>{children}</>;
}
