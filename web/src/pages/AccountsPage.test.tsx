import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JOB_POLL_MS } from '../api/connectorQueries';
import type { AdAccount, Connection, PlatformInfo, SyncRun } from '../api/connectors';
import { formatDateTime } from '../format';
import { externalNavigation } from '../navigation';
import { jsonResponse, mockApi, noContent, problemResponse } from '../test/http';
import { adAccount as account, API, LAYOUT, orgs } from '../test/connectors';
import { renderApp, signIn } from '../test/render';

const PLATFORMS: PlatformInfo[] = [
  { platform: 'google', available: true, oauth: true, api_version: 'v21', missing_settings: [] },
  {
    platform: 'meta',
    available: false,
    oauth: true,
    api_version: 'v23.0',
    missing_settings: ['CONNECTORS_META__APP_ID', 'CONNECTORS_META__APP_SECRET'],
  },
  { platform: 'tiktok', available: false, oauth: true, api_version: 'v1.3', missing_settings: [] },
  { platform: 'sandbox', available: true, oauth: false, api_version: null, missing_settings: [] },
];

const EXPIRES = '2026-03-14T09:30:00Z';

function connection(id: string, extra: Partial<Connection> = {}): Connection {
  return {
    id,
    platform: 'google',
    label: `Login ${id}`,
    status: 'active',
    status_reason: null,
    health: 'ok',
    token_expires_at: null,
    accounts: 1,
    last_refreshed_at: null,
    paused_until: null,
    created_at: '2026-01-05T10:00:00Z',
    ...extra,
  };
}

function run(status: SyncRun['status'], extra: Partial<SyncRun> = {}): SyncRun {
  return {
    id: 'run-1',
    account_id: 'a1',
    trigger: 'manual',
    status,
    requested_by: 'user-1',
    queued_at: '2026-01-06T10:00:00Z',
    started_at: status === 'queued' ? null : '2026-01-06T10:00:01Z',
    finished_at: status === 'queued' || status === 'running' ? null : '2026-01-06T10:00:03Z',
    attempts: status === 'queued' ? 0 : 1,
    metrics_from: '2025-10-08',
    metrics_to: '2026-01-06',
    metric_rows: status === 'succeeded' ? 1_260 : 0,
    campaigns_created: status === 'succeeded' ? 8 : 0,
    campaigns_updated: 0,
    error: null,
    error_kind: null,
    ...extra,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('AccountsPage', () => {
  it('lists platforms, connections with token health and the ad accounts', async () => {
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/platforms`]: () => jsonResponse(PLATFORMS),
      [`GET ${API}/connections`]: () =>
        jsonResponse([
          connection('c1', { label: 'ads@acme.test' }),
          connection('c2', { label: 'old@acme.test', health: 'expires_soon', token_expires_at: EXPIRES }),
          connection('c3', {
            label: 'revoked@acme.test',
            platform: 'meta',
            health: 'reconnect_required',
            status: 'reconnect_required',
            status_reason: 'The token was revoked.',
          }),
        ]),
      [`GET ${API}/accounts`]: () =>
        jsonResponse([
          account('a1', {
            name: 'Acme DE',
            last_sync_status: 'succeeded',
            last_sync_at: new Date(Date.now() - 5 * 60_000).toISOString(),
            metrics_synced_through: '2026-01-05',
          }),
          account('a2', { name: 'Acme US', currency: 'USD', time_zone: 'America/New_York', sync_enabled: false }),
        ]),
    });
    signIn();
    renderApp('/accounts');

    expect(await screen.findByRole('heading', { name: 'Ad accounts', level: 1 })).toBeTruthy();
    expect(document.title).toBe('Ad accounts · AdPilot');
    expect(screen.getByRole('link', { name: 'Ad accounts' }).className).toContain('active');

    // Platforms: the sandbox first; unconfigured ones disabled with the reason.
    const sandbox = await screen.findByTestId('platform-sandbox');
    expect(within(sandbox).getByRole('button', { name: 'Connect sandbox' })).toHaveProperty('disabled', false);
    expect(screen.getByRole('button', { name: 'Connect Google Ads' })).toHaveProperty('disabled', false);
    const meta = screen.getByRole('button', { name: 'Connect Meta' });
    expect(meta).toHaveProperty('disabled', true);
    expect(meta.getAttribute('aria-describedby')).toBeTruthy();
    expect(document.getElementById(meta.getAttribute('aria-describedby')!)!.textContent).toBe(
      'Not configured on this server: set CONNECTORS_META__APP_ID, CONNECTORS_META__APP_SECRET.',
    );
    expect(screen.getAllByTestId(/^platform-/).map((el) => el.dataset.testid)).toEqual([
      'platform-sandbox',
      'platform-google',
      'platform-meta',
      'platform-tiktok',
    ]);

    // Connections: one badge per token health; reconnect offered where it is needed.
    const rows = await screen.findAllByTestId('connection-row');
    const badges = rows.map((row) => within(row).getByTestId('health-badge'));
    expect(badges.map((b) => b.dataset.health)).toEqual(['ok', 'expires_soon', 'reconnect_required']);
    expect(badges[0]!.textContent).toBe('Healthy');
    expect(badges[1]!.textContent).toBe(`Expires ${formatDateTime(EXPIRES)}`);
    expect(badges[1]!.className).toContain('badge-warn');
    expect(badges[2]!.textContent).toBe('Reconnect required');
    expect(badges[2]!.className).toContain('badge-error');
    expect(rows[2]!.textContent).toContain('The token was revoked.');
    expect(within(rows[0]!).queryByRole('button', { name: /Reconnect/ })).toBeNull();
    expect(within(rows[2]!).getByRole('button', { name: 'Reconnect revoked@acme.test' })).toBeTruthy();

    // Accounts: platform, name, currency, time zone, last sync, schedule switch.
    const accounts = await screen.findAllByTestId('account-row');
    expect(accounts).toHaveLength(2);
    expect(accounts[0]!.textContent).toContain('Sandbox');
    expect(accounts[0]!.textContent).toContain('Acme DE');
    expect(accounts[0]!.textContent).toContain('EUR');
    expect(accounts[0]!.textContent).toContain('Europe/Berlin');
    expect(accounts[0]!.textContent).toContain('5 minutes ago');
    expect(accounts[0]!.textContent).toContain('Metrics through 2026-01-05');
    expect(within(accounts[0]!).getByTestId('last-sync-status').textContent).toBe('Succeeded');
    expect(accounts[1]!.textContent).toContain('Never');
    expect(screen.getByRole('switch', { name: 'Scheduled sync of Acme DE' })).toHaveProperty('checked', true);
    expect(screen.getByRole('switch', { name: 'Scheduled sync of Acme US' })).toHaveProperty('checked', false);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('connects the sandbox and shows its accounts', async () => {
    const user = userEvent.setup();
    let connections: Connection[] = [];
    let accounts: AdAccount[] = [];
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/platforms`]: () => jsonResponse(PLATFORMS),
      [`GET ${API}/connections`]: () => jsonResponse(connections),
      [`GET ${API}/accounts`]: () => jsonResponse(accounts),
      [`POST ${API}/connections/sandbox`]: () => {
        connections = [connection('c-sandbox', { platform: 'sandbox', label: 'Sandbox', accounts: 2 })];
        accounts = [account('a1', { name: 'Nordlicht DE' }), account('a2', { name: 'Nordlicht US' })];
        return jsonResponse(connections[0], { status: 201 });
      },
    });
    signIn();
    renderApp('/accounts');

    expect(await screen.findByText(/No ad platform is linked yet/)).toBeTruthy();
    expect(screen.getByText('No ad accounts yet: link a platform login first.')).toBeTruthy();
    await user.click(await screen.findByRole('button', { name: 'Connect sandbox' }));

    await waitFor(() => expect(screen.getAllByTestId('account-row')).toHaveLength(2));
    expect(callsTo('POST', `${API}/connections/sandbox`)).toHaveLength(1);
    expect(screen.getByTestId('connection-row').textContent).toContain('Sandbox');
    // Only one sandbox per org.
    const button = screen.getByRole('button', { name: 'Connect sandbox' });
    expect(button).toHaveProperty('disabled', true);
    expect(document.getElementById(button.getAttribute('aria-describedby')!)!.textContent).toBe('Already connected.');
  });

  it('shows why connecting the sandbox failed', async () => {
    const user = userEvent.setup();
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/platforms`]: () => jsonResponse(PLATFORMS),
      [`GET ${API}/connections`]: () => jsonResponse([]),
      [`GET ${API}/accounts`]: () => jsonResponse([]),
      [`POST ${API}/connections/sandbox`]: () =>
        problemResponse({ title: 'Conflict', status: 409, detail: 'The sandbox is already connected.' }),
    });
    signIn();
    renderApp('/accounts');

    await user.click(await screen.findByRole('button', { name: 'Connect sandbox' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not connect Sandbox');
    expect(alert.textContent).toContain('The sandbox is already connected.');
  });

  it('sends the browser to the consent screen to connect or reconnect an OAuth platform', async () => {
    const user = userEvent.setup();
    const assign = vi.spyOn(externalNavigation, 'assign').mockImplementation(() => {});
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/platforms`]: () => jsonResponse(PLATFORMS),
      [`GET ${API}/connections`]: () =>
        jsonResponse([connection('c3', { label: 'revoked@acme.test', health: 'reconnect_required' })]),
      [`GET ${API}/accounts`]: () => jsonResponse([]),
      [`POST ${API}/connections/google/authorize`]: () =>
        jsonResponse({ authorization_url: 'https://accounts.example/o/oauth2/auth?state=s1' }),
    });
    signIn();
    renderApp('/accounts');

    await user.click(await screen.findByRole('button', { name: 'Connect Google Ads' }));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('https://accounts.example/o/oauth2/auth?state=s1'));

    await user.click(screen.getByRole('button', { name: 'Reconnect revoked@acme.test' }));
    await waitFor(() => expect(assign).toHaveBeenCalledTimes(2));
    expect(callsTo('POST', `${API}/connections/google/authorize`)).toHaveLength(2);
  });

  it('shows the outcome of the OAuth round trip and lets it be dismissed', async () => {
    const user = userEvent.setup();
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/platforms`]: () => jsonResponse(PLATFORMS),
      [`GET ${API}/connections`]: () => jsonResponse([connection('c1', { label: 'ads@acme.test' })]),
      [`GET ${API}/accounts`]: () => jsonResponse([]),
    });
    signIn();
    renderApp('/accounts?linked=c1');

    const notice = await screen.findByTestId('link-success');
    await waitFor(() => expect(notice.textContent).toContain('Linked ads@acme.test (Google Ads).'));
    await user.click(within(notice).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('link-success')).toBeNull();
  });

  it('explains a failed OAuth round trip', async () => {
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/platforms`]: () => jsonResponse(PLATFORMS),
      [`GET ${API}/connections`]: () => jsonResponse([]),
      [`GET ${API}/accounts`]: () => jsonResponse([]),
    });
    signIn();
    renderApp('/accounts?link_error=access_denied');

    const alert = await screen.findByTestId('link-error');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('Could not link the ad platform');
    expect(alert.textContent).toContain('Access was not granted on the platform');
  });

  it('disconnects a login after confirmation', async () => {
    const user = userEvent.setup();
    let connections = [connection('c1', { label: 'ads@acme.test', accounts: 3 })];
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/platforms`]: () => jsonResponse(PLATFORMS),
      [`GET ${API}/connections`]: () => jsonResponse(connections),
      [`GET ${API}/accounts`]: () => jsonResponse([]),
      [`DELETE ${API}/connections/c1`]: () => {
        connections = [];
        return noContent();
      },
    });
    signIn();
    renderApp('/accounts');

    await user.click(await screen.findByRole('button', { name: 'Disconnect ads@acme.test' }));
    const confirm = screen.getByRole('group', { name: 'Confirm disconnecting ads@acme.test' });
    expect(confirm.textContent).toContain('Its ad accounts stop syncing.');
    expect(callsTo('DELETE', `${API}/connections/c1`)).toHaveLength(0);
    await user.click(within(confirm).getByRole('button', { name: 'Yes, disconnect' }));
    expect(await screen.findByText(/No ad platform is linked yet/)).toBeTruthy();
    expect(callsTo('DELETE', `${API}/connections/c1`)).toHaveLength(1);
  });

  it('syncs an account now, following the run until it finishes', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    let polls = 0;
    let accounts = [account('a1', { name: 'Acme DE' })];
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/platforms`]: () => jsonResponse(PLATFORMS),
      [`GET ${API}/connections`]: () => jsonResponse([]),
      [`GET ${API}/accounts`]: () => jsonResponse(accounts),
      [`POST ${API}/accounts/a1/sync`]: () => jsonResponse(run('queued'), { status: 202 }),
      [`GET ${API}/sync-runs/run-1`]: () => {
        polls += 1;
        if (polls < 2) return jsonResponse(run('running'));
        accounts = [account('a1', { name: 'Acme DE', last_sync_status: 'succeeded', last_sync_at: new Date().toISOString() })];
        return jsonResponse(run('succeeded'));
      },
    });
    signIn();
    renderApp('/accounts');

    await user.click(await screen.findByRole('button', { name: 'Sync Acme DE now' }));
    expect((await screen.findByTestId('sync-progress')).textContent).toMatch(/Queued|Running/);
    expect(screen.getByRole('button', { name: 'Sync Acme DE now' })).toHaveProperty('disabled', true);
    await waitFor(() => expect(screen.getByTestId('sync-progress').textContent).toBe('Running'));

    await act(async () => {
      await vi.advanceTimersByTimeAsync(JOB_POLL_MS);
    });
    const result = await screen.findByTestId('sync-result');
    expect(result.dataset.status).toBe('succeeded');
    expect(result.textContent).toContain('1,260 rows');
    expect(callsTo('POST', `${API}/accounts/a1/sync`)).toHaveLength(1);
    expect(polls).toBe(2);
    // The account row is refreshed with the outcome, and polling stops.
    await waitFor(() => expect(screen.getByTestId('last-sync-status').textContent).toBe('Succeeded'));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(JOB_POLL_MS * 3);
    });
    expect(polls).toBe(2);
    expect(screen.getByRole('button', { name: 'Sync Acme DE now' })).toHaveProperty('disabled', false);
  });

  it('follows a sync the schedule started, and shows a quota pause', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let polls = 0;
    const active = {
      id: 'run-9',
      status: 'running' as const,
      trigger: 'schedule',
      queued_at: '2026-01-06T10:00:00Z',
      started_at: null,
      metric_rows: 0,
    };
    const paused = new Date(Date.now() + 2 * 3_600_000).toISOString();
    let accounts = [
      account('a1', {
        name: 'Acme DE',
        active_run: active,
        connection: { ...account('a1').connection, paused_until: paused },
      }),
    ];
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/platforms`]: () => jsonResponse(PLATFORMS),
      [`GET ${API}/connections`]: () => jsonResponse([connection('c-sandbox', { paused_until: paused })]),
      [`GET ${API}/accounts`]: () => jsonResponse(accounts),
      [`GET ${API}/sync-runs/run-9`]: () => {
        polls += 1;
        if (polls < 2) return jsonResponse(run('running', { id: 'run-9', trigger: 'schedule', metric_rows: 420 }));
        accounts = [account('a1', { name: 'Acme DE', last_sync_status: 'failed' })];
        return jsonResponse(
          run('failed', { id: 'run-9', trigger: 'schedule', error: 'Quota exhausted.', error_kind: 'rate_limited' }),
        );
      },
    });
    signIn();
    renderApp('/accounts');

    const progress = await screen.findByTestId('sync-progress');
    await waitFor(() => expect(progress.textContent).toBe('Running 420 rows so far'));
    expect(screen.getByRole('button', { name: 'Sync Acme DE now' })).toHaveProperty('disabled', true);
    expect(screen.getByTestId('account-row').textContent).toContain('Quota used up; resumes in 2 hours');
    expect(screen.getByTestId('quota-paused').textContent).toBe('Platform quota used up; syncs resume in 2 hours');

    await act(async () => {
      await vi.advanceTimersByTimeAsync(JOB_POLL_MS);
    });
    const result = await screen.findByTestId('sync-result');
    expect(result.dataset.status).toBe('failed');
    expect(result.textContent).toContain('Quota exhausted.');
    await waitFor(() => expect(screen.getByTestId('last-sync-status').textContent).toBe('Failed'));
  });

  it('turns the scheduled sync off and shows the sync history', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/platforms`]: () => jsonResponse(PLATFORMS),
      [`GET ${API}/connections`]: () => jsonResponse([]),
      [`GET ${API}/accounts`]: () => jsonResponse([account('a1', { name: 'Acme DE' })]),
      [`PATCH ${API}/accounts/a1`]: ({ body }) =>
        jsonResponse(account('a1', { name: 'Acme DE', sync_enabled: (body as { sync_enabled: boolean }).sync_enabled })),
      [`GET ${API}/accounts/a1/sync-runs`]: () =>
        jsonResponse([
          run('failed', {
            id: 'run-2',
            trigger: 'schedule',
            error: 'The platform asked us to slow down.',
            error_kind: 'rate_limited',
          }),
          run('succeeded'),
        ]),
    });
    signIn();
    renderApp('/accounts');

    const toggle = await screen.findByRole('switch', { name: 'Scheduled sync of Acme DE' });
    await user.click(toggle);
    await waitFor(() => expect(toggle).toHaveProperty('checked', false));
    expect(callsTo('PATCH', `${API}/accounts/a1`)[0]!.body).toEqual({ sync_enabled: false });

    const history = screen.getByRole('button', { name: 'Sync history of Acme DE' });
    expect(history.getAttribute('aria-expanded')).toBe('false');
    await user.click(history);
    expect(history.getAttribute('aria-expanded')).toBe('true');
    const runs = await screen.findAllByTestId('sync-run');
    expect(runs.map((r) => r.dataset.status)).toEqual(['failed', 'succeeded']);
    expect(runs[0]!.textContent).toContain('schedule');
    expect(runs[0]!.textContent).toContain('rate_limited');
    expect(runs[0]!.textContent).toContain('The platform asked us to slow down.');
    expect(runs[1]!.textContent).toContain('1,260');
    expect(runs[1]!.textContent).toContain('8 new, 0 updated');
    expect(runs[1]!.textContent).toContain('2.0 s');
    // The history is the region the button controls, in a full-width row under the account.
    const region = screen.getByRole('region', { name: 'Sync history of Acme DE' });
    expect(region.id).toBe(history.getAttribute('aria-controls'));
    expect(region.closest('td')!.getAttribute('colspan')).toBe('7');
    expect(screen.getByRole('table', { name: 'Sync history of Acme DE' }).getAttribute('data-testid')).toBe('sync-history');

    // Changing the account (new list data) keeps the history open; the button closes it.
    await user.click(toggle);
    await waitFor(() => expect(toggle).toHaveProperty('checked', true));
    expect(history.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getAllByTestId('sync-run')).toHaveLength(2);
    await user.click(history);
    expect(history.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByRole('region', { name: 'Sync history of Acme DE' })).toBeNull();
  });

  it('shows the problem when the accounts cannot be loaded', async () => {
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/platforms`]: () => jsonResponse(PLATFORMS),
      [`GET ${API}/connections`]: () => jsonResponse([]),
      [`GET ${API}/accounts`]: () =>
        problemResponse({ title: 'Forbidden', status: 403, detail: 'This organisation cannot see ad accounts.' }),
    });
    signIn();
    renderApp('/accounts');

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load the ad accounts');
    expect(alert.textContent).toContain('This organisation cannot see ad accounts.');
  });

  it('lets a viewer look but not change anything', async () => {
    mockApi({
      ...LAYOUT,
      ...orgs('viewer'),
      [`GET ${API}/platforms`]: () => jsonResponse(PLATFORMS),
      [`GET ${API}/connections`]: () => jsonResponse([connection('c1', { label: 'ads@acme.test' })]),
      [`GET ${API}/accounts`]: () => jsonResponse([account('a1', { name: 'Acme DE' })]),
    });
    signIn({ role: 'viewer' });
    renderApp('/accounts');

    expect(await screen.findByTestId('account-row')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Sync Acme DE now' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Disconnect ads@acme.test' })).toBeNull();
    expect(screen.getByRole('switch', { name: 'Scheduled sync of Acme DE' })).toHaveProperty('disabled', true);
    await waitFor(() => expect(screen.getByRole('button', { name: 'Connect sandbox' })).toHaveProperty('disabled', true));
  });
});
