import { useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { approveVariant, copyPlatformLabel, type ApproveRequest, type Variant } from '../../api/aiCopy';
import type { AdAccount } from '../../api/connectors';
import { AdGroupPicker } from './AdGroupPicker';
import { CopyError } from './CopyError';

const AD_GROUP = /^[A-Za-z0-9_.~-]{1,64}$/;
const HTTPS_URL = /^https:\/\/[^\s/?#@]+\.[^\s/?#@]+([/?#]\S*)?$/;

interface Draft {
  account_id: string;
  ad_group_id: string;
  final_url: string;
}

/** Client-side checks of an approval target (`required`: publishing again needs one); keys are the fields with a problem. */
export function validateApproval(draft: Draft, required = false): Partial<Record<keyof Draft, string>> {
  const errors: Partial<Record<keyof Draft, string>> = {};
  if (required && !draft.account_id) errors.account_id = 'Choose the ad account to publish to.';
  if (required && !draft.ad_group_id.trim()) errors.ad_group_id = 'Enter the ad group to create the ad in.';
  if (required && !draft.final_url.trim()) errors.final_url = 'An https:// address.';
  const adGroup = draft.ad_group_id.trim();
  if (adGroup && !AD_GROUP.test(adGroup)) {
    errors.ad_group_id = 'Letters, digits and _ . ~ - only (at most 64).';
  }
  if (draft.account_id && !adGroup) errors.ad_group_id = 'Enter the ad group to create the ad in.';
  if (adGroup && !draft.account_id) errors.account_id = 'Choose the ad account of this ad group.';
  const url = draft.final_url.trim();
  if (url && (url.length > 2048 || !HTTPS_URL.test(url))) errors.final_url = 'An https:// address.';
  return errors;
}

/**
 * Approve a variant (its copy is then frozen), optionally with a target: an ad account and ad group of the
 * variant's platform, where the connectors create the ad PAUSED. With `retarget`, approved copy whose
 * publishing failed is sent again to a corrected target (prefilled with the last one; a target is required).
 */
export function ApproveForm({
  variant,
  accounts,
  defaultUrl,
  retarget = false,
  onApproved,
  onCancel,
}: {
  variant: Variant;
  accounts: AdAccount[];
  defaultUrl: string;
  retarget?: boolean;
  onApproved: (variant: Variant) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const last = retarget ? variant.approval : null;
  const [draft, setDraft] = useState<Draft>({
    account_id: last?.account_id ?? '',
    ad_group_id: last?.ad_group_id ?? '',
    final_url: last?.final_url ?? defaultUrl,
  });
  const [errors, setErrors] = useState<Partial<Record<keyof Draft, string>>>({});
  // The picker's campaign (not sent: only the ad group is), and the ad group ID the picker last filled in.
  const [campaignId, setCampaignId] = useState('');
  const [picked, setPicked] = useState<string | null>(null);
  const targets = accounts.filter((a) => a.platform === variant.platform || a.platform === 'sandbox');
  const mutation = useMutation({
    mutationFn: (body: ApproveRequest) => approveVariant(variant.id, body),
    onSuccess: onApproved,
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateApproval(draft, retarget);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const body: ApproveRequest = {};
    if (draft.account_id) body.account_id = draft.account_id;
    if (draft.ad_group_id.trim()) body.ad_group_id = draft.ad_group_id.trim();
    if (draft.final_url.trim()) body.final_url = draft.final_url.trim();
    mutation.mutate(body);
  };
  const set = (key: keyof Draft) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: e.target.value }));
  /** Another account or campaign: an ad group picked from the last one is not in it (a typed ID stays). */
  const forgetPicked = () => {
    if (picked !== null) setDraft((d) => (d.ad_group_id === picked ? { ...d, ad_group_id: '' } : d));
    setPicked(null);
  };
  const chooseAccount = (e: { target: { value: string } }) => {
    set('account_id')(e);
    setCampaignId('');
    forgetPicked();
  };
  const chooseCampaign = (next: string) => {
    setCampaignId(next);
    forgetPicked();
  };
  const chooseAdGroup = (externalId: string) => {
    setDraft((d) => ({ ...d, ad_group_id: externalId }));
    setPicked(externalId);
  };
  const described = (key: keyof Draft, hint?: string) =>
    [hint, errors[key] ? `${id}-${key}-error` : undefined].filter(Boolean).join(' ') || undefined;

  return (
    <form
      className="form approve-form"
      noValidate
      aria-label={`${retarget ? 'Publish' : 'Approve'} ${copyPlatformLabel(variant.platform)} variant ${variant.position + 1}${retarget ? ' again' : ''}`}
      onSubmit={submit}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
      }}
    >
      <p className="muted small" id={`${id}-hint`}>
        {retarget
          ? 'Correct the target and the ad is created there, paused. The copy stays as approved.'
          : 'Approved copy cannot be edited any more. Choose a target to have the ad created there, paused, for a final check on the platform.'}
      </p>
      <div className="approve-grid">
        <div className="field">
          <label className="field-label" htmlFor={`${id}-account`}>
            {retarget ? 'Ad account' : 'Ad account (optional)'}
          </label>
          <select
            id={`${id}-account`}
            className="input"
            value={draft.account_id}
            onChange={chooseAccount}
            aria-invalid={errors.account_id ? true : undefined}
            aria-describedby={described('account_id')}
            autoFocus
          >
            <option value="">{retarget ? 'Choose an ad account' : 'No target: approve only'}</option>
            {targets.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          {errors.account_id ? (
            <p id={`${id}-account_id-error`} className="field-error">
              {errors.account_id}
            </p>
          ) : null}
        </div>
        {draft.account_id ? (
          <AdGroupPicker
            accountId={draft.account_id}
            campaignId={campaignId}
            adGroupId={draft.ad_group_id.trim()}
            onCampaign={chooseCampaign}
            onAdGroup={chooseAdGroup}
          />
        ) : null}
        <div className="field">
          <label className="field-label" htmlFor={`${id}-adgroup`}>
            Ad group ID
          </label>
          <input
            id={`${id}-adgroup`}
            className="input"
            value={draft.ad_group_id}
            onChange={set('ad_group_id')}
            autoComplete="off"
            aria-invalid={errors.ad_group_id ? true : undefined}
            aria-describedby={described('ad_group_id', draft.account_id ? `${id}-adgroup-hint` : undefined)}
          />
          {draft.account_id ? (
            <p id={`${id}-adgroup-hint`} className="field-hint">
              Filled in by the ad group chosen above; type the platform's ID of an ad group not synced yet.
            </p>
          ) : null}
          {errors.ad_group_id ? (
            <p id={`${id}-ad_group_id-error`} className="field-error">
              {errors.ad_group_id}
            </p>
          ) : null}
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${id}-url`}>
            Final URL
          </label>
          <input
            id={`${id}-url`}
            className="input"
            type="url"
            value={draft.final_url}
            onChange={set('final_url')}
            placeholder="https://example.com/offer"
            aria-invalid={errors.final_url ? true : undefined}
            aria-describedby={described('final_url')}
          />
          {errors.final_url ? (
            <p id={`${id}-final_url-error`} className="field-error">
              {errors.final_url}
            </p>
          ) : null}
        </div>
      </div>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={mutation.isPending}>
          {mutation.isPending ? (retarget ? 'Sending…' : 'Approving…') : retarget ? 'Publish again' : 'Approve copy'}
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={mutation.isPending}>
          Cancel
        </button>
      </div>
      {mutation.isError ? <CopyError heading={retarget ? 'Could not publish the copy again' : 'Could not approve the copy'} error={mutation.error} /> : null}
    </form>
  );
}
