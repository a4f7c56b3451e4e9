import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router-dom';
import { isAdmin, roleRank } from '../api/auth';
import { useAccounts } from '../api/connectorQueries';
import { isReportActive, listReports, metricsKeys, type Report } from '../api/metrics';
import { useActiveOrg } from '../api/queries';
import { Card } from '../components/Card';
import { ErrorBanner } from '../components/ErrorBanner';
import { EmptyState, LoadingState } from '../components/States';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import './reports.css';
import { ReportForm } from './reports/ReportForm';
import { ReportList } from './reports/ReportList';
import { Schedules } from './reports/Schedules';

/** How often the list is asked again while a report is queued or running. */
export const REPORT_POLL_MS = 2000;

/** Performance reports (PDF, CSV, XLSX): request one, follow it, download it; schedule recurring ones. */
export function ReportsPage() {
  useDocumentTitle('Reports');
  const { orgId, org, role } = useActiveOrg();
  const keys = metricsKeys(orgId);
  const canEdit = roleRank(role) >= roleRank('member');
  const admin = isAdmin(role);
  const accounts = useAccounts();

  const reports = useInfiniteQuery({
    queryKey: keys.reports,
    queryFn: ({ pageParam, signal }) => listReports(pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    enabled: orgId !== null,
    staleTime: 0,
    refetchInterval: (query) =>
      query.state.data?.pages.some((p) => p.items.some((r) => isReportActive(r.status))) ? REPORT_POLL_MS : false,
  });
  const items: Report[] = reports.data?.pages.flatMap((p) => p.items) ?? [];
  const active = items.filter((r) => isReportActive(r.status)).length;

  let list;
  if (reports.isPending) list = <LoadingState label="Loading reports…" />;
  else if (reports.isError && !reports.data)
    list = <ErrorBanner heading="Could not load the reports" error={reports.error} />;
  else if (items.length === 0)
    list = <EmptyState>No reports yet.{canEdit ? ' Generate one above.' : ''}</EmptyState>;
  else
    list = (
      <>
        {reports.isError ? <ErrorBanner heading="Could not refresh the reports" error={reports.error} /> : null}
        <div className="table-scroll" aria-busy={reports.isFetching || undefined}>
          <ReportList reports={items} accounts={accounts.data ?? []} canEdit={canEdit} reportsKey={keys.reports} />
        </div>
        {reports.hasNextPage ? (
          <div className="list-footer">
            <button
              type="button"
              className="button"
              onClick={() => void reports.fetchNextPage()}
              disabled={reports.isFetchingNextPage}
            >
              {reports.isFetchingNextPage ? 'Loading…' : 'Load older reports'}
            </button>
          </div>
        ) : null}
      </>
    );

  return (
    <section className="page">
      <div className="page-header">
        <div>
          <h1>Reports</h1>
          <p className="muted">
            Performance reports of {org ? <strong>{org.name}</strong> : 'the active organisation'} as PDF, CSV or
            Excel files.
          </p>
        </div>
      </div>
      {orgId === null ? (
        <EmptyState>
          No organisation is active in this session. Choose one in the header, or <Link to="/orgs">create one</Link>.
        </EmptyState>
      ) : (
        <>
          {canEdit ? (
            <Card title="Generate a report" description="Defaults to the last 7 full days.">
              {accounts.isError ? (
                <ErrorBanner heading="Could not load the ad accounts" error={accounts.error} />
              ) : null}
              <ReportForm accounts={accounts.data ?? []} reportsKey={keys.reports} />
            </Card>
          ) : null}
          <Card
            title="Reports"
            description="Newest first. Files are made in the background; this list updates by itself."
            testId="reports"
          >
            <p className="visually-hidden" role="status" aria-live="polite" data-testid="reports-progress">
              {active > 0 ? `${active} report${active === 1 ? '' : 's'} in progress` : ''}
            </p>
            {list}
          </Card>
          <Schedules
            enabled={orgId !== null}
            accounts={accounts.data ?? []}
            isAdmin={admin}
            schedulesKey={keys.schedules}
          />
        </>
      )}
    </section>
  );
}
