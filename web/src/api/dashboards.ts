/**
 * KPI queries, budgets and alert rules of the metrics service (`/api/metrics/...`), plus their TanStack Query hooks.
 * Types are the service's own schemas (`Schemas[...]`, generated from the merged OpenAPI) under the names the pages
 * use; calls go through the typed client, so paths, parameters and bodies are checked at compile time.
 *
 * Query keys live under `metricsKeys(orgId).all` (["metrics", org]): the live-events hook invalidates that prefix
 * on `metrics.*`, `budget.*` and `alert.*` events, so every chart, pacing bar and alert list here refetches after a
 * sync or a firing without a mapping of its own. The campaign header lives under the connectors' campaign key, which
 * `campaign.*` events invalidate.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { roleRank } from './auth';
import { connectorKeys } from './connectors';
import { metricsKeys, type Bucket } from './metrics';
import { useActiveOrg } from './queries';
import { api, ok, type Schemas } from './typed';

// ---------------------------------------------------------------- KPI queries

/** Summed measures and the KPIs derived from the sums (money in micros of the group's currency). */
export type Measures = Schemas['Measures'];
/** Relative change against the previous period ((now - before) / before); null when before is zero or null. */
export type Change = Schemas['Change'];
export type Point = Schemas['Point'];
export type Series = Schemas['Series'];
export type Timeseries = Schemas['Timeseries'];
export type CurrencyTotals = Schemas['CurrencyTotals'];
export type Totals = Schemas['Totals'];
export type RankBy = Schemas['TopCampaigns']['by'];
export type RankedCampaign = Schemas['RankedCampaign'];
export type TopCampaigns = Schemas['TopCampaigns'];

/** What a KPI query covers: days [from, to] (YYYY-MM-DD, inclusive), optionally one account or campaign. */
export interface KpiSelection {
  from: string;
  to: string;
  account_id?: string;
  /** The platform's campaign id (with its account_id). */
  campaign_id?: string;
}

export const getTotals = (query: KpiSelection, signal?: AbortSignal) =>
  ok(api.GET('/api/metrics/totals', { params: { query: { ...query, compare: 'previous_period' } }, signal }));

export const getTimeseries = (query: KpiSelection, bucket: Bucket, signal?: AbortSignal) =>
  ok(api.GET('/api/metrics/timeseries', { params: { query: { ...query, bucket } }, signal }));

export const getTopCampaigns = (query: KpiSelection, by: RankBy, limit: number, signal?: AbortSignal) =>
  ok(api.GET('/api/metrics/top-campaigns', { params: { query: { ...query, by, limit } }, signal }));

// ---------------------------------------------------------------- budgets and alerts

export type Budget = Schemas['MetricsBudgetOut'];
export type BudgetIn = Schemas['MetricsBudgetIn'];
export type BudgetPeriod = Budget['period'];
export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['daily', 'monthly'];
export const PERIOD_LABELS: Record<BudgetPeriod, string> = { daily: 'Daily', monthly: 'Monthly' };

/** Pacing of the current period; decimals (`spent_pct`, `elapsed_pct`) arrive as strings ("45.20"). */
export type Pacing = Schemas['PacingOut'];

export type AlertRule = Schemas['AlertRuleOut'];
export type AlertKind = AlertRule['kind'];
export const ALERT_KINDS: readonly AlertKind[] = ['spend_over_budget_pct', 'cpa_above', 'ctr_drop_pct'];
export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
  spend_over_budget_pct: 'Spend over % of a budget',
  cpa_above: 'Cost per conversion above',
  ctr_drop_pct: 'CTR drop % (day vs 7 days before)',
};

export function alertKindLabel(kind: string): string {
  return ALERT_KIND_LABELS[kind as AlertKind] ?? kind;
}

/**
 * `spend_over_budget_pct`: budget_id and a percentage. `cpa_above`: account_id, a target CPA in micros and a period.
 * `ctr_drop_pct`: account_id and a percentage. Thresholds are sent as decimal strings (exact).
 */
export type AlertRuleIn = Schemas['AlertRuleIn'];
export type AlertRulePatch = Schemas['AlertRulePatch'];
/** An alert that fired: `values` is the event payload (`message` for CPA/CTR, spend figures for budgets). */
export type AlertFiring = Schemas['AlertFiringOut'];

const budgetPath = (budgetId: string) => ({ params: { path: { budget_id: budgetId } } });
const rulePath = (ruleId: string) => ({ params: { path: { rule_id: ruleId } } });

export const listBudgets = (signal?: AbortSignal) => ok(api.GET('/api/metrics/budgets', { signal }));
export const createBudget = (body: BudgetIn) => ok(api.POST('/api/metrics/budgets', { body }));
export const updateBudget = (budgetId: string, amountMicros: number) =>
  ok(api.PATCH('/api/metrics/budgets/{budget_id}', { ...budgetPath(budgetId), body: { amount_micros: amountMicros } }));
export const deleteBudget = (budgetId: string) => ok(api.DELETE('/api/metrics/budgets/{budget_id}', budgetPath(budgetId)));
export const getPacing = (budgetId: string, signal?: AbortSignal) =>
  ok(api.GET('/api/metrics/budgets/{budget_id}/pacing', { ...budgetPath(budgetId), signal }));

export const listAlertRules = (signal?: AbortSignal) => ok(api.GET('/api/metrics/alert-rules', { signal }));
export const createAlertRule = (body: AlertRuleIn) => ok(api.POST('/api/metrics/alert-rules', { body }));
export const updateAlertRule = (ruleId: string, body: AlertRulePatch) =>
  ok(api.PATCH('/api/metrics/alert-rules/{rule_id}', { ...rulePath(ruleId), body }));
export const deleteAlertRule = (ruleId: string) => ok(api.DELETE('/api/metrics/alert-rules/{rule_id}', rulePath(ruleId)));

export const RECENT_ALERTS = 20;
export const listAlerts = (signal?: AbortSignal) =>
  ok(api.GET('/api/metrics/alerts', { params: { query: { limit: RECENT_ALERTS } }, signal }));

// ---------------------------------------------------------------- the campaign (connectors service)

export type CampaignDetail = Schemas['CampaignDetail'];

export const getCampaign = (campaignId: string, signal?: AbortSignal) =>
  ok(api.GET('/api/connectors/campaigns/{campaign_id}', { params: { path: { campaign_id: campaignId } }, signal }));

// ---------------------------------------------------------------- query keys

export function dashboardKeys(orgId: string | null) {
  const root = metricsKeys(orgId).all;
  return {
    totals: (s: KpiSelection) => [...root, 'kpi', 'totals', s] as const,
    timeseries: (s: KpiSelection, bucket: Bucket) => [...root, 'kpi', 'timeseries', s, bucket] as const,
    top: (s: KpiSelection, by: RankBy, limit: number) => [...root, 'kpi', 'top', s, by, limit] as const,
    budgets: [...root, 'budgets'] as const,
    pacing: (budgetId: string) => [...root, 'budgets', budgetId, 'pacing'] as const,
    alertRules: [...root, 'alert-rules'] as const,
    alerts: [...root, 'alerts'] as const,
    /** Under the connectors' campaign prefix: `campaign.*` events refresh the header. */
    campaign: (campaignId: string) => [...connectorKeys(orgId).campaigns, 'detail', campaignId] as const,
  };
}

// ---------------------------------------------------------------- hooks

/** The active org's keys, and whether I may change budgets and rules there (member and up, as the server). */
export function useDashboardScope() {
  const { orgId, role } = useActiveOrg();
  return { orgId, keys: dashboardKeys(orgId), canEdit: roleRank(role) >= roleRank('member') };
}

export function useTotals(selection: KpiSelection) {
  const { orgId, keys } = useDashboardScope();
  return useQuery({
    queryKey: keys.totals(selection),
    queryFn: ({ signal }) => getTotals(selection, signal),
    enabled: orgId !== null,
    placeholderData: keepPreviousData,
  });
}

export function useTimeseries(selection: KpiSelection, bucket: Bucket) {
  const { orgId, keys } = useDashboardScope();
  return useQuery({
    queryKey: keys.timeseries(selection, bucket),
    queryFn: ({ signal }) => getTimeseries(selection, bucket, signal),
    enabled: orgId !== null,
    placeholderData: keepPreviousData,
  });
}

export function useTopCampaigns(selection: KpiSelection, by: RankBy, limit: number) {
  const { orgId, keys } = useDashboardScope();
  return useQuery({
    queryKey: keys.top(selection, by, limit),
    queryFn: ({ signal }) => getTopCampaigns(selection, by, limit, signal),
    enabled: orgId !== null,
    placeholderData: keepPreviousData,
  });
}

export function useCampaign(campaignId: string) {
  const { orgId, keys } = useDashboardScope();
  return useQuery({
    queryKey: keys.campaign(campaignId),
    queryFn: ({ signal }) => getCampaign(campaignId, signal),
    enabled: orgId !== null,
  });
}

export function useBudgets() {
  const { orgId, keys } = useDashboardScope();
  return useQuery({
    queryKey: keys.budgets,
    queryFn: ({ signal }) => listBudgets(signal),
    enabled: orgId !== null,
    select: (page) => page.items,
  });
}

export function usePacing(budgetId: string) {
  const { orgId, keys } = useDashboardScope();
  return useQuery({
    queryKey: keys.pacing(budgetId),
    queryFn: ({ signal }) => getPacing(budgetId, signal),
    enabled: orgId !== null,
  });
}

export function useAlertRules() {
  const { orgId, keys } = useDashboardScope();
  return useQuery({
    queryKey: keys.alertRules,
    queryFn: ({ signal }) => listAlertRules(signal),
    enabled: orgId !== null,
    select: (page) => page.items,
  });
}

export function useAlerts() {
  const { orgId, keys } = useDashboardScope();
  return useQuery({
    queryKey: keys.alerts,
    queryFn: ({ signal }) => listAlerts(signal),
    enabled: orgId !== null,
    select: (page) => page.items,
  });
}

/** A budget or rule change: refetch budgets (and pacing), rules and alerts (a deleted budget takes its rules). */
function useBudgetMutation<TVariables, TResult>(mutationFn: (variables: TVariables) => Promise<TResult>) {
  const client = useQueryClient();
  const { keys } = useDashboardScope();
  return useMutation({
    mutationFn,
    onSuccess: async () => {
      await Promise.all([
        client.invalidateQueries({ queryKey: keys.budgets }),
        client.invalidateQueries({ queryKey: keys.alertRules }),
      ]);
    },
  });
}

export const useCreateBudget = () => useBudgetMutation(createBudget);
export const useUpdateBudget = () =>
  useBudgetMutation(({ budgetId, amountMicros }: { budgetId: string; amountMicros: number }) =>
    updateBudget(budgetId, amountMicros),
  );
export const useCreateAlertRule = () => useBudgetMutation(createAlertRule);
export const useUpdateAlertRule = () =>
  useBudgetMutation(({ ruleId, patch }: { ruleId: string; patch: AlertRulePatch }) => updateAlertRule(ruleId, patch));
