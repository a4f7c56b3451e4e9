import { functionalUpdate, type RowSelectionState, type SortingState, type Updater } from '@tanstack/react-table';
import { useMemo, useRef } from 'react';
import { Link } from 'react-router-dom';
import { platformLabel, type Campaign, type CampaignSortKey } from '../../api/connectors';
import { createDataColumnHelper, DataTable, type DataColumnDef } from '../../components/ui/DataTable';
import { BudgetEditor } from './BudgetEditor';
import type { TrackedJob } from './WriteJobProgress';

const STATUS_BADGES: Record<string, string> = {
  ENABLED: 'badge-ok',
  PAUSED: 'badge-warn',
  REMOVED: 'badge-neutral',
};

export function CampaignStatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge ${STATUS_BADGES[status] ?? 'badge-neutral'}`} data-testid="campaign-status">
      {status}
    </span>
  );
}

/** "name" → name ascending, "-name" → descending. */
export function parseSort(sort: string): { key: string; descending: boolean } {
  return sort.startsWith('-') ? { key: sort.slice(1), descending: true } : { key: sort, descending: false };
}

const SORT_KEYS: readonly CampaignSortKey[] = ['name', 'status', 'daily_budget_micros'];

/** The server's sort parameter as TanStack sorting state, and back ("-name" ⇄ name descending). */
export function sortToSorting(sort: string): SortingState {
  const { key, descending } = parseSort(sort);
  return [{ id: key, desc: descending }];
}

export function sortingToSort(sorting: SortingState, fallback: string): string {
  const first = sorting[0];
  if (!first || !SORT_KEYS.includes(first.id as CampaignSortKey)) return fallback;
  return first.desc ? `-${first.id}` : first.id;
}

const helper = createDataColumnHelper<Campaign>();

/** Column ids are the server's sort keys: the table shows the order, the server sorts. */
function campaignColumns(canEdit: boolean, onJob: (tracked: TrackedJob) => void): DataColumnDef<Campaign>[] {
  return helper.columns([
    helper.accessor('name', {
      id: 'name',
      header: 'Name',
      enableSorting: true,
      cell: ({ row }) => {
        const c = row.original;
        return (
          <>
            <Link className="cell-strong" data-testid="campaign-name" to={`/campaigns/${encodeURIComponent(c.id)}`}>
              {c.name}
            </Link>
            <div className="muted">
              {c.external_id}
              {c.objective ? ` · ${c.objective.toLowerCase().replace(/_/g, ' ')}` : ''}
            </div>
          </>
        );
      },
    }),
    helper.accessor('account_name', {
      id: 'account',
      header: 'Account',
      cell: ({ row }) => (
        <>
          {row.original.account_name}
          <div className="muted">{platformLabel(row.original.platform)}</div>
        </>
      ),
    }),
    helper.accessor('status', {
      id: 'status',
      header: 'Status',
      enableSorting: true,
      cell: ({ row }) => <CampaignStatusBadge status={row.original.status} />,
    }),
    helper.accessor('daily_budget_micros', {
      id: 'daily_budget_micros',
      header: 'Daily budget',
      enableSorting: true,
      meta: { className: 'num' },
      cell: ({ row }) => (
        <BudgetEditor campaign={row.original} currency={row.original.currency} canEdit={canEdit} onJob={onJob} />
      ),
    }),
  ]);
}

const campaignId = (c: Campaign) => c.id;
const campaignRowAttributes = (c: Campaign) => ({ 'data-testid': 'campaign-row', 'data-campaign': c.external_id });

/**
 * One page of campaigns, in the order the server sorted them; the sort headers ask for another order.
 * The selection spans pages (it lives in the page as a map of campaigns); removed campaigns cannot be selected.
 */
export function CampaignTable({
  rows,
  sort,
  onSort,
  selected,
  onSelect,
  canEdit,
  onJob,
}: {
  rows: Campaign[];
  sort: string;
  onSort: (sort: string) => void;
  selected: Map<string, Campaign>;
  onSelect: (rows: Campaign[], on: boolean) => void;
  canEdit: boolean;
  onJob: (tracked: TrackedJob) => void;
}) {
  // Cells must keep their identity across renders (an open budget editor lives in one): the latest
  // callback is read through a ref instead of rebuilding the columns.
  const onJobRef = useRef(onJob);
  onJobRef.current = onJob;
  const columns = useMemo(() => campaignColumns(canEdit, (tracked) => onJobRef.current(tracked)), [canEdit]);
  const sorting = useMemo(() => sortToSorting(sort), [sort]);
  const rowSelection = useMemo(
    () => Object.fromEntries([...selected.keys()].map((id) => [id, true as const])),
    [selected],
  );

  const changeSort = (updater: Updater<SortingState>) => {
    const next = sortingToSort(functionalUpdate(updater, sorting), sort);
    if (next !== sort) onSort(next);
  };
  // TanStack hands back the whole next selection; the page keeps campaigns, so pass on what changed here.
  const changeSelection = (updater: Updater<RowSelectionState>) => {
    const next = functionalUpdate(updater, rowSelection);
    const on = rows.filter((c) => next[c.id] && !rowSelection[c.id]);
    const off = rows.filter((c) => !next[c.id] && rowSelection[c.id]);
    if (on.length > 0) onSelect(on, true);
    if (off.length > 0) onSelect(off, false);
  };

  return (
    <DataTable
      columns={columns}
      data={rows}
      getRowId={campaignId}
      className="table table-responsive"
      testId="campaigns"
      caption="Campaigns"
      rowAttributes={campaignRowAttributes}
      sorting={{ state: sorting, onChange: changeSort, manual: true }}
      selection={
        canEdit
          ? {
              state: rowSelection,
              onChange: changeSelection,
              // The account tells apart campaigns of the same name in two accounts.
              rowLabel: (c) => `Select ${c.name} in ${c.account_name}`,
              allLabel: 'Select all campaigns on this page',
              canSelect: (c) => c.status !== 'REMOVED',
            }
          : undefined
      }
    />
  );
}
