import type { Delivery, Destination, Preferences, Webhook, WebhookCreated } from '../api/notify';
import { ORG_EVENTS } from '../api/notify';

/** Shared fixtures of the Notifications page tests. */
export const NOTIFY = '/api/notify';

export function destination(id: string, extra: Partial<Destination> = {}): Destination {
  const verified = extra.verified ?? false;
  return {
    id,
    channel: 'email',
    address: `${id}@example.com`,
    verified,
    verified_at: verified ? '2026-11-24T09:00:00Z' : null,
    created_at: '2026-11-24T08:00:00Z',
    ...extra,
  };
}

export function webhook(id: string, extra: Partial<Webhook> = {}): Webhook {
  return {
    id,
    url: `https://hooks.example.com/${id}`,
    description: null,
    event_types: ['report.v1.ready'],
    enabled: true,
    consecutive_failures: 0,
    disabled_reason: null,
    created_at: '2026-11-24T08:00:00Z',
    ...extra,
  };
}

export function webhookCreated(id: string, secret: string, extra: Partial<Webhook> = {}): WebhookCreated {
  return {
    ...webhook(id, extra),
    secret,
    signature_scheme: "X-AdPilot-Signature: v1=hex(HMAC-SHA256(secret, '<X-AdPilot-Timestamp>.<raw body>'))",
    replay_window_s: 300,
  };
}

export function delivery(id: string, extra: Partial<Delivery> = {}): Delivery {
  const status = extra.status ?? 'succeeded';
  return {
    id,
    event_id: `event-${id}`,
    event_type: 'report.v1.ready',
    channel: 'email',
    destination: 'ada@example.com',
    endpoint_id: null,
    user_id: 'user-1',
    template: 'report_ready',
    status,
    attempts: status === 'queued' ? 0 : 1,
    last_error: null,
    last_status_code: null,
    digest_id: null,
    next_attempt_at: null,
    created_at: '2026-11-25T10:00:00Z',
    finished_at: status === 'succeeded' || status === 'failed' ? '2026-11-25T10:00:02Z' : null,
    ...extra,
  };
}

export function preferences(extra: Partial<Preferences> = {}): Preferences {
  return {
    time_zone: 'UTC',
    quiet_hours: null,
    digest: 'off',
    locale: 'en',
    subscriptions: [],
    event_types: [...ORG_EVENTS],
    ...extra,
  };
}
