import { zodResolver } from '@hookform/resolvers/zod';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { eventLabel, type Webhook, type WebhookCreated } from '../../api/notify';
import {
  useCreateWebhook,
  useDeleteWebhook,
  useTestWebhook,
  useUpdateWebhook,
  useWebhooks,
} from '../../api/notifyQueries';
import { Card } from '../../components/Card';
import { ErrorBanner } from '../../components/ErrorBanner';
import { applyServerErrors, SubmitButton, TextField } from '../../components/Form';
import { InlineConfirm } from '../../components/InlineConfirm';
import { EmptyState, LoadingState, Notice } from '../../components/States';
import { Time } from '../../components/Time';
import { createDataColumnHelper, DataTable, type DataColumnDef } from '../../components/ui/DataTable';
import { EventKindsField } from './EventKinds';

export const webhookSchema = z.object({
  url: z
    .string()
    .trim()
    .min(1, { error: 'Enter the URL that receives the events.' })
    .max(2048, { error: 'At most 2048 characters.' })
    .refine((v) => /^https?:\/\/[^\s/]+/i.test(v), { error: 'Enter a full URL, e.g. https://example.com/hooks/adpilot.' }),
  description: z.string().trim().max(500, { error: 'At most 500 characters.' }),
  // Unchecked boxes give false (one box) or [] (several); normalised to a list.
  event_types: z
    .union([z.array(z.string()), z.string(), z.literal(false)])
    .transform((v) => (Array.isArray(v) ? v : v ? [v] : []))
    .refine((v) => v.length > 0, { error: 'Choose at least one event.' }),
});
type WebhookFormIn = z.input<typeof webhookSchema>;
type WebhookFormOut = z.output<typeof webhookSchema>;

function WebhookCreateForm({ onCreated, onCancel }: { onCreated: (w: WebhookCreated) => void; onCancel: () => void }) {
  const mutation = useCreateWebhook();
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm<WebhookFormIn, unknown, WebhookFormOut>({
    resolver: zodResolver(webhookSchema),
    defaultValues: { url: '', description: '', event_types: [] },
  });

  return (
    <form
      className="form webhook-form"
      noValidate
      aria-label="New webhook"
      onSubmit={handleSubmit((values) =>
        mutation.mutate(
          { url: values.url, event_types: values.event_types, description: values.description || null },
          {
            onSuccess: onCreated,
            onError: (error) => applyServerErrors(error, setError, ['url', 'description', 'event_types']),
          },
        ),
      )}
    >
      <div className="form-grid">
        <TextField
          label="Endpoint URL"
          type="url"
          registration={register('url')}
          error={errors.url}
          placeholder="https://example.com/hooks/adpilot"
          autoComplete="off"
          hint="Must be https and publicly reachable; redirects are not followed."
        />
        <TextField
          label="Description"
          registration={register('description')}
          error={errors.description}
          autoComplete="off"
        />
      </div>
      <EventKindsField legend="Events" registration={register('event_types')} error={errors.event_types?.message} />
      <div className="form-actions">
        <SubmitButton pending={mutation.isPending} pendingLabel="Creating…">
          Create webhook
        </SubmitButton>
        <button type="button" className="button" onClick={onCancel} disabled={mutation.isPending}>
          Cancel
        </button>
      </div>
      {mutation.isError ? <ErrorBanner heading="Could not create the webhook" error={mutation.error} /> : null}
    </form>
  );
}

/**
 * The signing secret of a webhook just created. The service returns it only in the create answer, so it lives
 * only in this component's state: once dismissed (or the page is left) it is gone for good.
 */
function SecretOnce({ created, onDone }: { created: WebhookCreated; onDone: () => void }) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => headingRef.current?.focus(), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
  };

  return (
    <div className="secret-once" data-testid="webhook-secret">
      <Notice>Webhook for {created.url} created.</Notice>
      <h3 ref={headingRef} tabIndex={-1}>
        Signing secret
      </h3>
      <div className="banner banner-warn" role="note">
        <strong>This secret is shown only now.</strong> Copy it into your receiver's configuration; it cannot be shown
        again. Lost it? Delete the webhook and create a new one.
      </div>
      <p>
        <code className="secret" aria-label="Signing secret" data-testid="webhook-secret-value">
          {created.secret}
        </code>
      </p>
      <p className="muted small">
        Each request carries <code>X-AdPilot-Signature: v1=&lt;hex&gt;</code>, the HMAC-SHA256 of{' '}
        <code>&lt;X-AdPilot-Timestamp&gt;.&lt;raw body&gt;</code> with this secret. Reject timestamps more than{' '}
        {created.replay_window_s} s old.
      </p>
      <div className="form-actions">
        <button type="button" className="button" onClick={() => void copy()}>
          Copy secret
        </button>
        <button type="button" className="button button-primary" onClick={onDone}>
          I have saved the secret
        </button>
        <span role="status" className="muted">
          {copied === 'copied' ? 'Copied to the clipboard.' : copied === 'failed' ? 'Could not copy; select the secret instead.' : ''}
        </span>
      </div>
    </div>
  );
}

function WebhookActions({ webhook, onTested }: { webhook: Webhook; onTested: (w: Webhook) => void }) {
  const test = useTestWebhook(webhook.id);
  const toggle = useUpdateWebhook(webhook.id);
  const remove = useDeleteWebhook(webhook.id);
  return (
    <>
      <div className="inline-actions">
        <button
          type="button"
          className="button button-small"
          onClick={() => test.mutate(undefined, { onSuccess: () => onTested(webhook) })}
          disabled={!webhook.enabled || test.isPending}
          aria-busy={test.isPending || undefined}
          aria-label={`Send a test event to ${webhook.url}`}
          title={webhook.enabled ? undefined : 'Enable the webhook first'}
        >
          {test.isPending ? 'Sending…' : 'Send test'}
        </button>
        <button
          type="button"
          className="button button-small"
          onClick={() => toggle.mutate({ enabled: !webhook.enabled })}
          disabled={toggle.isPending}
          aria-busy={toggle.isPending || undefined}
          aria-label={`${webhook.enabled ? 'Disable' : 'Enable'} ${webhook.url}`}
        >
          {webhook.enabled ? 'Disable' : 'Enable'}
        </button>
        <InlineConfirm
          mutation={remove}
          trigger="Delete"
          triggerLabel={`Delete ${webhook.url}`}
          groupLabel={`Confirm deleting ${webhook.url}`}
          question="Delete this webhook?"
          confirm="Yes, delete"
          pending="Deleting…"
          errorHeading="Could not delete the webhook"
        />
      </div>
      {test.isError ? <ErrorBanner heading="Could not send a test event" error={test.error} /> : null}
      {toggle.isError ? <ErrorBanner heading="Could not change the webhook" error={toggle.error} /> : null}
    </>
  );
}

const helper = createDataColumnHelper<Webhook>();

/** In the service's order (not sortable). `onTested` is read through `context`: the columns stay stable. */
function webhookColumns(context: () => { onTested: (w: Webhook) => void }): DataColumnDef<Webhook>[] {
  return helper.columns([
    helper.accessor('url', {
      id: 'endpoint',
      header: 'Endpoint',
      cell: ({ row }) => {
        const w = row.original;
        return (
          <>
            <span className="cell-strong url">{w.url}</span>
            {w.description ? <div className="muted small">{w.description}</div> : null}
            <div className="muted small">
              Created <Time iso={w.created_at} relative />
            </div>
          </>
        );
      },
    }),
    helper.accessor('event_types', {
      id: 'events',
      header: 'Events',
      meta: { cellClassName: 'small' },
      cell: ({ row }) => row.original.event_types.map(eventLabel).join(', '),
    }),
    helper.accessor('enabled', {
      id: 'state',
      header: 'State',
      cell: ({ row }) => {
        const w = row.original;
        return (
          <>
            <span className={`badge ${w.enabled ? 'badge-ok' : 'badge-error'}`} data-testid="webhook-state">
              {w.enabled ? 'Enabled' : 'Disabled'}
            </span>
            {!w.enabled && w.disabled_reason ? <div className="muted small">{w.disabled_reason}</div> : null}
            {w.consecutive_failures > 0 ? (
              <div className="service-error small">
                {w.consecutive_failures} failed deliver{w.consecutive_failures === 1 ? 'y' : 'ies'} in a row
              </div>
            ) : null}
          </>
        );
      },
    }),
    helper.display({
      id: 'actions',
      meta: { label: 'Actions', hideHeader: true, cellClassName: 'actions-cell' },
      cell: ({ row }) => <WebhookActions webhook={row.original} onTested={(w) => context().onTested(w)} />,
    }),
  ]);
}

const webhookId = (w: Webhook) => w.id;
const webhookRowAttributes = (w: Webhook) => ({ 'data-testid': 'webhook-row', 'data-enabled': String(w.enabled) });

function WebhookTable({ webhooks, onTested }: { webhooks: Webhook[]; onTested: (w: Webhook) => void }) {
  // Stable columns: a test send, toggle or delete confirmation in progress lives in its cell.
  const context = useRef({ onTested });
  context.current = { onTested };
  const columns = useMemo(() => webhookColumns(() => context.current), []);
  return (
    <DataTable
      columns={columns}
      data={webhooks}
      getRowId={webhookId}
      className="table table-compact webhook-table"
      caption="Webhooks"
      rowAttributes={webhookRowAttributes}
    />
  );
}

/** The org's outgoing webhooks (admins only: the service refuses everyone else). */
export function Webhooks() {
  const webhooks = useWebhooks();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<WebhookCreated | null>(null);
  const [tested, setTested] = useState<Webhook | null>(null);

  let body;
  if (webhooks.isPending) body = <LoadingState label="Loading webhooks…" />;
  else if (webhooks.isError) body = <ErrorBanner heading="Could not load the webhooks" error={webhooks.error} />;
  else if (webhooks.data.length === 0) body = <EmptyState>No webhooks yet.</EmptyState>;
  else
    body = (
      <div className="table-scroll">
        <WebhookTable webhooks={webhooks.data} onTested={setTested} />
      </div>
    );

  return (
    <Card
      title="Webhooks"
      description="Signed HTTP POSTs to your systems when the chosen events happen in this organisation."
      testId="webhooks"
      actions={
        !creating && !created ? (
          <button
            type="button"
            className="button"
            onClick={() => {
              setTested(null);
              setCreating(true);
            }}
          >
            New webhook
          </button>
        ) : null
      }
    >
      {created ? (
        <SecretOnce created={created} onDone={() => setCreated(null)} />
      ) : creating ? (
        <WebhookCreateForm
          onCreated={(w) => {
            setCreating(false);
            setCreated(w);
          }}
          onCancel={() => setCreating(false)}
        />
      ) : null}
      {tested ? (
        <Notice testId="webhook-tested">Test event queued for {tested.url}. Follow it in the delivery log.</Notice>
      ) : null}
      {body}
    </Card>
  );
}
