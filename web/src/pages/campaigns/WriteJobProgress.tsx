import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useConnectorScope, useWriteJob } from '../../api/connectorQueries';
import { isFinished, type WriteJob, type WriteJobItem } from '../../api/connectors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { JobStatusBadge } from '../../components/JobStatusBadge';
import { Time } from '../../components/Time';

/** A write job the user started on this screen, with what it was for. */
export interface TrackedJob {
  job: WriteJob;
  /** "Pause 3 campaigns in Acme DE" */
  label: string;
  /** Campaign names by platform id, to name the failed items. */
  names: Map<string, string>;
}

/** The campaign an item of a job is about (its platform id), whatever the operation. */
export function itemTarget(item: WriteJobItem): string | null {
  const { operation } = item;
  const id = operation.external_id ?? operation.campaign_id ?? item.external_id;
  return typeof id === 'string' ? id : null;
}

/**
 * One write job followed until it finishes: progress, then the failed items with the platform's reason.
 * When it finishes the campaign list is refetched (the service updates its mirror after a successful write).
 */
export function WriteJobProgress({
  tracked,
  onDismiss,
}: {
  tracked: TrackedJob;
  onDismiss: () => void;
}) {
  const queryClient = useQueryClient();
  const { keys } = useConnectorScope();
  const live = useWriteJob(tracked.job.id, tracked.job);
  const job = live.data ?? tracked.job;
  const finished = isFinished(job.status);
  const { total, succeeded, failed, pending } = job.progress;
  const failures = (job.items ?? []).filter((item) => item.status === 'failed');

  useEffect(() => {
    if (finished) void queryClient.invalidateQueries({ queryKey: keys.campaigns });
    // Once, when the job reaches its end.
  }, [finished]);

  return (
    <li className="job" data-testid="write-job" data-status={job.status}>
      <div className="job-header">
        <span className="cell-strong">{tracked.label}</span>
        <JobStatusBadge status={job.status} testId="write-job-status" />
        {finished ? (
          <button type="button" className="link-button" onClick={onDismiss} aria-label={`Dismiss: ${tracked.label}`}>
            Dismiss
          </button>
        ) : null}
      </div>
      <div className="job-progress">
        <progress max={total || 1} value={succeeded + failed} aria-label={`Progress: ${tracked.label}`} />
        <span role="status" data-testid="write-job-progress">
          {succeeded + failed} of {total} done
          {failed > 0 ? `, ${failed} failed` : ''}
          {!finished && pending > 0 ? `, ${pending} pending` : ''}
        </span>
      </div>
      {!finished && job.next_attempt_at ? (
        <p className="muted" data-testid="write-job-deferred">
          The platform asked us to wait; trying again <Time iso={job.next_attempt_at} relative />.
        </p>
      ) : null}
      {job.error ? <p className="service-error">{job.error}</p> : null}
      {failures.length > 0 ? (
        <ul className="job-failures" aria-label={`Failed items: ${tracked.label}`}>
          {failures.map((item) => {
            const target = itemTarget(item);
            return (
              <li key={item.position} data-testid="write-job-failure">
                <span className="cell-strong">{(target && tracked.names.get(target)) ?? target ?? `#${item.position + 1}`}</span>
                {': '}
                <span className="service-error">{item.error ?? 'failed'}</span>
                {item.error_kind ? <code className="muted"> {item.error_kind}</code> : null}
              </li>
            );
          })}
        </ul>
      ) : null}
      {live.isError ? <ErrorBanner heading="Lost track of the job" error={live.error} /> : null}
    </li>
  );
}
