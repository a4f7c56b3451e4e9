/**
 * Types and calls for the connectors service (`/api/connectors/...`), mirroring
 * services/connectors/src/adpilot_connectors/{linking,accounts,sync,writes}/schemas.py.
 * Every call is scoped to the org of the access token.
 */
import { api } from './client';

const BASE = '/api/connectors';

export type PlatformName = 'google' | 'meta' | 'tiktok' | 'sandbox';

export const PLATFORM_LABELS: Record<string, string> = {
  google: 'Google Ads',
  meta: 'Meta',
  tiktok: 'TikTok',
  sandbox: 'Sandbox',
};

export function platformLabel(platform: string): string {
  return PLATFORM_LABELS[platform] ?? platform;
}

/** Job states shared by sync runs and write jobs (`adpilot_common.jobs.JobStatus`). */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'partially_failed' | 'failed';

export function isFinished(status: string | null | undefined): boolean {
  return status === 'succeeded' || status === 'partially_failed' || status === 'failed';
}

// ---------------------------------------------------------------- linking

export interface PlatformInfo {
  platform: PlatformName;
  /** Configured on this server (credentials present); the sandbox is available unless disabled. */
  available: boolean;
  /** Linked through an OAuth consent screen (false for the sandbox). */
  oauth: boolean;
  api_version: string | null;
  /** Environment variables still to set before it can be linked (empty when configured). */
  missing_settings: string[];
}

export type ConnectionHealth = 'ok' | 'expires_soon' | 'reconnect_required';

export interface Connection {
  id: string;
  platform: PlatformName;
  label: string;
  status: string;
  status_reason: string | null;
  health: ConnectionHealth;
  token_expires_at: string | null;
  /** Ad accounts reachable through this connection. */
  accounts: number;
  last_refreshed_at: string | null;
  /** The platform's quota for this login is spent until then. */
  paused_until: string | null;
  created_at: string;
}

export const listPlatforms = (signal?: AbortSignal) => api.get<PlatformInfo[]>(`${BASE}/platforms`, { signal });

export const listConnections = (signal?: AbortSignal) => api.get<Connection[]>(`${BASE}/connections`, { signal });

export const connectSandbox = () => api.post<Connection>(`${BASE}/connections/sandbox`);

export const authorizePlatform = (platform: string) =>
  api.post<{ authorization_url: string }>(`${BASE}/connections/${encodeURIComponent(platform)}/authorize`);

export const disconnect = (connectionId: string) =>
  api.delete(`${BASE}/connections/${encodeURIComponent(connectionId)}`);

// ---------------------------------------------------------------- accounts and sync

/** The account's connection, as `GET /accounts` summarises it. */
export interface ConnectionSummary {
  id: string;
  label: string;
  status: string;
  status_reason: string | null;
  health: ConnectionHealth;
  token_expires_at: string | null;
  /** Quota exhausted: no syncs until then. */
  paused_until: string | null;
}

/** A sync of the account that is queued or running right now. */
export interface ActiveRun {
  id: string;
  status: JobStatus;
  trigger: string;
  queued_at: string;
  started_at: string | null;
  metric_rows: number;
}

export interface AdAccount {
  id: string;
  connection_id: string;
  platform: PlatformName;
  external_id: string;
  name: string;
  currency: string;
  time_zone: string;
  status: string;
  is_manager: boolean;
  sync_enabled: boolean;
  /** This account's restatement lookback override; null: the platform's default. */
  lookback_days: number | null;
  effective_lookback_days: number;
  /** Every day up to this one was fetched. */
  metrics_synced_through: string | null;
  structure_synced_at: string | null;
  last_sync_status: string | null;
  last_sync_at: string | null;
  connection_health: ConnectionHealth;
  connection: ConnectionSummary;
  active_run: ActiveRun | null;
}

export interface SyncRun {
  id: string;
  account_id: string;
  /** schedule | manual */
  trigger: string;
  status: JobStatus;
  requested_by: string | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  metrics_from: string | null;
  metrics_to: string | null;
  metric_rows: number;
  campaigns_created: number;
  campaigns_updated: number;
  error: string | null;
  error_kind: string | null;
}

export const listAccounts = (signal?: AbortSignal) => api.get<AdAccount[]>(`${BASE}/accounts`, { signal });

export const updateAccount = (accountId: string, body: { sync_enabled: boolean }) =>
  api.patch<AdAccount>(`${BASE}/accounts/${encodeURIComponent(accountId)}`, body);

export const startSync = (accountId: string) =>
  api.post<SyncRun>(`${BASE}/accounts/${encodeURIComponent(accountId)}/sync`);

export const listSyncRuns = (accountId: string, signal?: AbortSignal) =>
  api.get<SyncRun[]>(`${BASE}/accounts/${encodeURIComponent(accountId)}/sync-runs`, { signal });

export const getSyncRun = (runId: string, signal?: AbortSignal) =>
  api.get<SyncRun>(`${BASE}/sync-runs/${encodeURIComponent(runId)}`, { signal });

// ---------------------------------------------------------------- campaigns

export type CampaignStatus = 'ENABLED' | 'PAUSED' | 'REMOVED';
export const CAMPAIGN_STATUSES: readonly CampaignStatus[] = ['ENABLED', 'PAUSED', 'REMOVED'];

export interface Campaign {
  id: string;
  account_id: string;
  account_name: string;
  platform: PlatformName;
  external_account_id: string;
  external_id: string;
  name: string;
  status: CampaignStatus;
  objective: string | null;
  /** Micros of `currency` (the account's). */
  daily_budget_micros: number | null;
  currency: string;
  first_seen_at: string;
  updated_at: string;
}

export interface CampaignPage {
  items: Campaign[];
  total: number;
  limit: number;
  offset: number;
}

export type CampaignSortKey = 'name' | 'status' | 'daily_budget_micros';

export interface CampaignQuery {
  account_id?: string;
  platform?: string;
  status?: string;
  q?: string;
  /** A key, descending with a leading "-" ("-daily_budget_micros"). */
  sort?: string;
  limit: number;
  offset: number;
}

/** The query string of a campaign list request (empty filters left out). */
export function campaignSearch(query: CampaignQuery): string {
  const params = new URLSearchParams();
  for (const key of ['account_id', 'platform', 'status', 'q', 'sort'] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  params.set('limit', String(query.limit));
  params.set('offset', String(query.offset));
  return params.toString();
}

export const listCampaigns = (query: CampaignQuery, signal?: AbortSignal) =>
  api.get<CampaignPage>(`${BASE}/campaigns?${campaignSearch(query)}`, { signal });

// ---------------------------------------------------------------- writes

export type WriteOperation =
  | { op: 'set_status'; level: 'campaign' | 'ad_group' | 'ad'; external_id: string; status: 'PAUSED' | 'ENABLED' }
  | { op: 'set_budget'; campaign_id: string; daily_budget_micros: number };

export interface WriteJobItem {
  position: number;
  op: string;
  status: 'pending' | 'succeeded' | 'failed';
  /** The platform's id of what the item created or changed. */
  external_id: string | null;
  error: string | null;
  error_kind: string | null;
  attempts: number;
  /** The operation as it was requested. */
  operation: Record<string, unknown>;
}

export interface WriteJob {
  id: string;
  account_id: string;
  platform: string;
  status: JobStatus;
  validate_only: boolean;
  created_by: string;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** When a deferred job (rate limit, outage) runs again. */
  next_attempt_at: string | null;
  error: string | null;
  progress: { total: number; succeeded: number; failed: number; pending: number };
  /** Only in `GET /write-jobs/{id}`. */
  items?: WriteJobItem[];
}

export const createWriteJob = (accountId: string, operations: WriteOperation[], validateOnly = false) =>
  api.post<WriteJob>(`${BASE}/accounts/${encodeURIComponent(accountId)}/write-jobs`, {
    validate_only: validateOnly,
    operations,
  });

export const getWriteJob = (jobId: string, signal?: AbortSignal) =>
  api.get<WriteJob>(`${BASE}/write-jobs/${encodeURIComponent(jobId)}`, { signal });

// ---------------------------------------------------------------- query keys

/** Keys carry the org, so another org's cached rows never show while the switched org loads. */
export function connectorKeys(orgId: string | null) {
  const root = ['connectors', orgId ?? 'none'] as const;
  return {
    all: root,
    platforms: [...root, 'platforms'] as const,
    connections: [...root, 'connections'] as const,
    accounts: [...root, 'accounts'] as const,
    syncRuns: (accountId: string) => [...root, 'accounts', accountId, 'sync-runs'] as const,
    syncRun: (runId: string) => [...root, 'sync-run', runId] as const,
    campaigns: [...root, 'campaigns'] as const,
    campaignList: (query: CampaignQuery) => [...root, 'campaigns', query] as const,
    writeJob: (jobId: string) => [...root, 'write-job', jobId] as const,
  };
}
