import { ArrowLeft } from 'lucide-react';
import { useMemo } from 'react';
import { Link, useParams } from 'react-router-dom';
import { isApiError } from '../api/client';
import { platformLabel } from '../api/connectors';
import { useCampaign, type CampaignDetail } from '../api/dashboards';
import { ErrorBanner } from '../components/ErrorBanner';
import { EmptyState, LoadingState } from '../components/States';
import { Badge } from '../components/ui/badge';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { formatMicros } from '../money';
import { useDashboardStore } from '../stores/dashboard';
import { AdGroupTable, STATUS_TONES } from './campaigns/AdGroupTable';
import { lastDays } from './dashboard/dates';
import { KpiSection } from './dashboard/KpiSection';
import { RangePicker } from './dashboard/RangePicker';

function CampaignHeader({ campaign }: { campaign: CampaignDetail }) {
  return (
    <div className="page-header">
      <div>
        <h1 data-testid="campaign-title">{campaign.name}</h1>
        <p className="muted flex flex-wrap items-center gap-2">
          <Badge tone={STATUS_TONES[campaign.status] ?? 'neutral'} data-testid="campaign-status">
            {campaign.status}
          </Badge>
          <span>
            {campaign.account_name} · {platformLabel(campaign.platform)} · {campaign.external_id}
          </span>
          {campaign.objective ? <span>· {campaign.objective.toLowerCase().replace(/_/g, ' ')}</span> : null}
          <span data-testid="campaign-daily-budget">
            · Daily budget {formatMicros(campaign.daily_budget_micros, campaign.currency)}
          </span>
        </p>
      </div>
      <RangePicker />
    </div>
  );
}

/**
 * One campaign: its header and ad groups from the connectors mirror, its KPIs and time-series from the metrics
 * rollups.
 */
export function CampaignDetailPage() {
  const { campaignId = '' } = useParams();
  const campaign = useCampaign(campaignId);
  useDocumentTitle(campaign.data?.name ?? 'Campaign');
  const rangeDays = useDashboardStore((s) => s.rangeDays);
  const data = campaign.data;
  const selection = useMemo(
    () => (data ? { ...lastDays(rangeDays), account_id: data.account_id, campaign_id: data.external_id } : null),
    [rangeDays, data],
  );

  let content;
  if (campaign.isPending) content = <LoadingState label="Loading the campaign…" />;
  else if (campaign.isError && !data)
    content =
      isApiError(campaign.error) && campaign.error.status === 404 ? (
        <>
          <h1>Campaign not found</h1>
          <EmptyState>This campaign does not exist in this organisation.</EmptyState>
        </>
      ) : (
        <ErrorBanner heading="Could not load the campaign" error={campaign.error} />
      );
  else
    content = (
      <>
        <CampaignHeader campaign={data!} />
        {selection ? (
          <KpiSection
            selection={selection}
            emptyMessage="No metrics recorded for this campaign in these days yet."
          />
        ) : null}
        <AdGroupTable campaign={data!} />
      </>
    );

  return (
    <div className="page">
      <Link to="/campaigns" className="inline-flex items-center gap-1 text-sm">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Campaigns
      </Link>
      {content}
    </div>
  );
}
