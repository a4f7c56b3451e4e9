import {
  copyPlatformLabel,
  isGenerationActive,
  isOffline,
  type Generation,
  type Variant,
} from '../../api/aiCopy';
import type { AdAccount } from '../../api/connectors';
import { JobStatusBadge } from '../../components/JobStatusBadge';
import { LoadingState } from '../../components/States';
import { Time } from '../../components/Time';
import { VariantCard } from './VariantCard';

function usd(value: string | number): string {
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  return n > 0 && n < 0.01 ? `<$0.01` : `$${n.toFixed(2)}`;
}

/** The generation's variants grouped per platform, with who wrote them (model or offline generator). */
export function GenerationResults({
  generation,
  accounts,
  canEdit,
  onVariant,
}: {
  generation: Generation;
  accounts: AdAccount[];
  canEdit: boolean;
  onVariant: (variant: Variant) => void;
}) {
  const offline = isOffline(generation);
  const active = isGenerationActive(generation.status);
  const platforms = Array.from(new Set(generation.variants.map((v) => v.platform)));
  const request = generation.request;
  const defaultUrl = typeof request.final_url === 'string' ? request.final_url : '';

  return (
    <div className="generation" data-testid="generation" data-status={generation.status}>
      <div className="generation-summary">
        <span className="cell-strong">{request.product}</span>
        <JobStatusBadge status={generation.status} testId="generation-status" />
        {offline ? (
          <span
            className="badge badge-warn offline-label"
            data-testid="offline-label"
            title="Written by AdPilot's built-in template generator because no language model is configured or reachable"
          >
            Offline generator
          </span>
        ) : generation.provider ? (
          <span className="muted small">Written by {generation.provider}</span>
        ) : null}
        {generation.cached ? <span className="badge badge-neutral">From cache</span> : null}
        <span className="muted small">
          <Time iso={generation.created_at} relative /> · cost {usd(generation.usage.cost_usd)}
        </span>
      </div>
      {offline ? (
        <p className="muted small" data-testid="offline-note">
          This copy comes from the offline generator (templates, no language model). Review it closely before
          approving.
        </p>
      ) : null}
      {active ? <LoadingState label="Writing copy in the background…" /> : null}
      {generation.status === 'failed' ? (
        <div className="banner banner-error" role="alert">
          <strong className="banner-heading">The generation failed</strong>
          <span className="banner-detail">{generation.error ?? generation.failure_reason ?? 'No reason given.'}</span>
        </div>
      ) : null}
      {platforms.map((platform) => {
        const variants = generation.variants
          .filter((v) => v.platform === platform)
          .sort((a, b) => a.position - b.position);
        return (
          <section key={platform} className="platform-results" aria-label={`${copyPlatformLabel(platform)} copy`}>
            <h3>
              {copyPlatformLabel(platform)} <span className="muted small">({variants.length})</span>
            </h3>
            <div className="variant-grid">
              {variants.map((v) => (
                <VariantCard
                  key={v.id}
                  variant={v}
                  offline={offline}
                  accounts={accounts}
                  defaultUrl={defaultUrl}
                  canEdit={canEdit}
                  lang={typeof request.language === 'string' ? request.language : undefined}
                  onChange={onVariant}
                />
              ))}
            </div>
          </section>
        );
      })}
    </div>
  );
}
