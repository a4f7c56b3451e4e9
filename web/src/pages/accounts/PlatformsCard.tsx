import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { useConnectorScope } from '../../api/connectorQueries';
import {
  authorizePlatform,
  connectSandbox,
  listPlatforms,
  platformLabel,
  type Connection,
  type PlatformInfo,
} from '../../api/connectors';
import { Card } from '../../components/Card';
import { ErrorBanner } from '../../components/ErrorBanner';
import { LoadingState } from '../../components/States';
import { externalNavigation } from '../../navigation';

/** Start the OAuth consent round trip: the platform sends the browser back to /accounts?linked=… */
export function useAuthorize() {
  return useMutation({
    mutationFn: (platform: string) => authorizePlatform(platform),
    onSuccess: ({ authorization_url }) => externalNavigation.assign(authorization_url),
  });
}

function PlatformItem({
  platform,
  connected,
  canEdit,
}: {
  platform: PlatformInfo;
  connected: boolean;
  canEdit: boolean;
}) {
  const queryClient = useQueryClient();
  const { keys } = useConnectorScope();
  const hintId = useId();
  const authorize = useAuthorize();
  const sandbox = useMutation({
    mutationFn: connectSandbox,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.all }),
  });
  const mutation = platform.oauth ? authorize : sandbox;
  const label = platformLabel(platform.platform);
  const isSandbox = platform.platform === 'sandbox';

  let hint: string | null = null;
  if (!platform.available)
    hint =
      platform.missing_settings.length > 0
        ? `Not configured on this server: set ${platform.missing_settings.join(', ')}.`
        : 'Not configured on this server.';
  else if (isSandbox && connected) hint = 'Already connected.';
  else if (!canEdit) hint = 'Members and above can link accounts.';
  else if (isSandbox) hint = 'A simulated platform with sample accounts, campaigns and metrics.';
  const disabled = !platform.available || !canEdit || (isSandbox && connected) || mutation.isPending;

  return (
    <li className="platform-item" data-testid={`platform-${platform.platform}`}>
      <div className="platform-name">
        <span className="cell-strong">{label}</span>
        {platform.api_version ? <span className="muted"> API {platform.api_version}</span> : null}
      </div>
      <button
        type="button"
        className={isSandbox ? 'button button-primary' : 'button'}
        onClick={() => (platform.oauth ? authorize.mutate(platform.platform) : sandbox.mutate())}
        disabled={disabled}
        aria-busy={mutation.isPending || undefined}
        aria-describedby={hint ? hintId : undefined}
      >
        {mutation.isPending ? 'Connecting…' : isSandbox ? 'Connect sandbox' : `Connect ${label}`}
      </button>
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
      {mutation.isError ? <ErrorBanner heading={`Could not connect ${label}`} error={mutation.error} /> : null}
    </li>
  );
}

/** The ad platforms this server can link, sandbox first. */
export function PlatformsCard({ connections, canEdit }: { connections: Connection[] | undefined; canEdit: boolean }) {
  const { orgId, keys } = useConnectorScope();
  const platforms = useQuery({
    queryKey: keys.platforms,
    queryFn: ({ signal }) => listPlatforms(signal),
    enabled: orgId !== null,
    staleTime: 5 * 60_000,
  });
  const linked = new Set((connections ?? []).map((c) => c.platform));
  const ordered = [...(platforms.data ?? [])].sort(
    (a, b) => Number(b.platform === 'sandbox') - Number(a.platform === 'sandbox'),
  );
  return (
    <Card title="Connect an ad platform" description="Link a login once; every ad account it can manage is added.">
      {platforms.isPending ? <LoadingState label="Loading platforms…" /> : null}
      {platforms.isError ? <ErrorBanner heading="Could not load the platforms" error={platforms.error} /> : null}
      {platforms.data ? (
        <ul className="platform-list">
          {ordered.map((p) => (
            <PlatformItem key={p.platform} platform={p} connected={linked.has(p.platform)} canEdit={canEdit} />
          ))}
        </ul>
      ) : null}
    </Card>
  );
}
