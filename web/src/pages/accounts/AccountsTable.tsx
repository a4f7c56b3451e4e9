import { useMutation, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState } from 'react';
import { useConnectorScope, useSyncRun } from '../../api/connectorQueries';
import {
  isFinished,
  platformLabel,
  startSync,
  updateAccount,
  type AdAccount,
  type SyncRun,
} from '../../api/connectors';
import { Card } from '../../components/Card';
import { ErrorBanner } from '../../components/ErrorBanner';
import { JobStatusBadge } from '../../components/JobStatusBadge';
import { EmptyState, LoadingState } from '../../components/States';
import { Time } from '../../components/Time';
import { createDataColumnHelper, DataTable, type DataColumnDef } from '../../components/ui/DataTable';
import { SyncHistory } from './SyncHistory';

const number = new Intl.NumberFormat();

function SyncToggle({ account, canEdit }: { account: AdAccount; canEdit: boolean }) {
  const queryClient = useQueryClient();
  const { keys } = useConnectorScope();
  const inputId = useId();
  const mutation = useMutation({
    mutationFn: (enabled: boolean) => updateAccount(account.id, { sync_enabled: enabled }),
    onSuccess: (updated) =>
      queryClient.setQueryData<AdAccount[]>(keys.accounts, (rows) =>
        rows?.map((row) => (row.id === account.id ? { ...row, ...updated } : row)),
      ),
  });
  const checked = mutation.isPending ? Boolean(mutation.variables) : account.sync_enabled;
  return (
    <div className="switch-field">
      <input
        id={inputId}
        type="checkbox"
        role="switch"
        checked={checked}
        disabled={!canEdit || mutation.isPending}
        onChange={(e) => mutation.mutate(e.target.checked)}
      />
      <label htmlFor={inputId}>
        <span aria-hidden="true">{checked ? 'On' : 'Off'}</span>
        <span className="visually-hidden">Scheduled sync of {account.name}</span>
      </label>
      {mutation.isError ? <ErrorBanner heading="Could not change the schedule" error={mutation.error} /> : null}
    </div>
  );
}

type RunView = Pick<SyncRun, 'id' | 'status' | 'metric_rows'> & { error?: string | null };

/**
 * "Sync now", and the run in progress: the one just queued, or one the schedule (or another tab) started,
 * followed until it finishes; then what it changed is refetched.
 */
function SyncNow({ account, canEdit }: { account: AdAccount; canEdit: boolean }) {
  const queryClient = useQueryClient();
  const { keys } = useConnectorScope();
  const [followed, setFollowed] = useState<RunView | null>(account.active_run);
  const start = useMutation({ mutationFn: () => startSync(account.id), onSuccess: setFollowed });
  const active = account.active_run;
  useEffect(() => {
    if (active && active.id !== followed?.id) setFollowed(active);
    // Only a newly listed run matters; the followed one is polled below.
  }, [active?.id]);
  const live = useSyncRun(followed?.id ?? null);
  const run: RunView | null = live.data ?? followed;
  const finished = run ? isFinished(run.status) : false;

  useEffect(() => {
    if (!run || !finished) return;
    void queryClient.invalidateQueries({ queryKey: keys.accounts });
    void queryClient.invalidateQueries({ queryKey: keys.syncRuns(account.id) });
    void queryClient.invalidateQueries({ queryKey: keys.campaigns });
    // Once per run, when it reaches its end (not on every poll).
  }, [run?.id, finished]);

  const busy = start.isPending || (run !== null && !finished);
  return (
    <div className="sync-now">
      {canEdit ? (
        <button
          type="button"
          className="button button-small"
          onClick={() => start.mutate()}
          disabled={busy}
          aria-busy={busy || undefined}
          aria-label={`Sync ${account.name} now`}
        >
          {busy ? 'Syncing…' : 'Sync now'}
        </button>
      ) : null}
      <span role="status" className="sync-state">
        {run && !finished ? (
          <span data-testid="sync-progress">
            <JobStatusBadge status={run.status} />
            {run.metric_rows > 0 ? <span className="muted"> {number.format(run.metric_rows)} rows so far</span> : null}
          </span>
        ) : null}
        {run && finished ? (
          <span data-testid="sync-result" data-status={run.status}>
            <JobStatusBadge status={run.status} />{' '}
            {run.status === 'failed' ? (
              <span className="service-error">{run.error ?? 'The sync failed.'}</span>
            ) : (
              <span className="muted">{number.format(run.metric_rows)} rows</span>
            )}
          </span>
        ) : null}
      </span>
      {start.isError ? <ErrorBanner heading="Could not start a sync" error={start.error} /> : null}
      {live.isError ? <ErrorBanner heading="Lost track of the sync" error={live.error} /> : null}
    </div>
  );
}

const helper = createDataColumnHelper<AdAccount>();

function historyId(account: AdAccount): string {
  return `sync-history-${account.id}`;
}

/** The columns; the actions cell opens the account's sync history in a detail row under it. */
function accountColumns(canEdit: boolean): DataColumnDef<AdAccount>[] {
  return helper.columns([
    helper.accessor('platform', { id: 'platform', header: 'Platform', cell: ({ row }) => platformLabel(row.original.platform) }),
    helper.accessor('name', {
      id: 'account',
      header: 'Account',
      cell: ({ row }) => {
        const account = row.original;
        return (
          <>
            <span className="cell-strong">{account.name}</span>
            {account.status && account.status !== 'ENABLED' ? (
              <span className="badge badge-neutral">{account.status}</span>
            ) : null}
            <div className="muted">{account.external_id}</div>
          </>
        );
      },
    }),
    helper.accessor('currency', { id: 'currency', header: 'Currency' }),
    helper.accessor('time_zone', { id: 'time_zone', header: 'Time zone' }),
    helper.display({
      id: 'last_sync',
      header: 'Last sync',
      cell: ({ row }) => {
        const account = row.original;
        return (
          <>
            <div className="inline-actions">
              <JobStatusBadge status={account.last_sync_status} testId="last-sync-status" />
              {account.last_sync_at ? <Time iso={account.last_sync_at} relative /> : null}
            </div>
            {account.metrics_synced_through ? (
              <div className="muted">Metrics through {account.metrics_synced_through}</div>
            ) : null}
            {account.connection_health === 'reconnect_required' ? (
              <span className="badge badge-error">Reconnect required</span>
            ) : null}
            {account.connection.paused_until ? (
              <div className="muted">
                Quota used up; resumes <Time iso={account.connection.paused_until} relative />
              </div>
            ) : null}
          </>
        );
      },
    }),
    helper.display({
      id: 'scheduled',
      header: 'Scheduled',
      cell: ({ row }) => <SyncToggle account={row.original} canEdit={canEdit} />,
    }),
    helper.display({
      id: 'actions',
      meta: { label: 'Actions', hideHeader: true, cellClassName: 'actions-cell' },
      cell: ({ row }) => (
        <div className="inline-actions">
          <SyncNow account={row.original} canEdit={canEdit} />
          <button
            type="button"
            className="button button-small"
            aria-expanded={row.getIsExpanded()}
            aria-controls={historyId(row.original)}
            aria-label={`Sync history of ${row.original.name}`}
            onClick={() => row.toggleExpanded()}
          >
            History
          </button>
        </div>
      ),
    }),
  ]);
}

const accountId = (a: AdAccount) => a.id;
const accountRowAttributes = (a: AdAccount) => ({ 'data-testid': 'account-row', 'data-account': a.external_id });
const renderHistory = (a: AdAccount) => <SyncHistory account={a} id={historyId(a)} />;

export function AccountsTable({ accounts, canEdit }: { accounts: UseQueryResult<AdAccount[]>; canEdit: boolean }) {
  // Stable columns: the sync toggle and "Sync now" cells hold state (a running mutation, the followed run).
  const columns = useMemo(() => accountColumns(canEdit), [canEdit]);
  let body;
  if (accounts.isPending) body = <LoadingState label="Loading ad accounts…" />;
  else if (accounts.isError) body = <ErrorBanner heading="Could not load the ad accounts" error={accounts.error} />;
  else if (accounts.data.length === 0) body = <EmptyState>No ad accounts yet: link a platform login first.</EmptyState>;
  else
    body = (
      <div className="table-card">
        <DataTable
          columns={columns}
          data={accounts.data}
          getRowId={accountId}
          className="table table-responsive"
          testId="accounts"
          caption="Ad accounts"
          rowAttributes={accountRowAttributes}
          renderDetail={renderHistory}
        />
      </div>
    );
  return (
    <Card
      title="Ad accounts"
      description="Synced every 15 minutes while scheduled: campaign structure plus daily metrics."
      testId="accounts-card"
    >
      {body}
    </Card>
  );
}
