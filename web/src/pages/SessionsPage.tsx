import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { listSessions, revokeOtherSessions, revokeSession, type SessionInfo } from '../api/auth';
import { queryKeys } from '../api/queries';
import { ErrorBanner } from '../components/ErrorBanner';
import { EmptyState, LoadingState, Notice } from '../components/States';
import { Time } from '../components/Time';
import { createDataColumnHelper, DataTable, type DataColumnDef } from '../components/ui/DataTable';
import { useDocumentTitle } from '../hooks/useDocumentTitle';

function deviceName(s: SessionInfo): string {
  return s.device ?? s.user_agent ?? 'Unknown device';
}

function RevokeSession({ session }: { session: SessionInfo }) {
  const queryClient = useQueryClient();
  const revoke = useMutation({
    mutationFn: () => revokeSession(session.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.sessions }),
  });
  const name = deviceName(session);
  return (
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
  );
}

const helper = createDataColumnHelper<SessionInfo>();

/** The current session first, then the server's order (not sortable). Module scope: the columns never change. */
const sessionColumns: DataColumnDef<SessionInfo>[] = helper.columns([
  helper.display({
    id: 'device',
    header: 'Device',
    cell: ({ row }) => (
      <>
        <span className="cell-strong">{deviceName(row.original)}</span>{' '}
        {row.original.current ? <span className="badge badge-ok">This device</span> : null}
      </>
    ),
  }),
  helper.accessor('ip', { id: 'ip', header: 'IP address', cell: ({ row }) => row.original.ip ?? <span className="muted">—</span> }),
  helper.accessor('created_at', { id: 'created', header: 'Signed in', cell: ({ row }) => <Time iso={row.original.created_at} /> }),
  helper.accessor('last_active_at', {
    id: 'last_active',
    header: 'Last active',
    cell: ({ row }) => <Time iso={row.original.last_active_at} relative />,
  }),
  helper.display({
    id: 'actions',
    meta: { label: 'Actions', hideHeader: true, cellClassName: 'actions-cell' },
    // The current session is ended by signing out.
    cell: ({ row }) =>
      row.original.current ? <span className="muted">Current session</span> : <RevokeSession session={row.original} />,
  }),
]);

const sessionId = (s: SessionInfo) => s.id;
const sessionRowAttributes = (s: SessionInfo) => ({ 'data-testid': s.current ? 'session-current' : 'session' });

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
  const ordered = useMemo(
    () => [...(sessions.data ?? [])].sort((a, b) => Number(b.current) - Number(a.current)),
    [sessions.data],
  );

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
            <DataTable
              columns={sessionColumns}
              data={ordered}
              getRowId={sessionId}
              className="table table-responsive"
              caption="Active sessions"
              rowAttributes={sessionRowAttributes}
            />
          )}
        </div>
      ) : null}
    </section>
  );
}
