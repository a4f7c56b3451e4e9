import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
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

export const DELIVERY_PAGE_SIZE = 50;

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

function DeliveryRow({ delivery, webhookUrls }: { delivery: Delivery; webhookUrls: Map<string, string> }) {
  const [open, setOpen] = useState(false);
  const canRetry = delivery.status === 'failed' && delivery.digest_id === null;
  return (
    <>
      <tr data-testid="delivery-row" data-status={delivery.status}>
        <td>
          <span className="cell-strong" title={delivery.event_type}>
            {eventLabel(delivery.event_type)}
          </span>
        </td>
        <td className="channel-cell">
          {channelLabel(delivery.channel)}
          <div className="muted small url">{target(delivery, webhookUrls)}</div>
        </td>
        <td>
          <StatusBadge status={delivery.status} />
          {delivery.next_attempt_at ? (
            <div className="muted small">
              Next try <Time iso={delivery.next_attempt_at} relative />
            </div>
          ) : null}
        </td>
        <td className="num">{delivery.attempts}</td>
        <td className="small error-cell">
          {delivery.last_error ? (
            <span className="service-error" data-testid="delivery-error">
              {delivery.last_status_code !== null ? `HTTP ${delivery.last_status_code}: ` : ''}
              {delivery.last_error}
            </span>
          ) : delivery.digest_id ? (
            <span className="muted">Sent in a digest</span>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
        <td className="time-cell">
          <Time iso={delivery.created_at} relative />
        </td>
        <td className="actions-cell">
          <div className="inline-actions">
            {delivery.attempts > 0 ? (
              <button
                type="button"
                className="button button-small"
                aria-expanded={open}
                onClick={() => setOpen((o) => !o)}
                aria-label={`${open ? 'Hide' : 'Show'} attempts of ${eventLabel(delivery.event_type)} to ${delivery.destination}`}
              >
                {open ? 'Hide attempts' : 'Attempts'}
              </button>
            ) : null}
            {canRetry ? <RetryButton delivery={delivery} /> : null}
          </div>
        </td>
      </tr>
      {open ? (
        <tr className="detail-row">
          <td colSpan={7}>
            <Attempts delivery={delivery} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** The delivery log: the org's for admins, one's own for everyone else; polled while something is pending. */
export function DeliveryLog() {
  const { admin } = useNotifyScope();
  const webhooks = useWebhooks(); // admins only; the log names endpoints by id
  const webhookUrls = new Map((webhooks.data ?? []).map((w) => [w.id, w.url]));
  const [status, setStatus] = useState('');
  const [channel, setChannel] = useState('');
  const [offset, setOffset] = useState(0);
  const deliveries = useDeliveries({ status, channel, limit: DELIVERY_PAGE_SIZE, offset });
  const items = deliveries.data?.items ?? [];
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
          <table className="table table-compact delivery-table">
            <caption className="visually-hidden">Deliveries</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Channel</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Attempts
                </th>
                <th scope="col">Error</th>
                <th scope="col">Time</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <DeliveryRow key={d.id} delivery={d} webhookUrls={webhookUrls} />
              ))}
            </tbody>
          </table>
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
