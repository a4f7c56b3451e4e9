import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { AdAccount } from '../../api/connectors';
import { platformLabel } from '../../api/connectors';
import {
  BUCKET_LABELS,
  deleteReport,
  downloadReport,
  FORMAT_LABELS,
  formatBytes,
  type Report,
} from '../../api/metrics';
import { ErrorBanner } from '../../components/ErrorBanner';
import { InlineConfirm } from '../../components/InlineConfirm';
import { JobStatusBadge } from '../../components/JobStatusBadge';
import { Time } from '../../components/Time';

/** "Account Acme DE · Google Ads", or "All accounts". */
export function describeFilters(filters: Record<string, string>, accounts: AdAccount[]): string {
  const parts: string[] = [];
  if (filters.account_id) {
    parts.push(accounts.find((a) => a.id === filters.account_id)?.name ?? `Account ${filters.account_id.slice(0, 8)}`);
  }
  if (filters.platform) parts.push(platformLabel(filters.platform));
  return parts.length > 0 ? parts.join(' · ') : 'All accounts';
}

function DownloadButton({ report }: { report: Report }) {
  const mutation = useMutation({ mutationFn: () => downloadReport(report) });
  return (
    <>
      <button
        type="button"
        className="button button-small button-primary"
        onClick={() => mutation.mutate()}
        disabled={mutation.isPending}
        aria-busy={mutation.isPending || undefined}
        aria-label={`Download ${report.title} (${FORMAT_LABELS[report.format] ?? report.format})`}
      >
        {mutation.isPending ? 'Downloading…' : 'Download'}
      </button>
      {mutation.isError ? <ErrorBanner heading="Could not download the report" error={mutation.error} /> : null}
    </>
  );
}

function DeleteReport({ report, reportsKey }: { report: Report; reportsKey: readonly unknown[] }) {
  const queryClient = useQueryClient();
  const mutation = useMutation<unknown, Error, void>({
    mutationFn: () => deleteReport(report.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: reportsKey }),
  });
  return (
    <InlineConfirm
      mutation={mutation}
      trigger="Delete"
      triggerLabel={`Delete ${report.title}`}
      groupLabel={`Confirm deleting ${report.title}`}
      question="Delete this report?"
      confirm="Yes, delete"
      pending="Deleting…"
      errorHeading="Could not delete the report"
    />
  );
}

/** The org's reports, newest first, with their state; ready ones can be downloaded. */
export function ReportList({
  reports,
  accounts,
  canEdit,
  reportsKey,
}: {
  reports: Report[];
  accounts: AdAccount[];
  canEdit: boolean;
  reportsKey: readonly unknown[];
}) {
  return (
    <table className="table table-compact report-table">
      <caption className="visually-hidden">Reports</caption>
      <thead>
        <tr>
          <th scope="col">Report</th>
          <th scope="col">Period</th>
          <th scope="col">Status</th>
          <th scope="col">Requested</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {reports.map((report) => (
          <tr key={report.id} data-testid="report-row" data-status={report.status}>
            <td>
              <span className="cell-strong">{report.title}</span>
              <div className="muted small">
                {FORMAT_LABELS[report.format] ?? report.format} · {BUCKET_LABELS[report.bucket] ?? report.bucket} ·{' '}
                {describeFilters(report.filters, accounts)}
                {report.schedule_id ? ' · scheduled' : ''}
              </div>
            </td>
            <td className="nowrap">
              {report.from} – {report.to}
            </td>
            <td>
              <JobStatusBadge status={report.status} testId="report-status" />
              {report.status === 'succeeded' && report.size_bytes !== null ? (
                <div className="muted small">{formatBytes(report.size_bytes)}</div>
              ) : null}
              {report.error ? <div className="service-error small">{report.error}</div> : null}
            </td>
            <td>
              <Time iso={report.queued_at} relative />
            </td>
            <td className="actions-cell">
              <div className="inline-actions">
                {report.status === 'succeeded' && report.download_path ? <DownloadButton report={report} /> : null}
                {canEdit ? <DeleteReport report={report} reportsKey={reportsKey} /> : null}
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
