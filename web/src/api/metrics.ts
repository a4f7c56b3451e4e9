/**
 * Types and calls for the reports API of the metrics service (`/api/metrics/...`), mirroring
 * services/metrics/src/adpilot_metrics/reports/schemas.py. Every call is scoped to the org of the access token.
 */
import { authSession } from '../auth/session';
import { ApiError, api, errorFromResponse, isAbortError } from './client';
import type { PlatformName } from './connectors';

const BASE = '/api/metrics';

export type ReportFormat = 'pdf' | 'csv' | 'xlsx';
export const REPORT_FORMATS: readonly ReportFormat[] = ['pdf', 'csv', 'xlsx'];
export const FORMAT_LABELS: Record<ReportFormat, string> = { pdf: 'PDF', csv: 'CSV', xlsx: 'Excel (XLSX)' };

export type Bucket = 'day' | 'week' | 'month';
export const BUCKETS: readonly Bucket[] = ['day', 'week', 'month'];
export const BUCKET_LABELS: Record<Bucket, string> = { day: 'Daily', week: 'Weekly', month: 'Monthly' };

export type ReportStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface ReportFilters {
  account_id?: string;
  platform?: PlatformName;
}

export interface ReportIn {
  format: ReportFormat;
  /** YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
  bucket?: Bucket;
  title?: string;
  filters?: ReportFilters;
}

export interface Report {
  id: string;
  title: string;
  format: ReportFormat;
  from: string;
  to: string;
  bucket: Bucket;
  /** As stored: string values only. */
  filters: Record<string, string>;
  status: ReportStatus;
  error: string | null;
  requested_by: string | null;
  schedule_id: string | null;
  queued_at: string;
  finished_at: string | null;
  file_name: string | null;
  size_bytes: number | null;
  /** Set once the file is ready ("/api/metrics/reports/<id>/download"). */
  download_path: string | null;
}

export interface ReportPage {
  items: Report[];
  next_cursor: string | null;
}

export type Frequency = 'daily' | 'weekly';

export interface ScheduleIn {
  title?: string;
  format: ReportFormat;
  frequency: Frequency;
  /** Weekly only: 0 = Monday ... 6 = Sunday. */
  weekday?: number | null;
  hour_utc: number;
  filters?: ReportFilters;
  recipients: string[];
}

export interface Schedule {
  id: string;
  title: string;
  format: ReportFormat;
  frequency: Frequency;
  weekday: number | null;
  hour_utc: number;
  filters: Record<string, string>;
  recipients: string[];
  created_by: string;
  created_at: string;
}

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
