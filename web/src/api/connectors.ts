/**
 * Calls of the connectors service (`/api/connectors/...`) through the typed client; the types are the
 * service's own schemas (`Schemas[...]`, generated from its OpenAPI), under the names the pages use.
 * Every call is scoped to the org of the access token.
 */
import { api, ok, type Schemas } from './typed';

export type PlatformName = Schemas['PlatformInfo']['platform'];

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

/**
 * `missing_settings` is always sent, but the schema leaves it optional (a `default_factory` has no default to
 * document), hence `Required`.
 */
export type PlatformInfo = Required<Schemas['PlatformInfo']>;
export type ConnectionHealth = Schemas['ConnectionOut']['health'];
export type Connection = Schemas['ConnectionOut'];

const connectionPath = (connectionId: string) => ({ path: { connection_id: connectionId } });

export const listPlatforms = (signal?: AbortSignal) =>
  ok(api.GET('/api/connectors/platforms', { signal })) as Promise<PlatformInfo[]>;

export const listConnections = (signal?: AbortSignal) => ok(api.GET('/api/connectors/connections', { signal }));

export const connectSandbox = () => ok(api.POST('/api/connectors/connections/sandbox'));

export const authorizePlatform = (platform: string) =>
  ok(api.POST('/api/connectors/connections/{platform}/authorize', { params: { path: { platform } } }));

export const disconnect = (connectionId: string) =>
  ok(api.DELETE('/api/connectors/connections/{connection_id}', { params: connectionPath(connectionId) }));

// ---------------------------------------------------------------- accounts and sync

/** The account's connection, as `GET /accounts` summarises it. */
export type ConnectionSummary = Schemas['ConnectionSummary'];
/** A sync of the account that is queued or running right now. */
export type ActiveRun = Schemas['ActiveRun'];
export type AdAccount = Schemas['AccountOut'];
export type SyncRun = Schemas['SyncRunOut'];

const accountPath = (accountId: string) => ({ path: { account_id: accountId } });

export const listAccounts = (signal?: AbortSignal) => ok(api.GET('/api/connectors/accounts', { signal }));

export const updateAccount = (accountId: string, body: Schemas['AccountPatch']) =>
  ok(api.PATCH('/api/connectors/accounts/{account_id}', { params: accountPath(accountId), body }));

export const startSync = (accountId: string) =>
  ok(api.POST('/api/connectors/accounts/{account_id}/sync', { params: accountPath(accountId) }));

export const listSyncRuns = (accountId: string, signal?: AbortSignal) =>
  ok(api.GET('/api/connectors/accounts/{account_id}/sync-runs', { params: accountPath(accountId), signal }));

export const getSyncRun = (runId: string, signal?: AbortSignal) =>
  ok(api.GET('/api/connectors/sync-runs/{run_id}', { params: { path: { run_id: runId } }, signal }));

// ---------------------------------------------------------------- campaigns

export type CampaignStatus = Schemas['CampaignOut']['status'];
export const CAMPAIGN_STATUSES: readonly CampaignStatus[] = ['ENABLED', 'PAUSED', 'REMOVED'];

export type Campaign = Schemas['CampaignOut'];
export type CampaignPage = Schemas['CampaignPage'];

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
  ok(
    api.GET('/api/connectors/campaigns', {
      // The filters come from the page's URL as plain strings: the service checks them (a 422 problem).
      querySerializer: () => campaignSearch(query),
      signal,
    }),
  );

// ---------------------------------------------------------------- writes

/**
 * One operation of a write job. The service's schema types `operations` as plain objects (it dispatches on
 * `op` itself), so this narrower local type is what the SPA may send.
 */
export type WriteOperation =
  | { op: 'set_status'; level: 'campaign' | 'ad_group' | 'ad'; external_id: string; status: 'PAUSED' | 'ENABLED' }
  | { op: 'set_budget'; campaign_id: string; daily_budget_micros: number };

export type WriteJobItem = Schemas['WriteJobItemOut'];

/** A write job; `items` only in `GET /write-jobs/{id}`. */
export type WriteJob = Schemas['WriteJobOut'] & { items?: WriteJobItem[] };

export const createWriteJob = (accountId: string, operations: WriteOperation[], validateOnly = false) =>
  ok(
    api.POST('/api/connectors/accounts/{account_id}/write-jobs', {
      params: accountPath(accountId),
      body: { validate_only: validateOnly, operations },
    }),
  );

export const getWriteJob = (jobId: string, signal?: AbortSignal): Promise<WriteJob> =>
  ok(api.GET('/api/connectors/write-jobs/{job_id}', { params: { path: { job_id: jobId } }, signal }));

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
