import type { Report, Schedule } from '../api/metrics';

/** Shared fixtures of the Reports page tests. */
export const METRICS = '/api/metrics';

export function report(id: string, extra: Partial<Report> = {}): Report {
  const status = extra.status ?? 'queued';
  const done = status === 'succeeded';
  return {
    id,
    title: `Report ${id}`,
    format: 'csv',
    from: '2026-11-18',
    to: '2026-11-24',
    bucket: 'day',
    filters: {},
    status,
    error: null,
    requested_by: 'user-1',
    schedule_id: null,
    queued_at: '2026-11-25T10:00:00Z',
    finished_at: done ? '2026-11-25T10:00:05Z' : null,
    file_name: done ? `report-${id}.csv` : null,
    size_bytes: done ? 2048 : null,
    download_path: done ? `${METRICS}/reports/${id}/download` : null,
    ...extra,
  };
}

export function schedule(id: string, extra: Partial<Schedule> = {}): Schedule {
  return {
    id,
    title: `Schedule ${id}`,
    format: 'pdf',
    frequency: 'weekly',
    weekday: 0,
    hour_utc: 6,
    filters: {},
    recipients: ['ada@example.com'],
    created_by: 'user-1',
    created_at: '2026-11-20T08:00:00Z',
    ...extra,
  };
}
