import { Link } from 'react-router-dom';
import { useAlertRules, useBudgets, useDashboardScope, type AlertRule, type Budget } from '../api/dashboards';
import { ErrorBanner } from '../components/ErrorBanner';
import { LoadingState } from '../components/States';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '../components/ui/card';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { AlertRuleForm } from './budgets/AlertRuleForm';
import { AlertRuleList } from './budgets/AlertRuleList';
import { NewBudgetDialog } from './budgets/BudgetDialogs';
import { BudgetList } from './budgets/BudgetList';
import { RecentAlerts } from './budgets/RecentAlerts';
import { scopeLabel, useAccountIndex } from './budgets/scope';
import { useCampaignIndex } from './dashboard/campaignIndex';

/** Budgets with live pacing, the alert rules watching spend, CPA and CTR, and the alerts that fired. */
export function BudgetsPage() {
  useDocumentTitle('Budgets & alerts');
  const { canEdit } = useDashboardScope();
  const budgets = useBudgets();
  const rules = useAlertRules();
  const { byId } = useAccountIndex();
  const campaigns = useCampaignIndex();
  const budgetLabel = (b: Budget) => scopeLabel(b.account_id, b.campaign_id, byId, campaigns);
  const ruleScope = (r: AlertRule) => scopeLabel(r.account_id, r.campaign_id, byId, campaigns);
  const budgetList = budgets.data ?? [];
  const ruleList = rules.data ?? [];

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Budgets &amp; alerts</h1>
          <p className="muted">
            Spending caps with their pacing, and rules that alert on spend, cost per conversion or CTR. See the trend on
            the <Link to="/dashboard">Dashboard</Link>.
          </p>
        </div>
        {canEdit ? <NewBudgetDialog /> : null}
      </div>

      <Card>
        <CardHeader>
          <CardTitle>Budgets</CardTitle>
          <CardDescription>Spend of the current day or month (UTC) against each budget; the line marks an even pace.</CardDescription>
        </CardHeader>
        <CardContent>
          {budgets.isPending ? (
            <LoadingState label="Loading budgets…" />
          ) : budgets.isError && !budgets.data ? (
            <ErrorBanner heading="Could not load the budgets" error={budgets.error} />
          ) : (
            <BudgetList budgets={budgetList} labelOf={budgetLabel} canEdit={canEdit} />
          )}
        </CardContent>
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Alert rules</CardTitle>
            <CardDescription>Each rule fires at most once per period.</CardDescription>
          </CardHeader>
          <CardContent className="flex flex-col gap-5">
            {rules.isPending ? (
              <LoadingState label="Loading alert rules…" />
            ) : rules.isError && !rules.data ? (
              <ErrorBanner heading="Could not load the alert rules" error={rules.error} />
            ) : (
              <AlertRuleList
                rules={ruleList}
                scopeOf={(r) => (r.budget_id ? `${ruleScope(r)} budget` : ruleScope(r))}
                currencyOf={(r) => byId.get(r.account_id)?.currency}
                canEdit={canEdit}
              />
            )}
            {canEdit ? (
              <div className="flex flex-col gap-3 border-t border-border pt-4">
                <h3 className="text-sm font-semibold">New alert rule</h3>
                <AlertRuleForm budgets={budgetList} labelOf={budgetLabel} />
              </div>
            ) : null}
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Recent alerts</CardTitle>
            <CardDescription>The latest firings, newest first.</CardDescription>
          </CardHeader>
          <CardContent>
            <RecentAlerts rules={ruleList} />
          </CardContent>
        </Card>
      </div>
    </div>
  );
}
