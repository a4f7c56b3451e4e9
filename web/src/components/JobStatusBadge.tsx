/** The state of a sync run or write job (or an account's last sync) as a coloured badge. */

const CLASSES: Record<string, string> = {
  queued: 'badge-neutral',
  running: 'badge-neutral',
  succeeded: 'badge-ok',
  partially_failed: 'badge-warn',
  failed: 'badge-error',
};

const LABELS: Record<string, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  partially_failed: 'Partially failed',
  failed: 'Failed',
};

export function jobStatusLabel(status: string): string {
  return LABELS[status] ?? status.replace(/_/g, ' ');
}

export function JobStatusBadge({ status, testId }: { status: string | null | undefined; testId?: string }) {
  if (!status) return <span className="muted">Never</span>;
  return (
    <span className={`badge ${CLASSES[status] ?? 'badge-neutral'}`} data-testid={testId} data-status={status}>
      {jobStatusLabel(status)}
    </span>
  );
}
