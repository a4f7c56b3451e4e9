import './live.css';
import { useLiveEvents } from './useLiveEvents';

const LABELS = { live: 'Live', connecting: 'Connecting…', offline: 'Offline' } as const;

/** Keeps the live-events socket open and shows whether updates are arriving. */
export function LiveIndicator() {
  const status = useLiveEvents();
  return (
    <span className={`live-indicator live-${status}`} role="status" aria-live="polite" data-testid="live-status">
      <span className="live-dot" aria-hidden="true" />
      {LABELS[status]}
    </span>
  );
}
