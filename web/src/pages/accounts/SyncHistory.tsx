import { useQuery } from '@tanstack/react-query';
import { useConnectorScope } from '../../api/connectorQueries';
import { listSyncRuns, type AdAccount, type SyncRun } from '../../api/connectors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { JobStatusBadge } from '../../components/JobStatusBadge';
import { EmptyState, LoadingState } from '../../components/States';
import { Time } from '../../components/Time';

const number = new Intl.NumberFormat();

function duration(run: SyncRun): string {
  if (!run.started_at || !run.finished_at) return '—';
  const ms = new Date(run.finished_at).getTime() - new Date(run.started_at).getTime();
  if (!Number.isFinite(ms) || ms < 0) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

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
      <table className="table table-responsive table-compact" data-testid="sync-history">
        <caption className="visually-hidden">Sync history of {account.name}</caption>
        <thead>
          <tr>
            <th scope="col">Queued</th>
            <th scope="col">Trigger</th>
            <th scope="col">Status</th>
            <th scope="col">Duration</th>
            <th scope="col" className="num">
              Metric rows
            </th>
            <th scope="col">Campaign changes</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {runs.data.map((run) => (
            <tr key={run.id} data-testid="sync-run" data-status={run.status}>
              <td data-label="Queued">
                <Time iso={run.queued_at} />
              </td>
              <td data-label="Trigger">{run.trigger}</td>
              <td data-label="Status">
                <JobStatusBadge status={run.status} />
              </td>
              <td data-label="Duration">{duration(run)}</td>
              <td data-label="Metric rows" className="num">
                {number.format(run.metric_rows)}
              </td>
              <td data-label="Campaign changes">
                {run.campaigns_created} new, {run.campaigns_updated} updated
              </td>
              <td data-label="Error" className="service-error">
                {run.error ? (
                  <>
                    {run.error_kind ? <code>{run.error_kind}</code> : null} {run.error}
                  </>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );

  return (
    <div id={id} className="sync-history" role="region" aria-label={`Sync history of ${account.name}`}>
      {body}
    </div>
  );
}
