import { useMemo, useRef } from 'react';
import { Link } from 'react-router-dom';
import { useAccounts } from '../../api/connectorQueries';
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

/** What names a ranked campaign: the mirrored campaigns (for the link) and the ad accounts by id. */
interface Lookup {
  campaigns: Map<string, Campaign>;
  accounts: Map<string, string>;
}

function CampaignName({ row, campaigns }: { row: RankedCampaign; campaigns: Map<string, Campaign> }) {
  const name = row.name ?? row.campaign_id;
  const id = campaigns.get(campaignKey(row.account_id, row.campaign_id))?.id;
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

/** Campaigns of the same name in two accounts are told apart by their account. */
function accountName(row: RankedCampaign, lookup: Lookup): string | undefined {
  return (
    lookup.accounts.get(row.account_id) ??
    lookup.campaigns.get(campaignKey(row.account_id, row.campaign_id))?.account_name
  );
}

/** Ranked by the server (not sortable here); `lookup` reads the latest campaigns and accounts for the names. */
function topColumns(currency: string, lookup: () => Lookup): DataColumnDef<RankedCampaign>[] {
  return helper.columns([
    helper.accessor('rank', { id: 'rank', header: '#', meta: { label: 'Rank', cellClassName: 'text-muted' } }),
    helper.accessor('name', {
      id: 'campaign',
      header: 'Campaign',
      // Names stay readable on a phone; the table scrolls sideways instead.
      meta: { cellClassName: 'min-w-40' },
      cell: ({ row }) => (
        <>
          <CampaignName row={row.original} campaigns={lookup().campaigns} />
          <div className="text-xs text-muted" data-testid="top-campaign-account">
            {[accountName(row.original, lookup()), platformLabel(row.original.platform)].filter(Boolean).join(' · ')}
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
  lookup,
}: {
  currency: string;
  campaigns: RankedCampaign[];
  lookup: Lookup;
}) {
  // The lookup is new on every render: the cells read the latest through a ref, the columns stay put.
  const latestLookup = useRef(lookup);
  latestLookup.current = lookup;
  const columns = useMemo(() => topColumns(currency, () => latestLookup.current), [currency]);
  return (
    <DataTable
      columns={columns}
      data={campaigns}
      getRowId={rankedId}
      className="w-full border-collapse text-sm"
      testId="top-campaigns"
      attributes={{ 'data-currency': currency }}
      caption={
        <>
          <span className="visually-hidden">Top campaigns in</span> {currency}
        </>
      }
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
  const accounts = useAccounts();
  const lookup: Lookup = {
    campaigns: index,
    accounts: new Map((accounts.data ?? []).map((account) => [account.id, account.name])),
  };

  let body;
  if (top.isPending) body = <LoadingState label="Loading top campaigns…" />;
  else if (top.isError && !top.data) body = <ErrorBanner heading="Could not load the top campaigns" error={top.error} />;
  else if (top.data.groups.length === 0) body = <EmptyState>No campaign spent anything in these days.</EmptyState>;
  else
    body = top.data.groups.map((group) => (
      <CurrencyTable key={group.currency} currency={group.currency} campaigns={group.campaigns} lookup={lookup} />
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
