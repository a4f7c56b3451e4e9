/**
 * Types and calls for the reports API of the metrics service (`/api/metrics/...`). The types are the
 * service's own schemas (`Schemas[...]`, generated from its OpenAPI), under the names the pages use.
 * Every call is scoped to the org of the access token.
 */
import { authSession } from '../auth/session';
import { ApiError, api, errorFromResponse, isAbortError } from './client';
import type { Schemas, WithDefaults } from './typed';

const BASE = '/api/metrics';

export type ReportFormat = Schemas['ReportOut']['format'];
export const REPORT_FORMATS: readonly ReportFormat[] = ['pdf', 'csv', 'xlsx'];
export const FORMAT_LABELS: Record<ReportFormat, string> = { pdf: 'PDF', csv: 'CSV', xlsx: 'Excel (XLSX)' };

export type Bucket = Schemas['ReportOut']['bucket'];
export const BUCKETS: readonly Bucket[] = ['day', 'week', 'month'];
export const BUCKET_LABELS: Record<Bucket, string> = { day: 'Daily', week: 'Weekly', month: 'Monthly' };

/** Narrow local type: the schema types a report's `status` as a string. */
export type ReportStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export type ReportFilters = Schemas['ReportFilters'];

/** `from`/`to`: YYYY-MM-DD, inclusive; bucket and title default in the service. */
export type ReportIn = WithDefaults<Schemas['ReportIn'], 'bucket' | 'title'>;

/**
 * `filters` as stored (string values only); `download_path` is set once the file is ready
 * ("/api/metrics/reports/<id>/download"). `status` narrowed (a string in the schema).
 */
export type Report = Omit<Schemas['ReportOut'], 'status'> & { status: ReportStatus };

export type ReportPage = Omit<Schemas['ReportList'], 'items'> & { items: Report[] };

export type Frequency = Schemas['ScheduleOut']['frequency'];

/** `weekday`: weekly only, 0 = Monday ... 6 = Sunday; title and hour default in the service. */
export type ScheduleIn = WithDefaults<Schemas['ScheduleIn'], 'title' | 'hour_utc'>;

export type Schedule = Schemas['ScheduleOut'];

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

export function isReportActive(status: string): boolean {
  return status === 'queued' || status === 'running';
}

// ---------------------------------------------------------------- calls

export const REPORT_PAGE_SIZE = 20;

export function listReports(cursor: string | null, signal?: AbortSignal) {
  const params = new URLSearchParams({ limit: String(REPORT_PAGE_SIZE) });
  if (cursor) params.set('cursor', cursor);
  return api.get<ReportPage>(`${BASE}/reports?${params.toString()}`, { signal });
}

export const createReport = (body: ReportIn) => api.post<Report>(`${BASE}/reports`, body);

export const getReport = (id: string, signal?: AbortSignal) =>
  api.get<Report>(`${BASE}/reports/${encodeURIComponent(id)}`, { signal });

export const deleteReport = (id: string) => api.delete(`${BASE}/reports/${encodeURIComponent(id)}`);

export const listSchedules = (signal?: AbortSignal) =>
  api.get<{ items: Schedule[] }>(`${BASE}/report-schedules`, { signal });

export const createSchedule = (body: ScheduleIn) => api.post<Schedule>(`${BASE}/report-schedules`, body);

export const deleteSchedule = (id: string) => api.delete(`${BASE}/report-schedules/${encodeURIComponent(id)}`);

// ---------------------------------------------------------------- downloads

/** The file name of a `Content-Disposition: attachment; filename="..."` (or RFC 5987 `filename*=`) header. */
export function fileNameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const extended = /filename\*\s*=\s*(?:[\w-]+)?'[^']*'([^;]+)/i.exec(header);
  if (extended?.[1]) {
    try {
      return decodeURIComponent(extended[1].trim().replace(/^"|"$/g, ''));
    } catch {
      // fall back to the plain parameter
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/i.exec(header);
  const name = (plain?.[1] ?? plain?.[2])?.trim();
  return name ? name : null;
}

async function fetchFile(path: string, token: string | null): Promise<Response> {
  const headers = new Headers({ Accept: '*/*' });
  if (token) headers.set('Authorization', `Bearer ${token}`);
  try {
    return await fetch(path, { method: 'GET', headers, credentials: 'same-origin' });
  } catch (err) {
    if (isAbortError(err)) throw err;
    throw new ApiError({ status: 0, title: 'Network error', detail: err instanceof Error ? err.message : String(err) });
  }
}

/**
 * Fetch a finished report with the access token (a plain link would not carry it) and hand it to the
 * browser as a download: Blob -> object URL -> a temporary `<a download>` clicked once.
 * Problems (409 not ready yet, 410 gone) are thrown as {@link ApiError}.
 */
export async function downloadReport(report: Pick<Report, 'id' | 'download_path' | 'file_name' | 'format'>): Promise<string> {
  // The access token goes only to this service's own download path, whatever the answer said.
  const fallback = `${BASE}/reports/${encodeURIComponent(report.id)}/download`;
  const given = report.download_path;
  const path = given && given.startsWith(`${BASE}/reports/`) && !given.includes('//') ? given : fallback;
  let token = await authSession.getAccessToken();
  let res = await fetchFile(path, token);
  if (res.status === 401 && token && /^\s*bearer\b/i.test(res.headers.get('WWW-Authenticate') ?? '')) {
    token = await authSession.handleUnauthorized(token);
    if (token) res = await fetchFile(path, token);
  }
  if (!res.ok) throw await errorFromResponse(res);
  const name =
    fileNameFromDisposition(res.headers.get('Content-Disposition')) ?? report.file_name ?? `report.${report.format}`;
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.appendChild(link);
  try {
    link.click();
  } finally {
    link.remove();
    // Give the browser a moment to start the download before the URL goes away.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return name;
}

// ---------------------------------------------------------------- dates

/** A local calendar day as YYYY-MM-DD. */
export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The last `days` full days before `now` (local calendar): yesterday back to `days` days ago, inclusive. */
export function lastFullDays(days: number, now: Date = new Date()): { from: string; to: string } {
  const y = now.getFullYear();
  const m = now.getMonth();
  const d = now.getDate();
  return { from: isoDay(new Date(y, m, d - days)), to: isoDay(new Date(y, m, d - 1)) };
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

// ---------------------------------------------------------------- query keys

export function metricsKeys(orgId: string | null) {
  const root = ['metrics', orgId ?? 'none'] as const;
  return {
    all: root,
    reports: [...root, 'reports'] as const,
    reportPage: (cursor: string | null) => [...root, 'reports', cursor ?? 'first'] as const,
    schedules: [...root, 'report-schedules'] as const,
  };
}
