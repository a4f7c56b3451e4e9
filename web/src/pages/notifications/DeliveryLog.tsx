import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import {
  channelLabel,
  DELIVERY_CHANNELS,
  DELIVERY_STATUSES,
  eventLabel,
  getDelivery,
  isDeliveryPending,
  type Delivery,
} from '../../api/notify';
import { useDeliveries, useNotifyScope, useRetryDelivery, useWebhooks } from '../../api/notifyQueries';
import { Card } from '../../components/Card';
import { ErrorBanner } from '../../components/ErrorBanner';
import { EmptyState, LoadingState } from '../../components/States';
import { Time } from '../../components/Time';
import { createDataColumnHelper, DataTable, type DataColumnDef } from '../../components/ui/DataTable';

export const DELIVERY_PAGE_SIZE = 50;
const NO_DELIVERIES: Delivery[] = [];

const STATUS: Record<string, { label: string; cls: string }> = {
  queued: { label: 'Queued', cls: 'badge-neutral' },
  running: { label: 'Sending', cls: 'badge-neutral' },
  succeeded: { label: 'Delivered', cls: 'badge-ok' },
  failed: { label: 'Failed', cls: 'badge-error' },
  batched: { label: 'In digest', cls: 'badge-neutral' },
};

export function deliveryStatusLabel(status: string): string {
  return STATUS[status]?.label ?? status;
}

function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge ${STATUS[status]?.cls ?? 'badge-neutral'}`} data-testid="delivery-status" data-status={status}>
      {deliveryStatusLabel(status)}
    </span>
  );
}

function RetryButton({ delivery }: { delivery: Delivery }) {
  const mutation = useRetryDelivery(delivery.id);
  return (
    <>
      <button
        type="button"
        className="button button-small"
        onClick={() => mutation.mutate()}
        disabled={mutation.isPending}
        aria-busy={mutation.isPending || undefined}
        aria-label={`Retry ${eventLabel(delivery.event_type)} to ${delivery.destination}`}
      >
        {mutation.isPending ? 'Retrying…' : 'Retry'}
      </button>
      {mutation.isError ? <ErrorBanner heading="Could not retry the delivery" error={mutation.error} /> : null}
    </>
  );
}

/** Every attempt of one delivery (outcome, HTTP status, error, duration), loaded when opened. */
function Attempts({ delivery }: { delivery: Delivery }) {
  const { keys } = useNotifyScope();
  const detail = useQuery({
    queryKey: [...keys.delivery(delivery.id), delivery.attempts, delivery.status],
    queryFn: ({ signal }) => getDelivery(delivery.id, signal),
  });
  if (detail.isPending) return <LoadingState label="Loading attempts…" />;
  if (detail.isError) return <ErrorBanner heading="Could not load the attempts" error={detail.error} />;
  if (detail.data.attempt_log.length === 0) return <p className="muted small">No attempts yet.</p>;
  return (
    <ol className="attempt-list" aria-label={`Attempts of ${eventLabel(delivery.event_type)} to ${delivery.destination}`}>
      {detail.data.attempt_log.map((a) => (
        <li key={a.attempted_at} className="small">
          <Time iso={a.attempted_at} /> · {a.outcome}
          {a.status_code !== null ? ` · HTTP ${a.status_code}` : ''} · {a.duration_ms} ms
          {a.error ? <div className="service-error">{a.error}</div> : null}
        </li>
      ))}
    </ol>
  );
}

/** Where it went: the address, or (for admins, who can see the org's webhooks) the endpoint's URL. */
function target(delivery: Delivery, webhookUrls: Map<string, string>): string {
  return (delivery.endpoint_id && webhookUrls.get(delivery.endpoint_id)) || delivery.destination;
}

const helper = createDataColumnHelper<Delivery>();

/** Newest first, as the server pages them (not sortable); "Attempts" opens the attempt log under the row. */
function deliveryColumns(webhookUrls: Map<string, string>): DataColumnDef<Delivery>[] {
  return helper.columns([
    helper.accessor('event_type', {
      id: 'event',
      header: 'Event',
      cell: ({ row }) => (
        <span className="cell-strong" title={row.original.event_type}>
          {eventLabel(row.original.event_type)}
        </span>
      ),
    }),
    helper.accessor('channel', {
      id: 'channel',
      header: 'Channel',
      meta: { cellClassName: 'channel-cell' },
      cell: ({ row }) => (
        <>
          {channelLabel(row.original.channel)}
          <div className="muted small url">{target(row.original, webhookUrls)}</div>
        </>
      ),
    }),
    helper.accessor('status', {
      id: 'status',
      header: 'Status',
      cell: ({ row }) => (
        <>
          <StatusBadge status={row.original.status} />
          {row.original.next_attempt_at ? (
            <div className="muted small">
              Next try <Time iso={row.original.next_attempt_at} relative />
            </div>
          ) : null}
        </>
      ),
    }),
    helper.accessor('attempts', { id: 'attempts', header: 'Attempts', meta: { className: 'num' } }),
    helper.display({
      id: 'error',
      header: 'Error',
      meta: { cellClassName: 'small error-cell' },
      cell: ({ row }) => {
        const delivery = row.original;
        if (delivery.last_error)
          return (
            <span className="service-error" data-testid="delivery-error">
              {delivery.last_status_code !== null ? `HTTP ${delivery.last_status_code}: ` : ''}
              {delivery.last_error}
            </span>
          );
        return delivery.digest_id ? <span className="muted">Sent in a digest</span> : <span className="muted">—</span>;
      },
    }),
    helper.accessor('created_at', {
      id: 'time',
      header: 'Time',
      meta: { cellClassName: 'time-cell' },
      cell: ({ row }) => <Time iso={row.original.created_at} relative />,
    }),
    helper.display({
      id: 'actions',
      meta: { label: 'Actions', hideHeader: true, cellClassName: 'actions-cell' },
      cell: ({ row }) => {
        const delivery = row.original;
        const open = row.getIsExpanded();
        const canRetry = delivery.status === 'failed' && delivery.digest_id === null;
        return (
          <div className="inline-actions">
            {delivery.attempts > 0 ? (
              <button
                type="button"
                className="button button-small"
                aria-expanded={open}
                onClick={() => row.toggleExpanded()}
                aria-label={`${open ? 'Hide' : 'Show'} attempts of ${eventLabel(delivery.event_type)} to ${delivery.destination}`}
              >
                {open ? 'Hide attempts' : 'Attempts'}
              </button>
            ) : null}
            {canRetry ? <RetryButton delivery={delivery} /> : null}
          </div>
        );
      },
    }),
  ]);
}

const deliveryId = (d: Delivery) => d.id;
const deliveryRowAttributes = (d: Delivery) => ({ 'data-testid': 'delivery-row', 'data-status': d.status });
const renderAttempts = (d: Delivery) => <Attempts delivery={d} />;

/** The delivery log: the org's for admins, one's own for everyone else; polled while something is pending. */
export function DeliveryLog() {
  const { admin } = useNotifyScope();
  const webhooks = useWebhooks(); // admins only; the log names endpoints by id
  const webhookUrls = useMemo(() => new Map((webhooks.data ?? []).map((w) => [w.id, w.url])), [webhooks.data]);
  // Stable columns: a retry in flight lives in its cell.
  const columns = useMemo(() => deliveryColumns(webhookUrls), [webhookUrls]);
  const [status, setStatus] = useState('');
  const [channel, setChannel] = useState('');
  const [offset, setOffset] = useState(0);
  const deliveries = useDeliveries({ status, channel, limit: DELIVERY_PAGE_SIZE, offset });
  const items = deliveries.data?.items ?? NO_DELIVERIES;
  const total = deliveries.data?.total ?? 0;
  const pending = items.filter((d) => isDeliveryPending(d.status)).length;

  let body;
  if (deliveries.isPending) body = <LoadingState label="Loading the delivery log…" />;
  else if (deliveries.isError && !deliveries.data)
    body = <ErrorBanner heading="Could not load the delivery log" error={deliveries.error} />;
  else if (items.length === 0)
    body = <EmptyState>{status || channel ? 'No deliveries match these filters.' : 'Nothing has been sent yet.'}</EmptyState>;
  else
    body = (
      <>
        {deliveries.isError ? <ErrorBanner heading="Could not refresh the delivery log" error={deliveries.error} /> : null}
        <div className="table-scroll" aria-busy={deliveries.isFetching || undefined}>
          <DataTable
            columns={columns}
            data={items}
            getRowId={deliveryId}
            className="table table-compact delivery-table"
            caption="Deliveries"
            rowAttributes={deliveryRowAttributes}
            renderDetail={renderAttempts}
          />
        </div>
        {total > DELIVERY_PAGE_SIZE ? (
          <div className="list-footer pager">
            <button
              type="button"
              className="button"
              onClick={() => setOffset(Math.max(0, offset - DELIVERY_PAGE_SIZE))}
              disabled={offset === 0}
            >
              Newer
            </button>
            <span className="muted small">
              {offset + 1}–{Math.min(offset + items.length, total)} of {total}
            </span>
            <button
              type="button"
              className="button"
              onClick={() => setOffset(offset + DELIVERY_PAGE_SIZE)}
              disabled={offset + DELIVERY_PAGE_SIZE >= total}
            >
              Older
            </button>
          </div>
        ) : null}
      </>
    );

  return (
    <Card
      title="Delivery log"
      description={
        admin
          ? 'Every message of this organisation, newest first. Failed ones can be sent again.'
          : 'Messages sent to you, newest first. Failed ones can be sent again.'
      }
      testId="delivery-log"
    >
      <div className="form form-inline log-filters" role="group" aria-label="Filter deliveries">
        <div className="field">
          <label className="field-label" htmlFor="delivery-status-filter">
            Status
          </label>
          <select
            id="delivery-status-filter"
            className="input"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setOffset(0);
            }}
          >
            <option value="">All statuses</option>
            {DELIVERY_STATUSES.map((s) => (
              <option key={s} value={s}>
                {deliveryStatusLabel(s)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field-label" htmlFor="delivery-channel-filter">
            Channel
          </label>
          <select
            id="delivery-channel-filter"
            className="input"
            value={channel}
            onChange={(e) => {
              setChannel(e.target.value);
              setOffset(0);
            }}
          >
            <option value="">All channels</option>
            {DELIVERY_CHANNELS.map((c) => (
              <option key={c} value={c}>
                {channelLabel(c)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="visually-hidden" role="status" aria-live="polite" data-testid="deliveries-pending">
        {pending > 0 ? `${pending} deliver${pending === 1 ? 'y' : 'ies'} pending` : ''}
      </p>
      {body}
    </Card>
  );
}
