import { useQuery } from '@tanstack/react-query';
import { useId, type ReactNode } from 'react';
import { useConnectorScope } from '../../api/connectorQueries';
import { listCampaigns, type CampaignQuery } from '../../api/connectors';
import { dashboardKeys, getCampaign } from '../../api/dashboards';
import { ErrorBanner } from '../../components/ErrorBanner';

/** The most campaigns one list request may return (the service's maximum). */
export const CAMPAIGN_CHOICES = 200;

/** "Spring sale (paused)": a paused target still takes the (paused) ad, but says so. */
function choiceLabel(name: string, status: string, id?: string): string {
  const label = id ? `${name} · ${id}` : name;
  return status === 'PAUSED' ? `${label} (paused)` : label;
}

/** A labelled select of the approve form with its status line (loading, empty, capped) and load error. */
function PickerField({
  label,
  value,
  onChange,
  disabled,
  placeholder,
  note,
  error,
  children,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  disabled: boolean;
  placeholder: string;
  note?: string;
  error?: ReactNode;
  children?: ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <select
        id={id}
        className="input"
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
        aria-describedby={note ? `${id}-note` : undefined}
      >
        <option value="">{placeholder}</option>
        {children}
      </select>
      {/* Always rendered, so screen readers hear "Loading…" turn into the result. */}
      <p id={`${id}-note`} className="field-hint" role="status">
        {note}
      </p>
      {error}
    </div>
  );
}

/**
 * Find the ad group to publish to: the chosen account's campaigns, then the chosen campaign's ad groups, from
 * the connectors' synced mirror. Choosing an ad group hands its platform id to the form (`onAdGroup`); the
 * form's free-text ID stays for an ad group not synced yet. Removed campaigns and ad groups cannot take an ad
 * and are not offered.
 */
export function AdGroupPicker({
  accountId,
  campaignId,
  adGroupId,
  onCampaign,
  onAdGroup,
}: {
  accountId: string;
  campaignId: string;
  /** The form's current ad group ID (typed or chosen): selected here when it is one of the campaign's. */
  adGroupId: string;
  onCampaign: (campaignId: string) => void;
  onAdGroup: (externalId: string) => void;
}) {
  const { orgId, keys } = useConnectorScope();
  const query: CampaignQuery = { account_id: accountId, sort: 'name', limit: CAMPAIGN_CHOICES, offset: 0 };
  const campaigns = useQuery({
    queryKey: keys.campaignList(query),
    queryFn: ({ signal }) => listCampaigns(query, signal),
    enabled: orgId !== null,
  });
  // The campaign page's query: one cache entry, refreshed by the same campaign.* events.
  const detail = useQuery({
    queryKey: dashboardKeys(orgId).campaign(campaignId),
    queryFn: ({ signal }) => getCampaign(campaignId, signal),
    enabled: orgId !== null && campaignId !== '',
  });

  const choices = (campaigns.data?.items ?? []).filter((c) => c.status !== 'REMOVED');
  let campaignNote: string | undefined;
  if (campaigns.isPending) campaignNote = 'Loading campaigns…';
  else if (campaigns.isSuccess && choices.length === 0)
    campaignNote = 'No campaigns of this account are synced yet: enter the ad group ID below.';
  else if (campaigns.isSuccess && campaigns.data.total > campaigns.data.items.length)
    campaignNote =
      `The first ${campaigns.data.items.length} of ${campaigns.data.total} campaigns by name; ` +
      'enter the ID of an ad group of another one below.';

  const groups = (detail.data?.ad_groups ?? []).filter((g) => g.status !== 'REMOVED');
  let groupNote: string | undefined;
  if (campaignId === '') groupNote = 'Choose a campaign first.';
  else if (detail.isPending) groupNote = 'Loading ad groups…';
  else if (detail.isSuccess && groups.length === 0)
    groupNote = 'This campaign has no ad groups synced yet: enter the ad group ID below.';
  const selected = groups.some((g) => g.external_id === adGroupId) ? adGroupId : '';

  return (
    <>
      <PickerField
        label="Campaign"
        value={campaignId}
        onChange={onCampaign}
        disabled={!campaigns.isSuccess || choices.length === 0}
        placeholder={campaigns.isPending ? 'Loading…' : 'Choose a campaign'}
        note={campaignNote}
        error={
          campaigns.isError ? <ErrorBanner heading="Could not load the campaigns" error={campaigns.error} /> : null
        }
      >
        {choices.map((c) => (
          <option key={c.id} value={c.id}>
            {choiceLabel(c.name, c.status)}
          </option>
        ))}
      </PickerField>
      <PickerField
        label="Ad group"
        value={selected}
        onChange={(value) => {
          if (value) onAdGroup(value);
        }}
        disabled={campaignId === '' || !detail.isSuccess || groups.length === 0}
        placeholder={campaignId !== '' && detail.isPending ? 'Loading…' : 'Choose an ad group'}
        note={groupNote}
        error={
          campaignId !== '' && detail.isError ? (
            <ErrorBanner heading="Could not load the ad groups" error={detail.error} />
          ) : null
        }
      >
        {groups.map((g) => (
          <option key={g.id} value={g.external_id}>
            {choiceLabel(g.name, g.status, g.external_id)}
          </option>
        ))}
      </PickerField>
    </>
  );
}
