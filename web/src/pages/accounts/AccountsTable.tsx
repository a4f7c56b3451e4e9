import { useMutation, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
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

function AccountRow({ account, canEdit, columns }: { account: AdAccount; canEdit: boolean; columns: number }) {
  const [open, setOpen] = useState(false);
  const historyId = useId();
  return (
    <>
      <tr data-testid="account-row" data-account={account.external_id}>
        <td data-label="Platform">{platformLabel(account.platform)}</td>
        <td data-label="Account">
          <span className="cell-strong">{account.name}</span>
          {account.status && account.status !== 'ENABLED' ? (
            <span className="badge badge-neutral">{account.status}</span>
          ) : null}
          <div className="muted">{account.external_id}</div>
        </td>
        <td data-label="Currency">{account.currency}</td>
        <td data-label="Time zone">{account.time_zone}</td>
        <td data-label="Last sync">
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
        </td>
        <td data-label="Scheduled">
          <SyncToggle account={account} canEdit={canEdit} />
        </td>
        <td data-label="Actions" className="actions-cell">
          <div className="inline-actions">
            <SyncNow account={account} canEdit={canEdit} />
            <button
              type="button"
              className="button button-small"
              aria-expanded={open}
              aria-controls={historyId}
              aria-label={`Sync history of ${account.name}`}
              onClick={() => setOpen((v) => !v)}
            >
              History
            </button>
          </div>
        </td>
      </tr>
      {open ? (
        <tr className="detail-row">
          <td colSpan={columns}>
            <SyncHistory account={account} id={historyId} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function AccountsTable({ accounts, canEdit }: { accounts: UseQueryResult<AdAccount[]>; canEdit: boolean }) {
  let body;
  if (accounts.isPending) body = <LoadingState label="Loading ad accounts…" />;
  else if (accounts.isError) body = <ErrorBanner heading="Could not load the ad accounts" error={accounts.error} />;
  else if (accounts.data.length === 0) body = <EmptyState>No ad accounts yet: link a platform login first.</EmptyState>;
  else
    body = (
      <div className="table-card">
        <table className="table table-responsive" data-testid="accounts">
          <caption className="visually-hidden">Ad accounts</caption>
          <thead>
            <tr>
              <th scope="col">Platform</th>
              <th scope="col">Account</th>
              <th scope="col">Currency</th>
              <th scope="col">Time zone</th>
              <th scope="col">Last sync</th>
              <th scope="col">Scheduled</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {accounts.data.map((a) => (
              <AccountRow key={a.id} account={a} canEdit={canEdit} columns={7} />
            ))}
          </tbody>
        </table>
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
