import { format, formatDistanceToNow, parseISO } from 'date-fns';
import { BellRing } from 'lucide-react';
import { alertKindLabel, useAlerts, type AlertFiring, type AlertRule } from '../../api/dashboards';
import { ErrorBanner } from '../../components/ErrorBanner';
import { EmptyState, LoadingState } from '../../components/States';
import { formatMicros } from '../../money';

const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** What a firing says: the CPA/CTR message, or the spend figures of a budget threshold crossing. */
export function describeFiring(firing: AlertFiring): string {
  const v = firing.values;
  const message = str(v.message);
  if (message) return message;
  const spend = num(v.spend_micros);
  const budget = num(v.budget_micros);
  const currency = str(v.currency);
  if (spend !== null && budget !== null) {
    const pct = str(v.threshold_pct) ?? String(v.threshold_pct ?? '');
    return `Spend of ${formatMicros(spend, currency)} crossed ${Number(pct)}% of the ${formatMicros(budget, currency)} budget`;
  }
  return 'Alert fired';
}

/** The org's latest alert firings, newest first (refetched live on `alert.*` and `budget.*` events). */
export function RecentAlerts({ rules }: { rules: AlertRule[] }) {
  const alerts = useAlerts();
  if (alerts.isPending) return <LoadingState label="Loading alerts…" />;
  if (alerts.isError && !alerts.data) return <ErrorBanner heading="Could not load the alerts" error={alerts.error} />;
  if (alerts.data.length === 0) return <EmptyState>No alerts have fired yet.</EmptyState>;
  const kindOf = new Map(rules.map((r) => [r.id, r.kind]));
  return (
    <ul className="m-0 flex list-none flex-col gap-3 p-0" data-testid="recent-alerts">
      {alerts.data.map((firing) => {
        const fired = parseISO(firing.fired_at);
        const kind = kindOf.get(firing.rule_id) ?? str(firing.values.kind) ?? (firing.budget_id ? 'spend_over_budget_pct' : '');
        return (
          <li key={firing.id} className="flex gap-3" data-testid="alert-row">
            <BellRing className="mt-0.5 size-4 shrink-0 text-warn-fg" aria-hidden="true" />
            <div>
              <p className="m-0 font-medium">{describeFiring(firing)}</p>
              <p className="m-0 text-xs text-muted">
                {kind ? `${alertKindLabel(kind)} · ` : ''}
                {firing.period_key} ·{' '}
                <time dateTime={firing.fired_at} title={format(fired, 'PPpp')}>
                  {formatDistanceToNow(fired, { addSuffix: true })}
                </time>
              </p>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
