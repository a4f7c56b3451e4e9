import { getStatus, type ServiceState, type ServiceStatus } from '../api/status';
import { ErrorBanner } from '../components/ErrorBanner';
import { createDataColumnHelper, DataTable, type DataColumnDef } from '../components/ui/DataTable';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { usePolling } from '../hooks/usePolling';

export const STATUS_POLL_MS = 5000;

const BADGE_CLASS: Record<string, string> = {
  ok: 'badge-ok',
  ready: 'badge-ok',
  not_ready: 'badge-warn',
  degraded: 'badge-warn',
  unreachable: 'badge-error',
  error: 'badge-error',
} satisfies Record<ServiceState, string> & Record<string, string>;

function StatusBadge({ status, testId }: { status: string; testId?: string }) {
  const cls = BADGE_CLASS[status] ?? 'badge-neutral';
  return (
    <span className={`badge ${cls}`} data-testid={testId}>
      {status}
    </span>
  );
}

function formatLatency(ms: number | undefined): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

function formatTime(date: Date): string {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function Checks({ checks }: { checks: ServiceStatus['checks'] }) {
  const entries = Object.entries(checks ?? {});
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="checks">
      {entries.map(([name, value]) => {
        const text = String(value);
        return (
          <li key={name} className={`check ${text === 'ok' ? 'check-ok' : 'check-fail'}`}>
            <span className="check-name">{name}</span>
            <span className="check-value">{text}</span>
          </li>
        );
      })}
    </ul>
  );
}

const helper = createDataColumnHelper<ServiceStatus>();

/** In the gateway's order (not sortable). Module scope: the columns never change. */
const serviceColumns: DataColumnDef<ServiceStatus>[] = helper.columns([
  helper.accessor('name', { id: 'service', header: 'Service', meta: { cellClassName: 'service-name' } }),
  helper.accessor('status', {
    id: 'status',
    header: 'Status',
    cell: ({ row }) => <StatusBadge status={row.original.status} testId={`status-${row.original.name}`} />,
  }),
  helper.display({ id: 'checks', header: 'Checks', cell: ({ row }) => <Checks checks={row.original.checks} /> }),
  helper.accessor('latency_ms', {
    id: 'latency',
    header: 'Latency',
    meta: { className: 'num' },
    cell: ({ row }) => formatLatency(row.original.latency_ms),
  }),
  helper.accessor('error', {
    id: 'details',
    header: 'Details',
    meta: { cellClassName: 'service-error' },
    cell: ({ row }) => row.original.error || <span className="muted">—</span>,
  }),
]);

const serviceName = (s: ServiceStatus) => s.name;
const serviceRowAttributes = (s: ServiceStatus) => ({ 'data-testid': `service-${s.name}` });

export function StatusPage() {
  useDocumentTitle('Status');
  const { data, error, lastUpdated, loading, refresh } = usePolling(getStatus, STATUS_POLL_MS);
  const services = data?.services ?? [];
  const readyCount = services.filter((s) => s.status === 'ready').length;

  return (
    <section className="page">
      <div className="page-header">
        <div>
          <h1>Status</h1>
          <p className="muted">Health of the gateway and backend services, refreshed every 5 s.</p>
        </div>
        <div className="page-actions">
          <span className="muted" data-testid="last-updated">
            {lastUpdated ? (
              <>
                Last updated{' '}
                <time dateTime={lastUpdated.toISOString()}>{formatTime(lastUpdated)}</time>
              </>
            ) : (
              'Not updated yet'
            )}
          </span>
          <button type="button" className="button" onClick={refresh}>
            Refresh
          </button>
        </div>
      </div>

      {error ? (
        <ErrorBanner heading="Could not load status" error={error}>
          {data ? <span className="banner-note">Showing the last known status below.</span> : null}
        </ErrorBanner>
      ) : null}

      {loading && !data ? <p className="muted">Loading status…</p> : null}

      {data ? (
        <>
          <div className="summary">
            <div className="card summary-card">
              <span className="summary-label">Gateway</span>
              <StatusBadge status={data.gateway} testId="status-gateway" />
            </div>
            <div className="card summary-card">
              <span className="summary-label">Services ready</span>
              <span className="summary-value">
                {readyCount} / {services.length}
              </span>
            </div>
          </div>

          <div className="card table-card">
            {services.length === 0 ? (
              <p className="muted empty">No services reported.</p>
            ) : (
              <DataTable
                columns={serviceColumns}
                data={services}
                getRowId={serviceName}
                className="table table-responsive"
                caption="Services"
                rowAttributes={serviceRowAttributes}
              />
            )}
          </div>
        </>
      ) : null}
    </section>
  );
}
