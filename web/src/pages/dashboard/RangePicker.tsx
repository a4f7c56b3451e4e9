import { RANGES, useDashboardStore } from '../../stores/dashboard';
import { Button } from '../../components/ui/button';

/** Last 7 / 30 / 90 days (kept for the session in the dashboard store). */
export function RangePicker() {
  const rangeDays = useDashboardStore((s) => s.rangeDays);
  const setRangeDays = useDashboardStore((s) => s.setRangeDays);
  return (
    <div className="inline-flex gap-1" role="group" aria-label="Date range">
      {RANGES.map((days) => (
        <Button
          key={days}
          size="sm"
          variant={days === rangeDays ? 'primary' : 'outline'}
          aria-pressed={days === rangeDays}
          onClick={() => setRangeDays(days)}
        >
          Last {days} days
        </Button>
      ))}
    </div>
  );
}
