/**
 * Calls of the notify service (`/api/notify/...`) through the typed client; the types are the service's own
 * schemas (`Schemas[...]`, generated from services/notify/src/adpilot_notify/{destinations,webhooks,deliveries,
 * preferences}/schemas.py) under the names the pages use. Every call is scoped to the org of the access token;
 * destinations and preferences are the caller's own.
 */
import { api, ok, type Schemas } from './typed';

// ---------------------------------------------------------------- event kinds and channels

/** The org events one can subscribe to (`deliveries.events.ORG_EVENTS`), in the service's order. */
export const ORG_EVENTS = [
  'budget.v1.threshold_crossed',
  'alert.v1.triggered',
  'report.v1.ready',
  'report.v1.failed',
  'connector.v1.sync_failed',
  'connector.v1.health_changed',
] as const;

const EVENT_LABELS: Record<string, string> = {
  'budget.v1.threshold_crossed': 'Budget threshold crossed',
  'alert.v1.triggered': 'Alert triggered',
  'report.v1.ready': 'Report ready',
  'report.v1.failed': 'Report failed',
  'connector.v1.sync_failed': 'Sync failed',
  'connector.v1.health_changed': 'Connection health changed',
  'notify.v1.webhook_test': 'Webhook test',
  'notify.destination_code': 'Verification code',
  'notify.digest': 'Digest',
  'user.v1.email_verification_requested': 'Email verification',
  'user.v1.password_reset_requested': 'Password reset',
  'user.v1.invited': 'Invitation',
  'user.v1.password_changed': 'Password changed',
};

export function eventLabel(eventType: string): string {
  return EVENT_LABELS[eventType] ?? eventType;
}

/** Whether this server can send on a personal channel, and which settings it lacks if not. */
export type ChannelInfo = Schemas['ChannelInfo'];

export const listChannels = (signal?: AbortSignal) => ok(api.GET('/api/notify/channels', { signal }));

/** Channels a person verifies an address for (`PersonalChannel`). */
export type PersonalChannel = 'email' | 'whatsapp' | 'signal';
export const PERSONAL_CHANNELS: readonly PersonalChannel[] = ['email', 'whatsapp', 'signal'];
/** Every channel a delivery can go out on. */
export const DELIVERY_CHANNELS = ['email', 'whatsapp', 'signal', 'webhook'] as const;

const CHANNEL_LABELS: Record<string, string> = {
  email: 'Email',
  whatsapp: 'WhatsApp',
  signal: 'Signal',
  webhook: 'Webhook',
};

export function channelLabel(channel: string): string {
  return CHANNEL_LABELS[channel] ?? channel;
}

// ---------------------------------------------------------------- destinations

/** `channel` is one of {@link PERSONAL_CHANNELS}; `address` is normalised (lower-cased email, E.164, group id). */
export type Destination = Schemas['DestinationOut'];

const destinationPath = (id: string) => ({ params: { path: { destination_id: id } } });

export const listDestinations = (signal?: AbortSignal) => ok(api.GET('/api/notify/destinations', { signal }));

/** Adds the destination and sends it a code (an address already added is a 409 with its `destination_id`). */
export const addDestination = (body: Schemas['DestinationIn']) => ok(api.POST('/api/notify/destinations', { body }));

export const verifyDestination = (id: string, code: string) =>
  ok(api.POST('/api/notify/destinations/{destination_id}/verify', { ...destinationPath(id), body: { code } }));

export const resendCode = (id: string) =>
  ok(api.POST('/api/notify/destinations/{destination_id}/resend', destinationPath(id)));

export const deleteDestination = (id: string) =>
  ok(api.DELETE('/api/notify/destinations/{destination_id}', destinationPath(id)));

// ---------------------------------------------------------------- webhooks (admins)

/** `disabled_reason`: why it is off (an administrator, or too many failed deliveries in a row). */
export type Webhook = Schemas['WebhookOut'];
/** The answer to a create: the only time the signing secret is ever sent. */
export type WebhookCreated = Schemas['WebhookCreated'];
export type WebhookIn = Schemas['WebhookIn'];
export type WebhookPatch = Schemas['WebhookPatch'];

const webhookPath = (id: string) => ({ params: { path: { endpoint_id: id } } });

export const listWebhooks = (signal?: AbortSignal) => ok(api.GET('/api/notify/webhooks', { signal }));

export const createWebhook = (body: WebhookIn) => ok(api.POST('/api/notify/webhooks', { body }));

export const updateWebhook = (id: string, body: WebhookPatch) =>
  ok(api.PATCH('/api/notify/webhooks/{endpoint_id}', { ...webhookPath(id), body }));

export const deleteWebhook = (id: string) => ok(api.DELETE('/api/notify/webhooks/{endpoint_id}', webhookPath(id)));

/** Queues a signed `notify.v1.webhook_test` event; it shows in the delivery log. */
export const testWebhook = (id: string) => ok(api.POST('/api/notify/webhooks/{endpoint_id}/test', webhookPath(id)));

// ---------------------------------------------------------------- deliveries

/** Job states, plus `batched` for an entry waiting for its digest. */
export type DeliveryStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'batched';
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['queued', 'running', 'succeeded', 'failed', 'batched'];

/** Not final yet: the log is polled while one of these is shown. */
export function isDeliveryPending(status: string): boolean {
  return status === 'queued' || status === 'running';
}

/** `destination`: the address, or the webhook endpoint's id; `digest_id`: sent as part of that digest. */
export type Delivery = Schemas['DeliveryOut'];
export type DeliveryAttempt = Schemas['AttemptOut'];
export type DeliveryDetail = Schemas['DeliveryDetail'];

export interface DeliveryQuery {
  status?: string;
  channel?: string;
  event_type?: string;
  limit: number;
  offset: number;
}

/** The query of a list request, empty filters left out. */
export function deliveryParams(query: DeliveryQuery) {
  return {
    ...(query.status ? { status: query.status } : {}),
    ...(query.channel ? { channel: query.channel } : {}),
    ...(query.event_type ? { event_type: query.event_type } : {}),
    limit: query.limit,
    offset: query.offset,
  };
}

export const listDeliveries = (query: DeliveryQuery, signal?: AbortSignal) =>
  ok(api.GET('/api/notify/deliveries', { params: { query: deliveryParams(query) }, signal }));

const deliveryPath = (id: string) => ({ params: { path: { delivery_id: id } } });

export const getDelivery = (id: string, signal?: AbortSignal) =>
  ok(api.GET('/api/notify/deliveries/{delivery_id}', { ...deliveryPath(id), signal }));

/** Only failed deliveries (not digest entries) can be retried: queued again with a fresh retry budget. */
export const retryDelivery = (id: string) => ok(api.POST('/api/notify/deliveries/{delivery_id}/retry', deliveryPath(id)));

// ---------------------------------------------------------------- preferences

export type Digest = NonNullable<Schemas['PreferencesIn']['digest']>;
/** Local times in `time_zone`, "HH:MM[:SS]"; start after end spans midnight. */
export type QuietHours = Schemas['QuietHours'];
export type Subscription = Schemas['SubscriptionIn'];
/** Every field is sent: a PUT replaces all of the caller's preferences (subscriptions included). */
export type PreferencesIn = Required<Schemas['PreferencesIn']>;
/** The service always answers every field (the generated type marks those with defaults optional). */
export type Preferences = Required<Schemas['PreferencesOut']>;

export const getPreferences = (signal?: AbortSignal) =>
  ok(api.GET('/api/notify/preferences', { signal })) as Promise<Preferences>;

export const putPreferences = (body: PreferencesIn) =>
  ok(api.PUT('/api/notify/preferences', { body })) as Promise<Preferences>;

// ---------------------------------------------------------------- query keys

/** Keys carry the org, so another org's cached rows never show while the switched org loads. */
export function notifyKeys(orgId: string | null) {
  const root = ['notify', orgId ?? 'none'] as const;
  return {
    all: root,
    destinations: [...root, 'destinations'] as const,
    channels: [...root, 'channels'] as const,
    webhooks: [...root, 'webhooks'] as const,
    deliveries: [...root, 'deliveries'] as const,
    deliveryList: (query: DeliveryQuery) => [...root, 'deliveries', 'list', query] as const,
    delivery: (id: string) => [...root, 'deliveries', 'one', id] as const,
    preferences: [...root, 'preferences'] as const,
  };
}
