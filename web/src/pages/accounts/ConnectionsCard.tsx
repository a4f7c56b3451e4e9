import { useMutation, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useConnectorScope } from '../../api/connectorQueries';
import { disconnect, platformLabel, type Connection } from '../../api/connectors';
import { Card } from '../../components/Card';
import { ErrorBanner } from '../../components/ErrorBanner';
import { InlineConfirm } from '../../components/InlineConfirm';
import { EmptyState, LoadingState } from '../../components/States';
import { Time } from '../../components/Time';
import { createDataColumnHelper, DataTable, type DataColumnDef } from '../../components/ui/DataTable';
import { formatDateTime } from '../../format';
import { useAuthorize } from './PlatformsCard';

/** Token health: fine, expiring (with the date), or needing the user to link the login again. */
export function HealthBadge({ connection }: { connection: Connection }) {
  switch (connection.health) {
    case 'ok':
      return (
        <span className="badge badge-ok" data-testid="health-badge" data-health="ok">
          Healthy
        </span>
      );
    case 'expires_soon':
      return (
        <span className="badge badge-warn" data-testid="health-badge" data-health="expires_soon">
          Expires {formatDateTime(connection.token_expires_at)}
        </span>
      );
    case 'reconnect_required':
      return (
        <span className="badge badge-error" data-testid="health-badge" data-health="reconnect_required">
          Reconnect required
        </span>
      );
    default:
      return <span className="badge badge-neutral">{String(connection.health)}</span>;
  }
}

function Reconnect({ connection }: { connection: Connection }) {
  const authorize = useAuthorize();
  return (
    <>
      <button
        type="button"
        className="button button-small button-primary"
        onClick={() => authorize.mutate(connection.platform)}
        disabled={authorize.isPending}
        aria-label={`Reconnect ${connection.label}`}
      >
        {authorize.isPending ? 'Redirecting…' : 'Reconnect'}
      </button>
      {authorize.isError ? <ErrorBanner heading="Could not start reconnecting" error={authorize.error} /> : null}
    </>
  );
}

function Disconnect({ connection }: { connection: Connection }) {
  const queryClient = useQueryClient();
  const { keys } = useConnectorScope();
  const mutation = useMutation({
    mutationFn: () => disconnect(connection.id),
    // Its accounts, sync history and campaigns go with it.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.all }),
  });
  return (
    <InlineConfirm
      mutation={mutation}
      trigger="Disconnect"
      triggerLabel={`Disconnect ${connection.label}`}
      groupLabel={`Confirm disconnecting ${connection.label}`}
      question={
        <>
          Disconnect {connection.label}? Its {connection.accounts === 1 ? 'ad account stops' : 'ad accounts stop'}{' '}
          syncing.
        </>
      }
      confirm="Yes, disconnect"
      pending="Disconnecting…"
      errorHeading="Could not disconnect"
    />
  );
}

const helper = createDataColumnHelper<Connection>();

/** In the service's order (not sortable); the actions column only for those who may edit. */
function connectionColumns(canEdit: boolean): DataColumnDef<Connection>[] {
  const columns: DataColumnDef<Connection>[] = [
    helper.accessor('platform', { id: 'platform', header: 'Platform', cell: ({ row }) => platformLabel(row.original.platform) }),
    helper.accessor('label', {
      id: 'login',
      header: 'Login',
      meta: { cellClassName: 'cell-strong' },
      cell: ({ row }) => {
        const c = row.original;
        return (
          <>
            {c.label}
            {c.status_reason && c.health === 'reconnect_required' ? <div className="muted">{c.status_reason}</div> : null}
          </>
        );
      },
    }),
    helper.accessor('health', {
      id: 'token',
      header: 'Token',
      cell: ({ row }) => {
        const c = row.original;
        return (
          <>
            <HealthBadge connection={c} />
            {c.paused_until && new Date(c.paused_until).getTime() > Date.now() ? (
              <div className="muted" data-testid="quota-paused">
                Platform quota used up; syncs resume <Time iso={c.paused_until} relative />
              </div>
            ) : null}
          </>
        );
      },
    }),
    helper.accessor('accounts', { id: 'accounts', header: 'Accounts', meta: { className: 'num' } }),
    helper.accessor('created_at', { id: 'linked', header: 'Linked', cell: ({ row }) => <Time iso={row.original.created_at} /> }),
  ];
  if (canEdit) {
    columns.push(
      helper.display({
        id: 'actions',
        meta: { label: 'Actions', hideHeader: true, cellClassName: 'actions-cell' },
        cell: ({ row }) => {
          const c = row.original;
          return (
            <div className="inline-actions">
              {c.health !== 'ok' && c.platform !== 'sandbox' ? <Reconnect connection={c} /> : null}
              <Disconnect connection={c} />
            </div>
          );
        },
      }),
    );
  }
  return columns;
}

const connectionId = (c: Connection) => c.id;
const connectionRowAttributes = (c: Connection) => ({ 'data-testid': 'connection-row', 'data-platform': c.platform });

export function ConnectionsCard({
  connections,
  canEdit,
}: {
  connections: UseQueryResult<Connection[]>;
  canEdit: boolean;
}) {
  // Stable columns: a reconnect redirect or disconnect confirmation in progress lives in its cell.
  const columns = useMemo(() => connectionColumns(canEdit), [canEdit]);
  let body;
  if (connections.isPending) body = <LoadingState label="Loading connections…" />;
  else if (connections.isError) body = <ErrorBanner heading="Could not load the connections" error={connections.error} />;
  else if (connections.data.length === 0)
    body = <EmptyState>No ad platform is linked yet. Connect one above (the sandbox needs no credentials).</EmptyState>;
  else
    body = (
      <div className="table-card">
        <DataTable
          columns={columns}
          data={connections.data}
          getRowId={connectionId}
          className="table table-responsive"
          testId="connections"
          caption="Linked platform logins"
          rowAttributes={connectionRowAttributes}
        />
      </div>
    );
  return <Card title="Linked logins">{body}</Card>;
}
