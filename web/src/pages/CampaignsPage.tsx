import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useAccounts, useConnectorScope } from '../api/connectorQueries';
import {
  createWriteJob,
  listCampaigns,
  type Campaign,
  type CampaignQuery,
  type WriteOperation,
} from '../api/connectors';
import { useActiveOrg } from '../api/queries';
import { ErrorBanner } from '../components/ErrorBanner';
import { EmptyState, LoadingState } from '../components/States';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import './connectors.css';
import { CampaignFilters, type Filters } from './campaigns/CampaignFilters';
import { CampaignTable } from './campaigns/CampaignTable';
import { WriteJobProgress, type TrackedJob } from './campaigns/WriteJobProgress';

export const CAMPAIGN_PAGE_SIZE = 50;
const DEFAULT_SORT = 'name';
const FILTER_KEYS = ['account_id', 'platform', 'status', 'q'] as const;

type TargetStatus = 'PAUSED' | 'ENABLED';

export interface StatusJobPlan {
  account_id: string;
  campaigns: Campaign[];
  operations: WriteOperation[];
}

/**
 * One write job per ad account for a bulk pause/enable: the selected campaigns not already in `status`,
 * grouped by the account they belong to (a job writes to one account).
 */
export function planStatusJobs(selection: Iterable<Campaign>, status: TargetStatus): StatusJobPlan[] {
  const plans = new Map<string, StatusJobPlan>();
  for (const campaign of selection) {
    if (campaign.status === status || campaign.status === 'REMOVED') continue;
    let plan = plans.get(campaign.account_id);
    if (!plan) {
      plan = { account_id: campaign.account_id, campaigns: [], operations: [] };
      plans.set(campaign.account_id, plan);
    }
    plan.campaigns.push(campaign);
    plan.operations.push({ op: 'set_status', level: 'campaign', external_id: campaign.external_id, status });
  }
  return [...plans.values()];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function BulkActions({
  selected,
  onJobs,
  onClear,
  onDone,
}: {
  selected: Map<string, Campaign>;
  onJobs: (jobs: TrackedJob[]) => void;
  onClear: () => void;
  onDone: (campaigns: Campaign[]) => void;
}) {
  const selection = [...selected.values()];
  const mutation = useMutation({
    mutationFn: async (status: TargetStatus) => {
      const verb = status === 'PAUSED' ? 'Pause' : 'Enable';
      const created: TrackedJob[] = [];
      let failure: unknown = null;
      // One job per account; an account refusing its job does not stop the others.
      for (const plan of planStatusJobs(selection, status)) {
        try {
          const job = await createWriteJob(plan.account_id, plan.operations);
          created.push({
            job,
            label: `${verb} ${plural(plan.campaigns.length, 'campaign')} in ${plan.campaigns[0]!.account_name}`,
            names: new Map(plan.campaigns.map((c) => [c.external_id, c.name])),
          });
          onDone(plan.campaigns);
        } catch (error) {
          failure ??= error;
        }
      }
      onJobs(created);
      if (failure !== null) throw failure;
    },
  });
  const toPause = planStatusJobs(selection, 'PAUSED').length > 0;
  const toEnable = planStatusJobs(selection, 'ENABLED').length > 0;

  return (
    <div className="bulk-bar" role="toolbar" aria-label="Bulk actions">
      <span role="status" data-testid="selection-count">
        {selection.length === 0
          ? 'Select campaigns to pause or enable them.'
          : `${plural(selection.length, 'campaign')} selected`}
      </span>
      <button
        type="button"
        className="button"
        disabled={!toPause || mutation.isPending}
        onClick={() => mutation.mutate('PAUSED')}
      >
        Pause
      </button>
      <button
        type="button"
        className="button"
        disabled={!toEnable || mutation.isPending}
        onClick={() => mutation.mutate('ENABLED')}
      >
        Enable
      </button>
      {selection.length > 0 ? (
        <button type="button" className="link-button" onClick={onClear}>
          Clear selection
        </button>
      ) : null}
      {mutation.isError ? <ErrorBanner heading="Could not start every change" error={mutation.error} /> : null}
    </div>
  );
}

function Pagination({
  offset,
  count,
  total,
  onOffset,
}: {
  offset: number;
  count: number;
  total: number;
  onOffset: (offset: number) => void;
}) {
  const from = count === 0 ? 0 : offset + 1;
  return (
    <nav className="list-footer" aria-label="Pagination">
      <span className="muted" role="status" data-testid="campaign-range">
        {from}–{offset + count} of {total}
      </span>
      <div className="inline-actions">
        <button
          type="button"
          className="button"
          disabled={offset === 0}
          onClick={() => onOffset(Math.max(0, offset - CAMPAIGN_PAGE_SIZE))}
        >
          Previous page
        </button>
        <button
          type="button"
          className="button"
          disabled={offset + count >= total}
          onClick={() => onOffset(offset + CAMPAIGN_PAGE_SIZE)}
        >
          Next page
        </button>
      </div>
    </nav>
  );
}

/** Campaigns of every linked ad account: filter, sort, page, and pause/enable or re-budget them. */
export function CampaignsPage() {
  useDocumentTitle('Campaigns');
  const { org } = useActiveOrg();
  const { orgId, keys, canEdit } = useConnectorScope();
  const [params, setParams] = useSearchParams();
  const filters: Filters = {
    account_id: params.get('account_id') ?? '',
    platform: params.get('platform') ?? '',
    status: params.get('status') ?? '',
    q: params.get('q') ?? '',
  };
  const sort = params.get('sort') ?? DEFAULT_SORT;
  const offset = Math.max(0, Math.trunc(Number(params.get('offset'))) || 0);
  const query: CampaignQuery = { ...filters, sort, limit: CAMPAIGN_PAGE_SIZE, offset };

  const campaigns = useQuery({
    queryKey: keys.campaignList(query),
    queryFn: ({ signal }) => listCampaigns(query, signal),
    enabled: orgId !== null,
    placeholderData: keepPreviousData,
  });
  const accounts = useAccounts();
  const [selected, setSelected] = useState<Map<string, Campaign>>(() => new Map());
  const [jobs, setJobs] = useState<TrackedJob[]>([]);

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    if (!('offset' in changes)) next.delete('offset'); // new filters or order: back to the first page
    if (next.get('sort') === DEFAULT_SORT) next.delete('sort');
    setParams(next);
  };
  const changeFilters = (changes: Partial<Filters>) => {
    setSelected(new Map()); // a selection the new filter hides would be acted on unseen
    update(changes as Record<string, string>);
  };
  const select = (rows: Campaign[], on: boolean) =>
    setSelected((current) => {
      const next = new Map(current);
      for (const row of rows) {
        if (on) next.set(row.id, row);
        else next.delete(row.id);
      }
      return next;
    });
  const addJobs = (tracked: TrackedJob[]) => setJobs((current) => [...tracked, ...current]);

  const filtered = FILTER_KEYS.some((key) => filters[key]);
  let list;
  if (campaigns.isPending) list = <LoadingState label="Loading campaigns…" />;
  else if (campaigns.isError && !campaigns.data)
    list = <ErrorBanner heading="Could not load the campaigns" error={campaigns.error} />;
  else if (campaigns.data.items.length === 0)
    list = (
      <div className="card">
        <EmptyState>
          {filtered ? (
            'No campaigns match these filters.'
          ) : (
            <>
              No campaigns yet. Link an ad platform and sync its accounts on <Link to="/accounts">Ad accounts</Link>.
            </>
          )}
        </EmptyState>
      </div>
    );
  else
    list = (
      <>
        {campaigns.isError ? <ErrorBanner heading="Could not refresh the campaigns" error={campaigns.error} /> : null}
        <div className="card table-card" aria-busy={campaigns.isFetching || undefined}>
          <CampaignTable
            rows={campaigns.data.items}
            sort={sort}
            onSort={(next) => update({ sort: next })}
            selected={selected}
            onSelect={select}
            canEdit={canEdit}
            onJob={(tracked) => addJobs([tracked])}
          />
        </div>
        <Pagination
          offset={offset}
          count={campaigns.data.items.length}
          total={campaigns.data.total}
          onOffset={(next) => update({ offset: next > 0 ? String(next) : '' })}
        />
      </>
    );

  return (
    <section className="page">
      <div className="page-header">
        <div>
          <h1>Campaigns</h1>
          <p className="muted">
            Campaigns mirrored from the ad accounts of {org ? <strong>{org.name}</strong> : 'the active organisation'}.
            Changes are written to the platform as jobs.
          </p>
        </div>
      </div>
      {orgId === null ? (
        <EmptyState>
          No organisation is active in this session. Choose one in the header, or <Link to="/orgs">create one</Link>.
        </EmptyState>
      ) : (
        <>
          <CampaignFilters filters={filters} accounts={accounts.data ?? []} onChange={changeFilters} />
          {accounts.isError ? <ErrorBanner heading="Could not load the ad accounts" error={accounts.error} /> : null}
          {jobs.length > 0 ? (
            <section className="card panel" aria-label="Changes in progress">
              <h2 className="visually-hidden">Changes</h2>
              <ul className="job-list">
                {jobs.map((tracked) => (
                  <WriteJobProgress
                    key={tracked.job.id}
                    tracked={tracked}
                    onDismiss={() => setJobs((current) => current.filter((t) => t.job.id !== tracked.job.id))}
                  />
                ))}
              </ul>
            </section>
          ) : null}
          {canEdit ? (
            <BulkActions
              selected={selected}
              onJobs={addJobs}
              onClear={() => setSelected(new Map())}
              onDone={(done) => select(done, false)}
            />
          ) : null}
          {list}
        </>
      )}
    </section>
  );
}
