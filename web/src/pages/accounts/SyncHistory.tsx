import { useQuery } from '@tanstack/react-query';
import { useConnectorScope } from '../../api/connectorQueries';
import { listSyncRuns, type AdAccount, type SyncRun } from '../../api/connectors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { JobStatusBadge } from '../../components/JobStatusBadge';
import { EmptyState, LoadingState } from '../../components/States';
import { Time } from '../../components/Time';
import { createDataColumnHelper, DataTable } from '../../components/ui/DataTable';

const number = new Intl.NumberFormat();

function duration(run: SyncRun): string {
  if (!run.started_at || !run.finished_at) return '—';
  const ms = new Date(run.finished_at).getTime() - new Date(run.started_at).getTime();
  if (!Number.isFinite(ms) || ms < 0) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

const helper = createDataColumnHelper<SyncRun>();

/** Newest first, as the server lists them (not sortable). */
const COLUMNS = helper.columns([
  helper.accessor('queued_at', { id: 'queued', header: 'Queued', cell: ({ row }) => <Time iso={row.original.queued_at} /> }),
  helper.accessor('trigger', { id: 'trigger', header: 'Trigger' }),
  helper.accessor('status', { id: 'status', header: 'Status', cell: ({ row }) => <JobStatusBadge status={row.original.status} /> }),
  helper.display({ id: 'duration', header: 'Duration', cell: ({ row }) => duration(row.original) }),
  helper.accessor('metric_rows', {
    id: 'metric_rows',
    header: 'Metric rows',
    meta: { className: 'num' },
    cell: ({ row }) => number.format(row.original.metric_rows),
  }),
  helper.display({
    id: 'changes',
    header: 'Campaign changes',
    cell: ({ row }) => `${row.original.campaigns_created} new, ${row.original.campaigns_updated} updated`,
  }),
  helper.display({
    id: 'error',
    header: 'Error',
    meta: { cellClassName: 'service-error' },
    cell: ({ row }) => {
      const run = row.original;
      return run.error ? (
        <>
          {run.error_kind ? <code>{run.error_kind}</code> : null} {run.error}
        </>
      ) : (
        <span className="muted">—</span>
      );
    },
  }),
]);

const runId = (run: SyncRun) => run.id;
const runRowAttributes = (run: SyncRun) => ({ 'data-testid': 'sync-run', 'data-status': run.status });

/** The recent sync runs of one account, newest first: outcome, rows fetched, structure changes, errors. */
export function SyncHistory({ account, id }: { account: AdAccount; id: string }) {
  const { keys } = useConnectorScope();
  const runs = useQuery({
    queryKey: keys.syncRuns(account.id),
    queryFn: ({ signal }) => listSyncRuns(account.id, signal),
    staleTime: 0,
  });

  let body;
  if (runs.isPending) body = <LoadingState label="Loading sync history…" />;
  else if (runs.isError) body = <ErrorBanner heading="Could not load the sync history" error={runs.error} />;
  else if (runs.data.length === 0) body = <EmptyState>This account has not been synced yet.</EmptyState>;
  else
    body = (
      <DataTable
        columns={COLUMNS}
        data={runs.data}
        getRowId={runId}
        className="table table-responsive table-compact"
        testId="sync-history"
        caption={`Sync history of ${account.name}`}
        rowAttributes={runRowAttributes}
      />
    );

  return (
    <div id={id} className="sync-history" role="region" aria-label={`Sync history of ${account.name}`}>
      {body}
    </div>
  );
}
