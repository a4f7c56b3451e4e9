import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef } from 'react';
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
import { createDataColumnHelper, DataTable, type DataColumnDef } from '../../components/ui/DataTable';

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

interface ReportContext {
  accounts: AdAccount[];
  reportsKey: readonly unknown[];
}

const helper = createDataColumnHelper<Report>();

/** Newest first, as the server lists them (not sortable). `context` reads the list's latest accounts and query key. */
function reportColumns(canEdit: boolean, context: () => ReportContext): DataColumnDef<Report>[] {
  return helper.columns([
    helper.accessor('title', {
      id: 'report',
      header: 'Report',
      cell: ({ row }) => {
        const report = row.original;
        return (
          <>
            <span className="cell-strong">{report.title}</span>
            <div className="muted small">
              {FORMAT_LABELS[report.format] ?? report.format} · {BUCKET_LABELS[report.bucket] ?? report.bucket} ·{' '}
              {describeFilters(report.filters, context().accounts)}
              {report.schedule_id ? ' · scheduled' : ''}
            </div>
          </>
        );
      },
    }),
    helper.display({
      id: 'period',
      header: 'Period',
      meta: { cellClassName: 'nowrap' },
      cell: ({ row }) => `${row.original.from} – ${row.original.to}`,
    }),
    helper.accessor('status', {
      id: 'status',
      header: 'Status',
      cell: ({ row }) => {
        const report = row.original;
        return (
          <>
            <JobStatusBadge status={report.status} testId="report-status" />
            {report.status === 'succeeded' && report.size_bytes !== null ? (
              <div className="muted small">{formatBytes(report.size_bytes)}</div>
            ) : null}
            {report.error ? <div className="service-error small">{report.error}</div> : null}
          </>
        );
      },
    }),
    helper.accessor('queued_at', {
      id: 'requested',
      header: 'Requested',
      cell: ({ row }) => <Time iso={row.original.queued_at} relative />,
    }),
    helper.display({
      id: 'actions',
      meta: { label: 'Actions', hideHeader: true, cellClassName: 'actions-cell' },
      cell: ({ row }) => {
        const report = row.original;
        return (
          <div className="inline-actions">
            {report.status === 'succeeded' && report.download_path ? <DownloadButton report={report} /> : null}
            {canEdit ? <DeleteReport report={report} reportsKey={context().reportsKey} /> : null}
          </div>
        );
      },
    }),
  ]);
}

const reportId = (r: Report) => r.id;
const reportRowAttributes = (r: Report) => ({ 'data-testid': 'report-row', 'data-status': r.status });

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
  // Stable columns (a download or a delete confirmation in progress lives in its cell); the accounts and the
  // query key may be new arrays on every render, so the cells read the latest ones through a ref.
  const context = useRef<ReportContext>({ accounts, reportsKey });
  context.current = { accounts, reportsKey };
  const columns = useMemo(() => reportColumns(canEdit, () => context.current), [canEdit]);
  return (
    <DataTable
      columns={columns}
      data={reports}
      getRowId={reportId}
      className="table table-compact report-table"
      caption="Reports"
      rowAttributes={reportRowAttributes}
    />
  );
}
