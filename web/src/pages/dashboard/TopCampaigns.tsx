import { Link } from 'react-router-dom';
import { platformLabel, type Campaign } from '../../api/connectors';
import { useTopCampaigns, type KpiSelection, type RankedCampaign } from '../../api/dashboards';
import { ErrorBanner } from '../../components/ErrorBanner';
import { EmptyState, LoadingState } from '../../components/States';
import { Badge } from '../../components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '../../components/ui/card';
import { campaignKey, useCampaignIndex } from './campaignIndex';
import { formatMeasure } from './kpis';

export const TOP_LIMIT = 5;

function CampaignName({ row, index }: { row: RankedCampaign; index: Map<string, Campaign> }) {
  const name = row.name ?? row.campaign_id;
  const id = index.get(campaignKey(row.account_id, row.campaign_id))?.id;
  return id ? (
    <Link to={`/campaigns/${encodeURIComponent(id)}`} className="font-medium">
      {name}
    </Link>
  ) : (
    <span className="font-medium">{name}</span>
  );
}

const th = 'border-b border-border px-3 py-2 text-left text-xs font-semibold text-muted uppercase';
const td = 'border-b border-border px-3 py-2';

/** The best campaigns by spend within each currency. */
export function TopCampaigns({ selection }: { selection: KpiSelection }) {
  const top = useTopCampaigns(selection, 'spend', TOP_LIMIT);
  const index = useCampaignIndex();

  let body;
  if (top.isPending) body = <LoadingState label="Loading top campaigns…" />;
  else if (top.isError && !top.data) body = <ErrorBanner heading="Could not load the top campaigns" error={top.error} />;
  else if (top.data.groups.length === 0) body = <EmptyState>No campaign spent anything in these days.</EmptyState>;
  else
    body = top.data.groups.map((group) => (
      <div key={group.currency} className="overflow-x-auto">
        <table className="w-full border-collapse text-sm" data-testid="top-campaigns" data-currency={group.currency}>
          <caption className="py-1 text-left text-xs font-semibold text-muted">{group.currency}</caption>
          <thead>
            <tr>
              <th scope="col" className={th}>
                #
              </th>
              <th scope="col" className={th}>
                Campaign
              </th>
              <th scope="col" className={`${th} text-right`}>
                Spend
              </th>
              <th scope="col" className={`${th} text-right`}>
                Clicks
              </th>
              <th scope="col" className={`${th} text-right`}>
                Conversions
              </th>
              <th scope="col" className={`${th} text-right`}>
                ROAS
              </th>
            </tr>
          </thead>
          <tbody>
            {group.campaigns.map((row) => (
              <tr key={`${row.account_id}/${row.campaign_id}`} data-testid="top-campaign-row">
                <td className={`${td} text-muted`}>{row.rank}</td>
                <td className={td}>
                  <CampaignName row={row} index={index} />
                  <div className="text-xs text-muted">
                    {platformLabel(row.platform)}
                    {row.provisional ? (
                      <Badge tone="warn" className="ml-2">
                        provisional
                      </Badge>
                    ) : null}
                  </div>
                </td>
                <td className={`${td} text-right tabular-nums`}>{formatMeasure('spend_micros', row.spend_micros, group.currency)}</td>
                <td className={`${td} text-right tabular-nums`}>{formatMeasure('clicks', row.clicks, group.currency)}</td>
                <td className={`${td} text-right tabular-nums`}>
                  {formatMeasure('conversions', row.conversions, group.currency)}
                </td>
                <td className={`${td} text-right tabular-nums`}>{formatMeasure('roas', row.roas, group.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    ));

  return (
    <Card data-testid="top-campaigns-card">
      <CardHeader>
        <CardTitle>Top campaigns</CardTitle>
        <CardDescription>By spend, ranked within each currency.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-4">{body}</CardContent>
    </Card>
  );
}
