/** Keeps one live-events socket open while signed in to an org, and refetches what an event changed. */
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { aiCopyKeys } from '../api/aiCopy';
import { connectorKeys } from '../api/connectors';
import { metricsKeys } from '../api/metrics';
import { authSession } from '../auth/session';
import { LiveConnection, liveUrl, type LiveEvent, type LiveStatus } from './liveConnection';

/** The query-key prefixes an event makes stale (prefix match: every query under them refetches). */
export function staleKeys(event: LiveEvent, orgId: string): readonly (readonly unknown[])[] {
  const connectors = connectorKeys(orgId);
  const metrics = metricsKeys(orgId);
  const [aggregate] = event.type.split('.');
  switch (aggregate) {
    case 'campaign':
      return [connectors.campaigns];
    case 'connector':
      return [connectors.accounts, connectors.connections];
    case 'metrics':
    case 'budget':
    case 'alert':
    case 'report':
      return [metrics.all];
    case 'copy':
      return [aiCopyKeys(orgId).all];
    default:
      return [];
  }
}

export function applyEvent(client: QueryClient, event: LiveEvent, orgId: string): void {
  for (const queryKey of staleKeys(event, orgId)) void client.invalidateQueries({ queryKey });
}

export function useLiveEvents(): LiveStatus {
  const client = useQueryClient();
  const auth = useSyncExternalStore(authSession.subscribe, authSession.getSnapshot);
  const orgId = auth.status === 'authenticated' ? (auth.claims?.orgId ?? null) : null;
  const sessionId = auth.claims?.sessionId ?? null;
  const [status, setStatus] = useState<LiveStatus>('offline');
  const [connection, setConnection] = useState<LiveConnection | null>(null);

  useEffect(() => {
    if (orgId === null) return;
    const live = new LiveConnection({
      url: liveUrl(),
      getToken: () => authSession.getAccessToken(),
      onEvent: (event) => applyEvent(client, event, orgId),
      onResync: () => void client.invalidateQueries(),
      onStatus: setStatus,
    });
    live.start();
    setConnection(live);
    return () => {
      live.stop();
      setConnection(null);
      setStatus('offline');
    };
  }, [client, orgId, sessionId]);

  // A refreshed access token (same session and org) is handed to the open socket.
  useEffect(() => {
    void connection?.refreshToken();
  }, [connection, auth.expiresAt]);

  return status;
}
