import { useMemo, useRef } from 'react';
import { Link } from 'react-router-dom';
import { platformLabel, type Campaign } from '../../api/connectors';
import { useTopCampaigns, type KpiSelection, type RankedCampaign } from '../../api/dashboards';
import { ErrorBanner } from '../../components/ErrorBanner';
import { EmptyState, LoadingState } from '../../components/States';
import { Badge } from '../../components/ui/badge';
import {
  createDataColumnHelper,
  DataTable,
  type DataColumnDef,
  type DataColumnMeta,
} from '../../components/ui/DataTable';
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
const NUMBER: DataColumnMeta = { className: 'text-right', cellClassName: 'tabular-nums' };

const helper = createDataColumnHelper<RankedCampaign>();

/** Ranked by the server (not sortable here); `index` reads the latest campaign index for the links. */
function topColumns(currency: string, index: () => Map<string, Campaign>): DataColumnDef<RankedCampaign>[] {
  return helper.columns([
    helper.accessor('rank', { id: 'rank', header: '#', meta: { label: 'Rank', cellClassName: 'text-muted' } }),
    helper.accessor('name', {
      id: 'campaign',
      header: 'Campaign',
      cell: ({ row }) => (
        <>
          <CampaignName row={row.original} index={index()} />
          <div className="text-xs text-muted">
            {platformLabel(row.original.platform)}
            {row.original.provisional ? (
              <Badge tone="warn" className="ml-2">
                provisional
              </Badge>
            ) : null}
          </div>
        </>
      ),
    }),
    helper.accessor('spend_micros', {
      id: 'spend',
      header: 'Spend',
      meta: NUMBER,
      cell: ({ row }) => formatMeasure('spend_micros', row.original.spend_micros, currency),
    }),
    helper.accessor('clicks', {
      id: 'clicks',
      header: 'Clicks',
      meta: NUMBER,
      cell: ({ row }) => formatMeasure('clicks', row.original.clicks, currency),
    }),
    helper.accessor('conversions', {
      id: 'conversions',
      header: 'Conversions',
      meta: NUMBER,
      cell: ({ row }) => formatMeasure('conversions', row.original.conversions, currency),
    }),
    helper.accessor('roas', {
      id: 'roas',
      header: 'ROAS',
      meta: NUMBER,
      cell: ({ row }) => formatMeasure('roas', row.original.roas, currency),
    }),
  ]);
}

const rankedId = (row: RankedCampaign) => `${row.account_id}/${row.campaign_id}`;
const rankedRowAttributes = () => ({ 'data-testid': 'top-campaign-row' });

function CurrencyTable({
  currency,
  campaigns,
  index,
}: {
  currency: string;
  campaigns: RankedCampaign[];
  index: Map<string, Campaign>;
}) {
  // The index is a new map on every render: the cells read the latest through a ref, the columns stay put.
  const latestIndex = useRef(index);
  latestIndex.current = index;
  const columns = useMemo(() => topColumns(currency, () => latestIndex.current), [currency]);
  return (
    <DataTable
      columns={columns}
      data={campaigns}
      getRowId={rankedId}
      className="w-full border-collapse text-sm"
      testId="top-campaigns"
      attributes={{ 'data-currency': currency }}
      caption={currency}
      captionClassName="py-1 text-left text-xs font-semibold text-muted"
      headerCellClassName={th}
      cellClassName={td}
      rowAttributes={rankedRowAttributes}
    />
  );
}

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
        <CurrencyTable currency={group.currency} campaigns={group.campaigns} index={index} />
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
