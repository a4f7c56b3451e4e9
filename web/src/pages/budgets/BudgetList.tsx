import { useMutation } from '@tanstack/react-query';
import { deleteBudget, PERIOD_LABELS, usePacing, useDashboardScope, type Budget } from '../../api/dashboards';
import { useQueryClient } from '@tanstack/react-query';
import { ErrorBanner } from '../../components/ErrorBanner';
import { InlineConfirm } from '../../components/InlineConfirm';
import { EmptyState, LoadingState } from '../../components/States';
import { Badge } from '../../components/ui/badge';
import { cn } from '../../components/ui/cn';
import { formatMicros } from '../../money';
import { EditBudgetDialog } from './BudgetDialogs';

/** Spent more than this share of what the elapsed time allows: "ahead of pace". */
const AHEAD = 1.1;

function PacingBar({ budget, label }: { budget: Budget; label: string }) {
  const pacing = usePacing(budget.id);
  if (pacing.isPending) return <LoadingState label="Loading pacing…" />;
  if (pacing.isError) return <ErrorBanner heading="Could not load the pacing" error={pacing.error} />;
  const p = pacing.data;
  const spent = Number(p.spent_pct);
  const elapsed = Number(p.elapsed_pct);
  const over = spent >= 100;
  const ahead = !over && spent > elapsed * AHEAD && p.spend_micros > 0;
  const tone = over ? 'error' : ahead ? 'warn' : 'ok';
  return (
    <div className="flex flex-col gap-1" data-testid="budget-pacing">
      <div
        className="relative h-2.5 overflow-hidden rounded-full bg-neutral-bg"
        role="progressbar"
        aria-label={`Spent of ${label}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.min(spent, 100)}
        aria-valuetext={`${spent}% spent, ${elapsed}% of the period gone`}
      >
        <div
          className={cn('h-full rounded-full', over ? 'bg-error-fg' : ahead ? 'bg-warn-fg' : 'bg-accent')}
          style={{ width: `${Math.min(spent, 100)}%` }}
        />
        {/* Where spend would be if it were spread evenly over the period. */}
        <div className="absolute inset-y-0 w-0.5 bg-fg/60" style={{ left: `${Math.min(elapsed, 100)}%` }} aria-hidden="true" />
      </div>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted">
        <span data-testid="budget-spent">
          {formatMicros(p.spend_micros, p.currency)} of {formatMicros(p.budget_micros, p.currency)} ({spent}%)
        </span>
        <span>expected by now {formatMicros(p.expected_spend_micros, p.currency)}</span>
        {p.projected_spend_micros !== null ? (
          <span>projected {formatMicros(p.projected_spend_micros, p.currency)}</span>
        ) : null}
        <Badge tone={tone} data-testid="budget-pace">
          {over ? 'Over budget' : ahead ? 'Ahead of pace' : 'On pace'}
        </Badge>
      </div>
    </div>
  );
}

function DeleteBudget({ budget, label }: { budget: Budget; label: string }) {
  const client = useQueryClient();
  const { keys } = useDashboardScope();
  const mutation = useMutation<unknown, Error, void>({
    mutationFn: () => deleteBudget(budget.id),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: keys.budgets }),
        client.invalidateQueries({ queryKey: keys.alertRules }),
      ]),
  });
  return (
    <InlineConfirm
      mutation={mutation}
      trigger="Delete"
      triggerLabel={`Delete budget ${label}`}
      groupLabel={`Confirm deleting budget ${label}`}
      question="Delete this budget and its spend alerts?"
      confirm="Yes, delete"
      pending="Deleting…"
      errorHeading="Could not delete the budget"
    />
  );
}

/** Budgets with their pacing in the current period; members and up may edit and delete them. */
export function BudgetList({
  budgets,
  labelOf,
  canEdit,
}: {
  budgets: Budget[];
  labelOf: (budget: Budget) => string;
  canEdit: boolean;
}) {
  if (budgets.length === 0) return <EmptyState>No budgets yet.</EmptyState>;
  return (
    <ul className="m-0 flex list-none flex-col gap-4 p-0" data-testid="budgets">
      {budgets.map((budget) => {
        const label = labelOf(budget);
        return (
          <li key={budget.id} className="flex flex-col gap-2 border-b border-border pb-4 last:border-b-0 last:pb-0" data-testid="budget-row">
            <div className="flex flex-wrap items-start justify-between gap-2">
              <div>
                <p className="m-0 font-semibold" data-testid="budget-name">
                  {label}
                </p>
                <p className="m-0 text-sm text-muted">
                  {PERIOD_LABELS[budget.period]} · {formatMicros(budget.amount_micros, budget.currency)}
                </p>
              </div>
              {canEdit ? (
                <div className="flex items-start gap-2">
                  <EditBudgetDialog budget={budget} label={label} />
                  <DeleteBudget budget={budget} label={label} />
                </div>
              ) : null}
            </div>
            <PacingBar budget={budget} label={label} />
          </li>
        );
      })}
    </ul>
  );
}
