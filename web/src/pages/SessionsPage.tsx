import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { listSessions, revokeOtherSessions, revokeSession, type SessionInfo } from '../api/auth';
import { queryKeys } from '../api/queries';
import { ErrorBanner } from '../components/ErrorBanner';
import { EmptyState, LoadingState, Notice } from '../components/States';
import { Time } from '../components/Time';
import { useDocumentTitle } from '../hooks/useDocumentTitle';

function deviceName(s: SessionInfo): string {
  return s.device ?? s.user_agent ?? 'Unknown device';
}

function SessionRow({ session }: { session: SessionInfo }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => revokeSession(session.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.sessions }),
  });
  const name = deviceName(session);
  return (
    <tr data-testid={session.current ? 'session-current' : 'session'}>
      <td data-label="Device">
        <span className="cell-strong">{name}</span>{' '}
        {session.current ? <span className="badge badge-ok">This device</span> : null}
      </td>
      <td data-label="IP address">{session.ip ?? <span className="muted">—</span>}</td>
      <td data-label="Signed in">
        <Time iso={session.created_at} />
      </td>
      <td data-label="Last active">
        <Time iso={session.last_active_at} relative />
      </td>
      <td data-label="Actions" className="actions-cell">
        {session.current ? (
          <span className="muted">Current session</span>
        ) : (
          <>
            <button
              type="button"
              className="button button-small"
              onClick={() => revoke.mutate()}
              disabled={revoke.isPending}
              aria-label={`Sign out ${name}${session.ip ? ` (${session.ip})` : ''}`}
            >
              {revoke.isPending ? 'Signing out…' : 'Sign out'}
            </button>
            {revoke.isError ? <ErrorBanner heading="Could not sign it out" error={revoke.error} /> : null}
          </>
        )}
      </td>
    </tr>
  );
}

export function SessionsPage() {
  useDocumentTitle('Sessions');
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: queryKeys.sessions, queryFn: ({ signal }) => listSessions(signal) });
  const [revokedCount, setRevokedCount] = useState<number | null>(null);
  const revokeOthers = useMutation({
    mutationFn: revokeOtherSessions,
    onSuccess: (result) => {
      setRevokedCount(result.revoked);
      return queryClient.invalidateQueries({ queryKey: queryKeys.sessions });
    },
  });
  const rows = sessions.data ?? [];
  const others = rows.filter((s) => !s.current).length;

  return (
    <section className="page">
      <div className="page-header">
        <div>
          <h1>Sessions</h1>
          <p className="muted">Devices signed in to your account. Sign out any you do not recognise.</p>
        </div>
        <div className="page-actions">
          <button
            type="button"
            className="button"
            onClick={() => revokeOthers.mutate()}
            disabled={revokeOthers.isPending || others === 0}
          >
            {revokeOthers.isPending ? 'Signing out…' : 'Sign out all other sessions'}
          </button>
        </div>
      </div>

      {revokedCount !== null ? (
        <Notice testId="revoked-others">
          {revokedCount === 0
            ? 'There were no other sessions.'
            : `${revokedCount} other ${revokedCount === 1 ? 'session was' : 'sessions were'} signed out.`}
        </Notice>
      ) : null}
      {revokeOthers.isError ? <ErrorBanner heading="Could not sign out the other sessions" error={revokeOthers.error} /> : null}
      {sessions.isError ? <ErrorBanner heading="Could not load your sessions" error={sessions.error} /> : null}
      {sessions.isPending ? <LoadingState label="Loading sessions…" /> : null}

      {sessions.data ? (
        <div className="card table-card">
          {rows.length === 0 ? (
            <EmptyState>No active sessions.</EmptyState>
          ) : (
            <table className="table table-responsive">
              <caption className="visually-hidden">Active sessions</caption>
              <thead>
                <tr>
                  <th scope="col">Device</th>
                  <th scope="col">IP address</th>
                  <th scope="col">Signed in</th>
                  <th scope="col">Last active</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...rows]
                  .sort((a, b) => Number(b.current) - Number(a.current))
                  .map((s) => (
                    <SessionRow key={s.id} session={s} />
                  ))}
              </tbody>
            </table>
          )}
        </div>
      ) : null}
    </section>
  );
}
