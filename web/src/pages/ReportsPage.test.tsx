import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fileNameFromDisposition, lastFullDays, type Report } from '../api/metrics';
import { adAccount, API, LAYOUT, orgs } from '../test/connectors';
import { jsonResponse, mockApi, noContent, problemResponse } from '../test/http';
import { renderApp, signIn } from '../test/render';
import { METRICS, report, schedule } from '../test/reports';
import { REPORT_POLL_MS } from './ReportsPage';

const ACCOUNTS = [adAccount('a1', { name: 'Acme DE' }), adAccount('a2', { name: 'Acme US', platform: 'google' })];

function list(items: Report[]) {
  return jsonResponse({ items, next_cursor: null });
}

const createObjectURL = vi.fn((_: Blob) => 'blob:adpilot/report-1');
const revokeObjectURL = vi.fn();
let clicked: { href: string; download: string }[] = [];

beforeEach(() => {
  clicked = [];
  createObjectURL.mockClear();
  revokeObjectURL.mockClear();
  Object.assign(URL, { createObjectURL, revokeObjectURL });
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    clicked.push({ href: this.href, download: this.download });
  });
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('ReportsPage', () => {
  it('generates a report for the last 7 full days, follows it and downloads the file as a blob', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    let reports: Report[] = [];
    let polls = 0;
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('member'),
      [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
      [`GET ${METRICS}/report-schedules`]: () => jsonResponse({ items: [] }),
      [`GET ${METRICS}/reports`]: () => {
        if (reports.length > 0) {
          polls += 1;
          if (polls >= 2) reports = [report('r1', { title: 'Weekly DE', status: 'succeeded', filters: { account_id: 'a1' } })];
        }
        return list(reports);
      },
      [`POST ${METRICS}/reports`]: () => {
        reports = [report('r1', { title: 'Weekly DE', status: 'queued', filters: { account_id: 'a1' } })];
        return jsonResponse(reports[0], { status: 202 });
      },
      [`GET ${METRICS}/reports/r1/download`]: () =>
        new Response('day,clicks\n2026-11-18,10\n', {
          headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="weekly-de.csv"' },
        }),
    });
    signIn({ role: 'member' });
    renderApp('/reports');

    expect(await screen.findByText('No reports yet. Generate one above.')).toBeTruthy();
    expect(document.title).toBe('Reports · AdPilot');
    const { from, to } = lastFullDays(7);
    expect((screen.getByLabelText('From') as HTMLInputElement).value).toBe(from);
    expect((screen.getByLabelText('To') as HTMLInputElement).value).toBe(to);

    await user.selectOptions(screen.getByLabelText('Format'), 'csv');
    await user.selectOptions(screen.getByLabelText('Rows per'), 'week');
    await user.type(screen.getByLabelText('Title'), 'Weekly DE');
    await waitFor(() => expect(screen.getAllByRole('option', { name: 'Acme DE' }).length).toBeGreaterThan(0));
    await user.selectOptions(screen.getByLabelText('Ad account'), 'a1');
    await user.click(screen.getByRole('button', { name: 'Generate report' }));

    expect((await screen.findByTestId('report-queued')).textContent).toContain('Weekly DE');
    expect(callsTo('POST', `${METRICS}/reports`)[0]!.body).toEqual({
      format: 'csv',
      from,
      to,
      bucket: 'week',
      title: 'Weekly DE',
      filters: { account_id: 'a1' },
    });
    const row = await screen.findByTestId('report-row');
    expect(within(row).getByTestId('report-status').textContent).toBe('Queued');
    expect(row.textContent).toContain('Acme DE');
    expect(within(row).queryByRole('button', { name: /Download/ })).toBeNull();
    expect(screen.getByTestId('reports-progress').textContent).toBe('1 report in progress');

    // Polled while queued; the finished report gets a Download button and polling stops.
    await act(async () => {
      await vi.advanceTimersByTimeAsync(REPORT_POLL_MS);
    });
    await waitFor(() => expect(screen.getByTestId('report-status').textContent).toBe('Succeeded'));
    const pollsWhenDone = callsTo('GET', `${METRICS}/reports`).length;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(REPORT_POLL_MS * 3);
    });
    expect(callsTo('GET', `${METRICS}/reports`)).toHaveLength(pollsWhenDone);

    await user.click(screen.getByRole('button', { name: 'Download Weekly DE (CSV)' }));
    await waitFor(() => expect(clicked).toHaveLength(1));
    expect(clicked[0]).toEqual({ href: 'blob:adpilot/report-1', download: 'weekly-de.csv' });
    expect(createObjectURL).toHaveBeenCalledTimes(1);
    expect(createObjectURL.mock.calls[0]![0]).toMatchObject({ size: 25, type: 'text/csv' });
    const download = callsTo('GET', `${METRICS}/reports/r1/download`)[0]!;
    expect(download.headers.get('Authorization')).toMatch(/^Bearer /);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10_000);
    });
    expect(revokeObjectURL).toHaveBeenCalledWith('blob:adpilot/report-1');
  });

  it('falls back to the stored file name and shows a download problem', async () => {
    const user = userEvent.setup();
    let ready = false;
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('viewer'),
      [`GET ${API}/accounts`]: () => jsonResponse([]),
      [`GET ${METRICS}/report-schedules`]: () => jsonResponse({ items: [] }),
      [`GET ${METRICS}/reports`]: () =>
        list([
          // A download path off this service is ignored: the access token only goes to the metrics service.
          report('r1', { status: 'succeeded', file_name: 'acme-2026-11.pdf', format: 'pdf', download_path: 'https://evil.example.com/x' }),
        ]),
      [`GET ${METRICS}/reports/r1/download`]: () =>
        ready
          ? new Response(new Uint8Array([37, 80, 68, 70]), { headers: { 'Content-Type': 'application/pdf' } })
          : problemResponse({ title: 'Report not ready', status: 409, detail: 'The report is still running.' }),
    });
    signIn({ role: 'viewer' });
    renderApp('/reports');

    const button = await screen.findByRole('button', { name: 'Download Report r1 (PDF)' });
    // Viewers read and download, but cannot request or delete reports, nor schedule them.
    expect(screen.queryByRole('form', { name: 'New report' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Delete/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'New schedule' })).toBeNull();

    await user.click(button);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not download the report');
    expect(alert.textContent).toContain('Report not ready');
    expect(alert.textContent).toContain('The report is still running.');
    expect(clicked).toHaveLength(0);

    ready = true;
    await user.click(button);
    await waitFor(() => expect(clicked).toHaveLength(1));
    expect(clicked[0]!.download).toBe('acme-2026-11.pdf');
    expect(callsTo('GET', 'https://evil.example.com/x')).toHaveLength(0);
    expect(callsTo('GET', `${METRICS}/reports/r1/download`)).toHaveLength(2);
  });

  it('checks the date range and shows the problem the service answers', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/accounts`]: () => jsonResponse([]),
      [`GET ${METRICS}/report-schedules`]: () => jsonResponse({ items: [] }),
      [`GET ${METRICS}/reports`]: () => list([]),
      [`POST ${METRICS}/reports`]: () =>
        problemResponse({
          title: 'Date range too long',
          status: 422,
          detail: 'The range covers 800 days; at most 731 days may be queried.',
        }),
    });
    signIn();
    renderApp('/reports');

    const fromInput = await screen.findByLabelText('From');
    const toInput = screen.getByLabelText('To');
    await user.clear(fromInput);
    await user.type(fromInput, '2026-11-20');
    await user.clear(toInput);
    await user.type(toInput, '2026-11-10');
    await user.click(screen.getByRole('button', { name: 'Generate report' }));
    expect(await screen.findByText('The last day must not be before the first day.')).toBeTruthy();
    expect(toInput.getAttribute('aria-invalid')).toBe('true');
    expect(callsTo('POST', `${METRICS}/reports`)).toHaveLength(0);

    await user.clear(fromInput);
    await user.type(fromInput, '2024-09-01');
    await user.click(screen.getByRole('button', { name: 'Generate report' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not request the report');
    expect(alert.textContent).toContain('Date range too long');
    expect(alert.textContent).toContain('at most 731 days');
    expect(callsTo('POST', `${METRICS}/reports`)).toHaveLength(1);
  });

  it('deletes a report after confirming', async () => {
    const user = userEvent.setup();
    let reports = [report('r1', { status: 'failed', error: 'No data for this range.' }), report('r2', { status: 'succeeded' })];
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('member'),
      [`GET ${API}/accounts`]: () => jsonResponse([]),
      [`GET ${METRICS}/report-schedules`]: () => jsonResponse({ items: [] }),
      [`GET ${METRICS}/reports`]: () => list(reports),
      [`DELETE ${METRICS}/reports/r1`]: () => {
        reports = reports.filter((r) => r.id !== 'r1');
        return noContent();
      },
    });
    signIn({ role: 'member' });
    renderApp('/reports');

    await waitFor(() => expect(screen.getAllByTestId('report-row')).toHaveLength(2));
    const failed = screen.getAllByTestId('report-row')[0]!;
    expect(within(failed).getByTestId('report-status').textContent).toBe('Failed');
    expect(failed.textContent).toContain('No data for this range.');
    expect(within(failed).queryByRole('button', { name: /Download/ })).toBeNull();

    await user.click(within(failed).getByRole('button', { name: 'Delete Report r1' }));
    const confirm = screen.getByRole('group', { name: 'Confirm deleting Report r1' });
    await user.click(within(confirm).getByRole('button', { name: 'Yes, delete' }));
    await waitFor(() => expect(screen.getAllByTestId('report-row')).toHaveLength(1));
    expect(callsTo('DELETE', `${METRICS}/reports/r1`)).toHaveLength(1);
    // Members see schedules but only admins manage them.
    expect(screen.queryByRole('button', { name: 'New schedule' })).toBeNull();
  });

  it('shows an error when the reports cannot be loaded', async () => {
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/accounts`]: () => jsonResponse([]),
      [`GET ${METRICS}/report-schedules`]: () => jsonResponse({ items: [] }),
      [`GET ${METRICS}/reports`]: () =>
        problemResponse({ title: 'Forbidden', status: 403, detail: 'Your role cannot read reports here.' }),
    });
    signIn();
    renderApp('/reports');
    const alert = await screen.findByText('Could not load the reports');
    expect(alert.closest('[role="alert"]')!.textContent).toContain('Your role cannot read reports here.');
  });
});

describe('Report schedules', () => {
  it('validates a new schedule, then creates it (admin)', async () => {
    const user = userEvent.setup();
    let schedules = [schedule('s1', { title: 'Monday digest' })];
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('admin'),
      [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
      [`GET ${METRICS}/reports`]: () => list([]),
      [`GET ${METRICS}/report-schedules`]: () => jsonResponse({ items: schedules }),
      [`POST ${METRICS}/report-schedules`]: ({ body }) => {
        const created = schedule('s2', { ...(body as object), title: 'Daily DE' });
        schedules = [...schedules, created];
        return jsonResponse(created, { status: 201 });
      },
    });
    signIn({ role: 'admin' });
    renderApp('/reports');

    const card = await screen.findByTestId('schedules');
    const first = await within(card).findByTestId('schedule');
    expect(first.textContent).toContain('Monday digest');
    expect(first.textContent).toContain('Every Monday at 06:00 UTC');
    expect(first.textContent).toContain('ada@example.com');

    await user.click(within(card).getByRole('button', { name: 'New schedule' }));
    const form = within(card).getByRole('form', { name: 'New schedule' });
    // Nothing entered: recipients are required.
    await user.click(within(form).getByRole('button', { name: 'Create schedule' }));
    expect(await within(form).findByText('Enter at least one email address.')).toBeTruthy();

    const recipients = within(form).getByLabelText('Recipients');
    await user.type(recipients, 'ops@example.com, not-an-email');
    await user.click(within(form).getByRole('button', { name: 'Create schedule' }));
    expect(await within(form).findByText('Not an email address: not-an-email')).toBeTruthy();
    expect(recipients.getAttribute('aria-invalid')).toBe('true');
    expect(callsTo('POST', `${METRICS}/report-schedules`)).toHaveLength(0);

    // Weekly shows a weekday; daily hides it.
    expect(within(form).getByLabelText('Weekday')).toBeTruthy();
    await user.selectOptions(within(form).getByLabelText('Frequency'), 'daily');
    expect(within(form).queryByLabelText('Weekday')).toBeNull();
    await user.selectOptions(within(form).getByLabelText('Hour (UTC)'), '7');
    await user.selectOptions(within(form).getByLabelText('Format'), 'xlsx');
    await user.selectOptions(within(form).getByLabelText('Ad account'), 'a1');
    await user.type(within(form).getByLabelText('Title'), 'Daily DE');
    await user.clear(recipients);
    await user.type(recipients, 'ops@example.com\nada@example.com');
    await user.click(within(form).getByRole('button', { name: 'Create schedule' }));

    expect((await screen.findByTestId('schedule-created')).textContent).toContain('Daily DE');
    expect(callsTo('POST', `${METRICS}/report-schedules`)[0]!.body).toEqual({
      title: 'Daily DE',
      format: 'xlsx',
      frequency: 'daily',
      weekday: null,
      hour_utc: 7,
      filters: { account_id: 'a1' },
      recipients: ['ops@example.com', 'ada@example.com'],
    });
    await waitFor(() => expect(within(card).getAllByTestId('schedule')).toHaveLength(2));
    const created = within(card).getAllByTestId('schedule')[1]!;
    expect(created.textContent).toContain('Every day at 07:00 UTC');
    expect(created.textContent).toContain('Acme DE');
  });

  it('shows the problem when the service refuses a schedule, and deletes one', async () => {
    const user = userEvent.setup();
    let schedules = [schedule('s1', { title: 'Monday digest' })];
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('owner'),
      [`GET ${API}/accounts`]: () => jsonResponse([]),
      [`GET ${METRICS}/reports`]: () => list([]),
      [`GET ${METRICS}/report-schedules`]: () => jsonResponse({ items: schedules }),
      [`POST ${METRICS}/report-schedules`]: () =>
        problemResponse({
          title: 'Validation failed',
          status: 422,
          detail: 'The request has invalid fields.',
          errors: [{ loc: ['body', 'recipients', 0], msg: 'value is not a valid email address', type: 'value_error' }],
        }),
      [`DELETE ${METRICS}/report-schedules/s1`]: () => {
        schedules = [];
        return noContent();
      },
    });
    signIn({ role: 'owner' });
    renderApp('/reports');

    const card = await screen.findByTestId('schedules');
    await user.click(within(card).getByRole('button', { name: 'New schedule' }));
    const form = within(card).getByRole('form', { name: 'New schedule' });
    await user.type(within(form).getByLabelText('Recipients'), 'ops@example.co');
    await user.click(within(form).getByRole('button', { name: 'Create schedule' }));
    const alert = await within(form).findByRole('alert');
    expect(alert.textContent).toContain('Could not create the schedule');
    expect(alert.textContent).toContain('The request has invalid fields.');

    await user.click(within(card).getByRole('button', { name: 'Delete the schedule Monday digest' }));
    await user.click(within(card).getByRole('button', { name: 'Yes, delete' }));
    expect(await within(card).findByText('No scheduled reports yet.')).toBeTruthy();
    expect(callsTo('DELETE', `${METRICS}/report-schedules/s1`)).toHaveLength(1);
  });
});

describe('fileNameFromDisposition', () => {
  it('reads quoted, plain and RFC 5987 file names', () => {
    expect(fileNameFromDisposition('attachment; filename="acme.csv"')).toBe('acme.csv');
    expect(fileNameFromDisposition('attachment; filename=acme.xlsx')).toBe('acme.xlsx');
    expect(fileNameFromDisposition("attachment; filename=\"x.pdf\"; filename*=UTF-8''M%C3%BCller.pdf")).toBe('Müller.pdf');
    expect(fileNameFromDisposition('attachment')).toBeNull();
    expect(fileNameFromDisposition(null)).toBeNull();
  });

  it('computes the last 7 full days', () => {
    expect(lastFullDays(7, new Date(2026, 10, 25, 9, 30))).toEqual({ from: '2026-11-18', to: '2026-11-24' });
    expect(lastFullDays(7, new Date(2026, 0, 3, 0, 5))).toEqual({ from: '2025-12-27', to: '2026-01-02' });
  });
});
