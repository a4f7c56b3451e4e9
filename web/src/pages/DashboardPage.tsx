import { useMemo } from 'react';
import { Link } from 'react-router-dom';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useDashboardStore } from '../stores/dashboard';
import { lastDays } from './dashboard/dates';
import { KpiSection } from './dashboard/KpiSection';
import { RangePicker } from './dashboard/RangePicker';
import { TopCampaigns } from './dashboard/TopCampaigns';

/** The org's KPIs over the chosen range, their trend per day, and the campaigns spending most. */
export function DashboardPage() {
  useDocumentTitle('Dashboard');
  const rangeDays = useDashboardStore((s) => s.rangeDays);
  // The range ends today; recomputed when the range changes (a page left open past midnight keeps its days).
  const selection = useMemo(() => lastDays(rangeDays), [rangeDays]);
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Dashboard</h1>
          <p className="muted">Performance of every linked ad account, updated live after each sync.</p>
        </div>
        <RangePicker />
      </div>
      <KpiSection
        selection={selection}
        emptyMessage={
          <>
            No metrics for these days yet. Link an ad platform and sync its accounts on{' '}
            <Link to="/accounts">Ad accounts</Link>.
          </>
        }
      />
      <TopCampaigns selection={selection} />
    </div>
  );
}
