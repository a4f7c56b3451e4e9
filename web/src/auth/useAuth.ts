import { useSyncExternalStore } from 'react';
import { authSession, type AuthSnapshot } from './session';

/** The current auth state; re-renders on sign-in, refresh (new claims), org switch and sign-out. */
export function useAuth(): AuthSnapshot {
  return useSyncExternalStore(authSession.subscribe, authSession.getSnapshot, authSession.getSnapshot);
}
