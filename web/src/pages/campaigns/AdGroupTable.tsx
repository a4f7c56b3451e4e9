import type { CampaignDetail } from '../../api/dashboards';
import { Card } from '../../components/Card';
import { Badge } from '../../components/ui/badge';
import { createDataColumnHelper, DataTable } from '../../components/ui/DataTable';

/** Badge tones of the mirror's ENABLED / PAUSED / REMOVED, for campaigns and ad groups alike. */
export const STATUS_TONES = { ENABLED: 'ok', PAUSED: 'warn', REMOVED: 'neutral' } as const;

type AdGroup = CampaignDetail['ad_groups'][number];

const helper = createDataColumnHelper<AdGroup>();

const COLUMNS = helper.columns([
  helper.accessor('name', { id: 'name', header: 'Name' }),
  helper.accessor('external_id', {
    id: 'external_id',
    header: 'Platform ID',
    // The ID the copy studio asks for when approved copy is to be published into this ad group.
    cell: ({ row }) => <code data-testid="ad-group-id">{row.original.external_id}</code>,
  }),
  helper.accessor('status', {
    id: 'status',
    header: 'Status',
    cell: ({ row }) => (
      <Badge tone={STATUS_TONES[row.original.status] ?? 'neutral'} data-testid="ad-group-status">
        {row.original.status}
      </Badge>
    ),
  }),
  helper.display({
    id: 'ads',
    header: 'Ads',
    meta: { className: 'num' },
    cell: ({ row }) => row.original.ads.length,
  }),
]);

const adGroupId = (group: AdGroup) => group.id;
const adGroupAttributes = (group: AdGroup) => ({ 'data-testid': 'ad-group', 'data-status': group.status });

/**
 * The campaign's ad groups as last synced: name, the platform's ID (what approved copy is published into),
 * status. In the service's order (by name), not sortable.
 */
export function AdGroupTable({ campaign }: { campaign: CampaignDetail }) {
  return (
    <Card title="Ad groups" description="As last synced from the platform." testId="ad-groups">
      <DataTable
        columns={COLUMNS}
        data={campaign.ad_groups}
        getRowId={adGroupId}
        className="table table-responsive table-compact"
        caption={`Ad groups of ${campaign.name}`}
        rowAttributes={adGroupAttributes}
        emptyState={<span className="muted">No ad groups of this campaign are synced yet.</span>}
      />
    </Card>
  );
}
