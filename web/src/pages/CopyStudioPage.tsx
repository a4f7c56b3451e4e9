import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import {
  aiCopyKeys,
  copyPlatformLabel,
  getGeneration,
  isGenerationActive,
  isOffline,
  listGenerations,
  type Generation,
  type Variant,
} from '../api/aiCopy';
import { roleRank } from '../api/auth';
import { useAccounts } from '../api/connectorQueries';
import { useActiveOrg } from '../api/queries';
import { Card } from '../components/Card';
import { ErrorBanner } from '../components/ErrorBanner';
import { EmptyState, LoadingState } from '../components/States';
import { Time } from '../components/Time';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import './copy.css';
import { BriefForm } from './copy/BriefForm';
import { BudgetUsage } from './copy/BudgetUsage';
import { GenerationResults } from './copy/GenerationResults';

/** How often a background (async) generation is asked again until it has finished. */
export const GENERATION_POLL_MS = 1500;

/** Whether a variant of the generation waits for connectors to create its ad. */
export function isPublishing(generation: Generation): boolean {
  return generation.variants.some((v) => v.publish?.state === 'queued');
}

function announce(generation: Generation): string {
  if (generation.status === 'failed') return 'The generation failed.';
  if (isGenerationActive(generation.status)) return 'Writing copy in the background…';
  const n = generation.variants.length;
  return `${n} variant${n === 1 ? '' : 's'} ready${isOffline(generation) ? ', written by the offline generator' : ''}.`;
}

function RecentGenerations({
  items,
  current,
  onOpen,
}: {
  items: Generation[];
  current: string | null;
  onOpen: (id: string) => void;
}) {
  if (items.length === 0) return <EmptyState>No copy generated yet.</EmptyState>;
  return (
    <ul className="recent-list" aria-label="Recent generations">
      {items.map((g) => (
        <li key={g.id}>
          <button
            type="button"
            className="link-button"
            aria-current={g.id === current ? 'true' : undefined}
            onClick={() => onOpen(g.id)}
          >
            {g.request.product}
          </button>{' '}
          <span className="muted small">
            {g.request.platforms?.map(copyPlatformLabel).join(', ')} · <Time iso={g.created_at} relative />
            {isOffline(g) ? ' · offline generator' : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** AI copy studio: write a brief, get variants per platform, polish them and approve the ones to use. */
export function CopyStudioPage() {
  useDocumentTitle('AI copy');
  const { orgId, org, role } = useActiveOrg();
  const keys = aiCopyKeys(orgId);
  const canEdit = roleRank(role) >= roleRank('member');
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const currentId = params.get('generation');
  const accounts = useAccounts();
  const resultsRef = useRef<HTMLHeadingElement>(null);

  const recent = useQuery({
    queryKey: keys.generations,
    queryFn: ({ signal }) => listGenerations(10, signal),
    enabled: orgId !== null,
  });
  const generation = useQuery({
    queryKey: keys.generation(currentId ?? ''),
    queryFn: ({ signal }) => getGeneration(currentId!, signal),
    enabled: orgId !== null && currentId !== null,
    // Asked again while it is being written, and while approved copy is being published (connectors report
    // the outcome to ai-copy; the live connector event can arrive before ai-copy has recorded it).
    refetchInterval: (query) =>
      query.state.data && !isGenerationActive(query.state.data.status) && !isPublishing(query.state.data)
        ? false
        : GENERATION_POLL_MS,
  });

  // The live region announces the result once it is known, and again when a background generation finishes
  // (derived while rendering, so it is there in the same paint as the variants).
  const message = generation.data ? announce(generation.data) : '';
  const status = generation.data ? `${generation.data.id}:${generation.data.status}` : '';
  useEffect(() => {
    if (generation.data && !isGenerationActive(generation.data.status)) {
      void queryClient.invalidateQueries({ queryKey: keys.budget });
    }
  }, [status]);

  const open = (id: string) => {
    const next = new URLSearchParams(params);
    next.set('generation', id);
    setParams(next);
  };
  const onGenerated = (created: Generation) => {
    queryClient.setQueryData(keys.generation(created.id), created);
    void queryClient.invalidateQueries({ queryKey: keys.generations });
    void queryClient.invalidateQueries({ queryKey: keys.budget });
    open(created.id);
    // Move to the results so keyboard and screen reader users land on them.
    setTimeout(() => resultsRef.current?.focus(), 0);
  };
  const onVariant = (variant: Variant) => {
    queryClient.setQueryData<Generation>(keys.generation(variant.generation_id), (g) =>
      g ? { ...g, variants: g.variants.map((v) => (v.id === variant.id ? variant : v)) } : g,
    );
    void queryClient.invalidateQueries({ queryKey: keys.generations });
    void queryClient.invalidateQueries({ queryKey: keys.budget });
  };

  let results;
  if (currentId === null) results = <EmptyState>Write a brief to see copy here.</EmptyState>;
  else if (generation.isPending) results = <LoadingState label="Loading the copy…" />;
  else if (generation.isError && !generation.data)
    results = <ErrorBanner heading="Could not load the copy" error={generation.error} />;
  else
    results = (
      <>
        {generation.isError ? <ErrorBanner heading="Could not refresh the copy" error={generation.error} /> : null}
        <GenerationResults
          generation={generation.data}
          accounts={accounts.data ?? []}
          canEdit={canEdit}
          onVariant={onVariant}
        />
      </>
    );

  return (
    <section className="page copy-studio">
      <div className="page-header">
        <div>
          <h1>AI copy</h1>
          <p className="muted">
            Ad copy for Google Ads, Meta and TikTok within each platform's limits, for{' '}
            {org ? <strong>{org.name}</strong> : 'the active organisation'}.
          </p>
        </div>
        {orgId !== null ? <BudgetUsage queryKey={keys.budget} enabled={orgId !== null} /> : null}
      </div>
      {orgId === null ? (
        <EmptyState>
          No organisation is active in this session. Choose one in the header, or <Link to="/orgs">create one</Link>.
        </EmptyState>
      ) : (
        <>
          {canEdit ? (
            <Card title="Brief" description="What to advertise, to whom, and where.">
              <BriefForm onGenerated={onGenerated} />
            </Card>
          ) : (
            <p className="muted">Viewers can read copy; members and admins can generate and approve it.</p>
          )}
          <section className="card panel results" aria-labelledby="copy-results-heading">
            <div className="panel-header">
              <h2 id="copy-results-heading" ref={resultsRef} tabIndex={-1}>
                Copy
              </h2>
            </div>
            <p className="visually-hidden" role="status" aria-live="polite" data-testid="copy-announcer">
              {message}
            </p>
            <div className="panel-body">{results}</div>
          </section>
          <Card title="Recent" description="The last copy generated in this organisation.">
            {recent.isPending ? (
              <LoadingState label="Loading recent copy…" />
            ) : recent.isError ? (
              <ErrorBanner heading="Could not load recent copy" error={recent.error} />
            ) : (
              <RecentGenerations items={recent.data} current={currentId} onOpen={open} />
            )}
          </Card>
        </>
      )}
    </section>
  );
}
