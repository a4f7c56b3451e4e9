import { useQuery } from '@tanstack/react-query';
import { getBudget } from '../../api/aiCopy';

function money(value: string | number): string {
  const n = Number(value);
  return Number.isFinite(n) ? `$${n.toFixed(2)}` : String(value);
}

/** This month's AI spend against the org's budget, shown small. */
export function BudgetUsage({ queryKey, enabled }: { queryKey: readonly unknown[]; enabled: boolean }) {
  const budget = useQuery({ queryKey, queryFn: ({ signal }) => getBudget(signal), enabled });
  if (budget.isPending) return null;
  if (budget.isError) {
    return (
      <p className="muted small budget-usage" data-testid="budget-usage">
        AI budget unavailable.
      </p>
    );
  }
  const { spent_usd, monthly_budget_usd } = budget.data;
  const max = Math.max(Number(monthly_budget_usd) || 0, 0);
  const spent = Math.max(Number(spent_usd) || 0, 0);
  const exhausted = max === 0 || spent >= max;
  return (
    <p className={`small budget-usage${exhausted ? ' budget-exhausted' : ''}`} data-testid="budget-usage">
      <span>
        AI budget this month: {money(spent_usd)} of {money(monthly_budget_usd)} used
        {exhausted ? ' (used up)' : ''}
      </span>
      <meter
        min={0}
        max={max || 1}
        value={Math.min(spent, max || 1)}
        high={(max || 1) * 0.8}
        optimum={0}
        aria-label="AI budget used this month"
      />
    </p>
  );
}
