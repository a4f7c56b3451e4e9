import { useMutation } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { copyPlatformLabel, editVariant, regenerateField, type CopyFields, type Variant } from '../../api/aiCopy';
import type { AdAccount } from '../../api/connectors';
import { Time } from '../../components/Time';
import { ApproveForm } from './ApproveForm';
import { CopyError } from './CopyError';
import { Counter } from './Counter';
import { measure, PLATFORM_FIELDS, type FieldRule } from './limits';

type Draft = Record<string, string | string[]>;
type Mode = 'view' | 'edit' | 'approve' | 'retarget';

function lines(value: CopyFields[string]): string[] {
  if (Array.isArray(value)) return value;
  return typeof value === 'string' ? [value] : [];
}

function toDraft(rules: readonly FieldRule[], fields: CopyFields): Draft {
  const draft: Draft = {};
  for (const rule of rules) {
    const value = fields[rule.field];
    draft[rule.field] = rule.list ? [...lines(value)] : typeof value === 'string' ? value : '';
  }
  return draft;
}

/** Only what changed, in the API's shape (an emptied optional field is sent as null). */
export function changedFields(rules: readonly FieldRule[], fields: CopyFields, draft: Draft): CopyFields {
  const out: CopyFields = {};
  for (const rule of rules) {
    const next = draft[rule.field];
    if (rule.list) {
      const list = (next as string[]).map((l) => l.trim());
      if (JSON.stringify(list) !== JSON.stringify(lines(fields[rule.field]))) out[rule.field] = list;
    } else {
      const text = ((next as string) ?? '').trim();
      const before = fields[rule.field];
      const value = text === '' && rule.optional ? null : text;
      if (value !== (typeof before === 'string' ? before : null)) out[rule.field] = value;
    }
  }
  return out;
}

function lineLabel(rule: FieldRule, index: number): string {
  return rule.list ? `${rule.label} ${index + 1}` : rule.label;
}

/** One variant: its fields with live counters; edit by hand, regenerate a field, approve. */
export function VariantCard({
  variant,
  offline,
  accounts,
  defaultUrl,
  canEdit,
  lang,
  onChange,
}: {
  variant: Variant;
  offline: boolean;
  accounts: AdAccount[];
  defaultUrl: string;
  canEdit: boolean;
  /** The copy's language (from the brief), for screen readers and hyphenation. */
  lang?: string;
  onChange: (variant: Variant) => void;
}) {
  const headingId = useId();
  const inputId = useId();
  const rules = PLATFORM_FIELDS[variant.platform] ?? [];
  const approved = variant.status === 'approved';
  const [mode, setModeState] = useState<Mode>('view');
  const headingRef = useRef<HTMLHeadingElement>(null);
  /** Back to viewing: focus the card's heading, so keyboard focus is not lost with the closed form. */
  const setMode = (next: Mode) => {
    setModeState(next);
    if (next === 'view') setTimeout(() => headingRef.current?.focus(), 0);
  };
  const [draft, setDraft] = useState<Draft>(() => toDraft(rules, variant.fields));
  const [regenerating, setRegenerating] = useState<string | null>(null);
  const name = `${copyPlatformLabel(variant.platform)} variant ${variant.position + 1}`;

  const edit = useMutation({
    mutationFn: (fields: CopyFields) => editVariant(variant.id, fields),
    onSuccess: (updated) => {
      onChange(updated);
      setMode('view');
    },
  });
  const regenerate = useMutation({
    mutationFn: ({ field, index }: { field: string; index?: number }) => regenerateField(variant.id, field, index),
    onMutate: ({ field, index }) => setRegenerating(`${field}:${index ?? ''}`),
    onSuccess: onChange,
    onSettled: () => setRegenerating(null),
  });

  const startEditing = () => {
    setDraft(toDraft(rules, variant.fields));
    edit.reset();
    regenerate.reset();
    setMode('edit');
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    const changes = changedFields(rules, variant.fields, draft);
    if (Object.keys(changes).length === 0) {
      setMode('view');
      return;
    }
    edit.mutate(changes);
  };
  const setLine = (rule: FieldRule, index: number, text: string) =>
    setDraft((d) => {
      if (!rule.list) return { ...d, [rule.field]: text };
      const list = [...(d[rule.field] as string[])];
      list[index] = text;
      return { ...d, [rule.field]: list };
    });

  const addLine = (rule: FieldRule) => {
    const index = (draft[rule.field] as string[]).length;
    setDraft((d) => ({ ...d, [rule.field]: [...(d[rule.field] as string[]), ''] }));
    // Put the caret in the new line.
    setTimeout(() => document.getElementById(`${inputId}-${rule.field}-${index}`)?.focus(), 0);
  };
  const removeLine = (rule: FieldRule, index: number) =>
    setDraft((d) => ({ ...d, [rule.field]: (d[rule.field] as string[]).filter((_, i) => i !== index) }));

  let body;
  if (mode === 'edit') {
    body = (
      <form
        className="variant-edit"
        noValidate
        aria-label={`Edit ${name}`}
        onSubmit={save}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && !edit.isPending) setMode('view');
        }}
      >
        {rules.map((rule) => {
          const values = rule.list ? (draft[rule.field] as string[]) : [draft[rule.field] as string];
          const [fewest, most] = rule.lines ?? [1, 1];
          const inputs = values.map((text, i) => {
            const id = `${inputId}-${rule.field}-${i}`;
            const label = lineLabel(rule, i);
            return (
              <div className="copy-field copy-field-edit" key={id}>
                <label htmlFor={id} className="field-label">
                  {label}
                  {rule.optional ? ' (optional)' : ''}
                </label>
                <span className="copy-edit-line">
                  <input
                    id={id}
                    className="input"
                    value={text}
                    lang={lang}
                    autoComplete="off"
                    onChange={(e) => setLine(rule, i, e.target.value)}
                    aria-describedby={`${id}-count`}
                    aria-invalid={['over', 'under'].includes(measure(rule, text).state) ? true : undefined}
                    autoFocus={rule === rules[0] && i === 0}
                  />
                  {rule.list && values.length > fewest ? (
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => removeLine(rule, i)}
                      aria-label={`Remove ${label.toLowerCase()}`}
                    >
                      Remove
                    </button>
                  ) : null}
                </span>
                <Counter rule={rule} text={text} id={`${id}-count`} />
              </div>
            );
          });
          if (!rule.list || values.length >= most) return inputs;
          return [
            ...inputs,
            <button
              type="button"
              className="link-button copy-add-line"
              key={`${rule.field}-add`}
              onClick={() => addLine(rule)}
            >
              Add {rule.label.toLowerCase()} ({values.length} of {fewest}–{most})
            </button>,
          ];
        })}
        <div className="form-actions">
          <button type="submit" className="button button-primary button-small" disabled={edit.isPending}>
            {edit.isPending ? 'Saving…' : 'Save'}
          </button>
          <button
            type="button"
            className="button button-small"
            onClick={() => setMode('view')}
            disabled={edit.isPending}
          >
            Cancel
          </button>
        </div>
        {edit.isError ? <CopyError heading="Could not save the copy" error={edit.error} rules={rules} /> : null}
      </form>
    );
  } else {
    body = (
      <dl className="copy-fields">
        {rules.map((rule) => {
          const values = lines(variant.fields[rule.field]);
          if (values.length === 0) {
            return rule.optional ? null : (
              <div className="copy-field" key={rule.field}>
                <dt>{rule.label}</dt>
                <dd className="muted">—</dd>
              </div>
            );
          }
          return values.map((text, i) => {
            const key = `${rule.field}:${rule.list ? i : ''}`;
            const label = lineLabel(rule, i);
            return (
              <div className="copy-field" key={key} data-testid="copy-field" data-field={rule.field}>
                <dt>{label}</dt>
                <dd>
                  <span className="copy-text" lang={lang}>
                    {text}
                  </span>
                  <span className="copy-meta">
                    <Counter rule={rule} text={text} />
                    {canEdit && !approved ? (
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => regenerate.mutate({ field: rule.field, index: rule.list ? i : undefined })}
                        disabled={regenerate.isPending}
                        aria-label={`Regenerate ${label.toLowerCase()} of ${name}`}
                      >
                        {regenerating === key ? 'Regenerating…' : 'Regenerate'}
                      </button>
                    ) : null}
                  </span>
                </dd>
              </div>
            );
          });
        })}
      </dl>
    );
  }

  return (
    <article
      className={`variant-card${approved ? ' variant-approved' : ''}`}
      aria-labelledby={headingId}
      data-testid="variant-card"
      data-status={variant.status}
    >
      <header className="variant-header">
        <h4 id={headingId} ref={headingRef} tabIndex={-1}>
          Variant {variant.position + 1}
        </h4>
        <span className="variant-badges">
          {approved ? (
            <span className="badge badge-ok" data-testid="variant-approved">
              Approved
            </span>
          ) : (
            <span className="badge badge-neutral">Draft</span>
          )}
          {variant.edited ? <span className="badge badge-neutral">Edited</span> : null}
          {offline ? (
            <span className="badge badge-warn" title="Written by the built-in template generator, not a language model">
              Offline generator
            </span>
          ) : null}
        </span>
      </header>
      {body}
      {variant.warnings.length > 0 ? (
        <ul className="copy-warnings" aria-label={`Warnings of ${name}`}>
          {variant.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      {regenerate.isError ? <CopyError heading="Could not regenerate" error={regenerate.error} /> : null}
      {approved ? (
        <p className="muted small" data-testid="approval">
          Approved <Time iso={variant.approved_at} relative />. Approved copy cannot change.
        </p>
      ) : null}
      {approved ? (
        <PublishStatus
          variant={variant}
          accounts={accounts}
          onRetry={canEdit && mode === 'view' ? () => setMode('retarget') : undefined}
          name={name}
        />
      ) : null}
      {mode === 'approve' || mode === 'retarget' ? (
        <ApproveForm
          variant={variant}
          accounts={accounts}
          defaultUrl={defaultUrl}
          retarget={mode === 'retarget'}
          onApproved={(updated) => {
            onChange(updated);
            setMode('view');
          }}
          onCancel={() => setMode('view')}
        />
      ) : null}
      {canEdit && !approved && mode === 'view' ? (
        <div className="variant-actions">
          <button type="button" className="button button-small" onClick={startEditing} aria-label={`Edit ${name}`}>
            Edit
          </button>
          <button
            type="button"
            className="button button-small button-primary"
            onClick={() => {
              regenerate.reset();
              setMode('approve');
            }}
            aria-label={`Approve ${name}`}
          >
            Approve…
          </button>
        </div>
      ) : null}
    </article>
  );
}

/** "ad group 123 of account Acme Search" (the account's id when it is not among the org's accounts any more). */
function targetText(accounts: AdAccount[], approval: Variant['approval']): string {
  if (!approval?.ad_group_id) return '';
  const account = accounts.find((a) => a.id === approval.account_id);
  const of = account ? ` of account ${account.name}` : approval.account_id ? ` of account ${approval.account_id}` : '';
  return `ad group ${approval.ad_group_id}${of}`;
}

/**
 * Where publishing the approved copy stands, as connectors reported it: publishing (queued), created (the ad
 * exists, paused), or failed with the reason and a way to approve it again with a corrected target.
 */
function PublishStatus({
  variant,
  accounts,
  name,
  onRetry,
}: {
  variant: Variant;
  accounts: AdAccount[];
  name: string;
  onRetry?: () => void;
}) {
  const publish = variant.publish;
  if (!publish) return null;
  const target = targetText(accounts, variant.approval);
  if (publish.state === 'queued') {
    return (
      <p className="small" data-testid="publish-state" data-state="queued" role="status">
        Publishing… the ad is being created paused{target ? ` in ${target}` : ''}.
      </p>
    );
  }
  if (publish.state === 'published') {
    return (
      <p className="small" data-testid="publish-state" data-state="published">
        Created paused{target ? ` in ${target}` : ''}.
        {publish.ad_id ? <span className="muted"> Ad ID {publish.ad_id}.</span> : null}
      </p>
    );
  }
  return (
    <div className="banner banner-error" role="alert" data-testid="publish-state" data-state="failed">
      <span className="banner-detail">Publishing failed: {publish.reason ?? 'no reason was given.'}</span>
      {onRetry ? (
        <button type="button" className="button button-small" onClick={onRetry} aria-label={`Publish ${name} again`}>
          Try again…
        </button>
      ) : null}
    </div>
  );
}
