import type { AdAccount } from '../api/connectors';
import { jsonResponse } from './http';

/** Shared fixtures of the Ad accounts and Campaigns page tests. */
export const API = '/api/connectors';

/** What the app shell asks for on every page: the signed-in user. */
export const LAYOUT = {
  'GET /api/auth/me': () =>
    jsonResponse({ id: 'user-1', email: 'ada@example.com', display_name: 'Ada', email_verified: true, mfa_enabled: false }),
};

/** The user's one org, with ``role``. */
export function orgs(role = 'owner') {
  return { 'GET /api/auth/orgs': () => jsonResponse([{ id: 'org-1', name: 'Acme', role, require_mfa: false }]) };
}

/** A healthy sandbox ad account; ``extra`` overrides any field. */
export function adAccount(id: string, extra: Partial<AdAccount> = {}): AdAccount {
  return {
    id,
    connection_id: 'c-sandbox',
    platform: 'sandbox',
    external_id: `ext-${id}`,
    name: `Account ${id}`,
    currency: 'EUR',
    time_zone: 'Europe/Berlin',
    status: 'ENABLED',
    is_manager: false,
    sync_enabled: true,
    lookback_days: null,
    effective_lookback_days: 3,
    metrics_synced_through: null,
    structure_synced_at: null,
    last_sync_status: null,
    last_sync_at: null,
    connection_health: 'ok',
    connection: {
      id: 'c-sandbox',
      label: 'Sandbox',
      status: 'active',
      status_reason: null,
      health: 'ok',
      token_expires_at: null,
      paused_until: null,
    },
    active_run: null,
    ...extra,
  };
}
