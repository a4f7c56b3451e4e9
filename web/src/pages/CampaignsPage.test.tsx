import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JOB_POLL_MS } from '../api/connectorQueries';
import type { AdAccount, Campaign, WriteJob } from '../api/connectors';
import { jsonResponse, mockApi, problemResponse, type RecordedCall } from '../test/http';
import { adAccount, API, LAYOUT, orgs } from '../test/connectors';
import { renderApp, signIn } from '../test/render';
import { CAMPAIGN_PAGE_SIZE, planStatusJobs } from './CampaignsPage';

function account(id: string, name: string, currency: string, platform: AdAccount['platform'] = 'sandbox'): AdAccount {
  return adAccount(id, { name, currency, platform, last_sync_status: 'succeeded' });
}

const ACCOUNTS = [account('a1', 'Acme DE', 'EUR'), account('a2', 'Acme US', 'USD', 'google')];

function campaign(id: string, extra: Partial<Campaign> = {}): Campaign {
  const account = ACCOUNTS.find((a) => a.id === (extra.account_id ?? 'a1'))!;
  return {
    id,
    account_id: account.id,
    account_name: account.name,
    platform: account.platform,
    external_account_id: account.external_id,
    external_id: `x-${id}`,
    name: `Campaign ${id}`,
    status: 'ENABLED',
    objective: 'SALES',
    daily_budget_micros: 50_000_000,
    currency: account.currency,
    first_seen_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

function params(call: RecordedCall): Record<string, string> {
  return Object.fromEntries(new URL(call.url, 'http://x').searchParams);
}

function job(id: string, accountId: string, total: number, extra: Partial<WriteJob> = {}): WriteJob {
  return {
    id,
    account_id: accountId,
    platform: 'sandbox',
    status: 'queued',
    validate_only: false,
    created_by: 'user-1',
    progress: { total, succeeded: 0, failed: 0, pending: total },
    queued_at: '2026-01-06T10:00:00Z',
    started_at: null,
    finished_at: null,
    next_attempt_at: null,
    error: null,
    items: [],
    ...extra,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CampaignsPage', () => {
  it('shows campaigns with budgets in the account currency', async () => {
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
      [`GET ${API}/campaigns`]: () =>
        jsonResponse({
          items: [
            campaign('c1', { name: 'DE | Search | Brand', daily_budget_micros: 120_500_000 }),
            campaign('c2', {
              name: 'US | PMax',
              account_id: 'a2',
              platform: 'google',
              status: 'PAUSED',
              daily_budget_micros: 1_234_000_000,
              objective: 'APP_PROMOTION',
            }),
            campaign('c3', { name: 'JP | Video', daily_budget_micros: 2_500_000_000, currency: 'JPY', status: 'REMOVED' }),
            campaign('c4', { name: 'No budget', daily_budget_micros: null }),
          ],
          total: 4,
        }),
    });
    signIn();
    renderApp('/campaigns');

    await waitFor(() => expect(screen.getAllByTestId('campaign-row')).toHaveLength(4));
    expect(document.title).toBe('Campaigns · AdPilot');
    const [brand, pmax, video, none] = screen.getAllByTestId('campaign-row');
    expect(brand!.textContent).toContain('Acme DE');
    expect(within(brand!).getByTestId('budget').textContent).toBe('€120.50');
    expect(within(pmax!).getByTestId('budget').textContent).toBe('$1,234.00');
    expect(within(video!).getByTestId('budget').textContent).toBe('¥2,500');
    expect(within(none!).getByTestId('budget').textContent).toBe('—');
    expect(pmax!.textContent).toContain('Acme US');
    expect(pmax!.textContent).toContain('Google Ads');
    expect(pmax!.textContent).toContain('app promotion');
    expect(within(pmax!).getByTestId('campaign-status').textContent).toBe('PAUSED');
    // Removed campaigns cannot be changed.
    expect(within(video!).getByRole('checkbox')).toHaveProperty('disabled', true);
    expect(within(video!).queryByRole('button', { name: /Edit the daily budget/ })).toBeNull();
    expect(screen.getByTestId('campaign-range').textContent).toBe('1–4 of 4');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('names each row checkbox with the account, so same-named campaigns stay apart', async () => {
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
      [`GET ${API}/campaigns`]: () =>
        jsonResponse({
          items: [campaign('c1', { name: 'Brand' }), campaign('c2', { name: 'Brand', account_id: 'a2' })],
          total: 2,
        }),
    });
    signIn();
    renderApp('/campaigns');

    const [de, us] = await screen.findAllByTestId('campaign-row');
    expect(within(de!).getByRole('checkbox').getAttribute('aria-label')).toBe('Select Brand in Acme DE');
    expect(within(us!).getByRole('checkbox').getAttribute('aria-label')).toBe('Select Brand in Acme US');
  });

  it('sends the sort order and the page to the API', async () => {
    const user = userEvent.setup();
    const page = Array.from({ length: CAMPAIGN_PAGE_SIZE }, (_, i) => campaign(`c${i}`));
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
      [`GET ${API}/campaigns`]: () => jsonResponse({ items: page, total: 120 }),
    });
    signIn();
    renderApp('/campaigns');

    await waitFor(() => expect(screen.getAllByTestId('campaign-row')).toHaveLength(CAMPAIGN_PAGE_SIZE));
    const last = () => params(callsTo('GET', `${API}/campaigns`).at(-1)!);
    expect(last()).toEqual({ sort: 'name', limit: '50', offset: '0' });
    expect(screen.getByTestId('campaign-range').textContent).toBe('1–50 of 120');

    // Sorting: by name ascending first; activating the header again flips it.
    const nameHeader = screen.getByRole('columnheader', { name: /Name/ });
    expect(nameHeader.getAttribute('aria-sort')).toBe('ascending');
    await user.click(within(nameHeader).getByRole('button'));
    await waitFor(() => expect(last().sort).toBe('-name'));
    expect(screen.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe('descending');
    await user.click(within(screen.getByRole('columnheader', { name: /Daily budget/ })).getByRole('button'));
    await waitFor(() => expect(last().sort).toBe('daily_budget_micros'));
    await user.click(within(screen.getByRole('columnheader', { name: /Daily budget/ })).getByRole('button'));
    await waitFor(() => expect(last().sort).toBe('-daily_budget_micros'));
    await user.click(within(screen.getByRole('columnheader', { name: /Status/ })).getByRole('button'));
    await waitFor(() => expect(last().sort).toBe('status'));

    // Pagination.
    await user.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(last()).toEqual({ sort: 'status', limit: '50', offset: '50' }));
    expect(screen.getByTestId('campaign-range').textContent).toBe('51–100 of 120');
    await user.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(last().offset).toBe('100'));
  });

  it('keeps the server order and a selection across pages; select-all covers this page only', async () => {
    const user = userEvent.setup();
    const pages: Record<string, Campaign[]> = {
      '0': [campaign('c1', { name: 'Zulu' }), campaign('c2', { name: 'Alpha' })],
      '50': [campaign('c3', { name: 'Mike' }), campaign('c4', { name: 'Bravo', status: 'REMOVED' })],
    };
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
      [`GET ${API}/campaigns`]: (call) =>
        jsonResponse({ items: pages[params(call).offset ?? '0'] ?? [], total: CAMPAIGN_PAGE_SIZE + 2 }),
    });
    signIn();
    renderApp('/campaigns');

    await waitFor(() => expect(screen.getAllByTestId('campaign-row')).toHaveLength(2));
    // The rows stay in the order the server sent them (it sorts; the table does not re-sort a page).
    expect(screen.getAllByTestId('campaign-name').map((a) => a.textContent)).toEqual(['Zulu', 'Alpha']);
    await user.click(screen.getByRole('checkbox', { name: 'Select all campaigns on this page' }));
    expect(screen.getByTestId('selection-count').textContent).toBe('2 campaigns selected');
    expect(screen.getAllByTestId('campaign-row').map((tr) => tr.className)).toEqual(['row-selected', 'row-selected']);

    await user.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(screen.getAllByTestId('campaign-name').map((a) => a.textContent)).toEqual(['Mike', 'Bravo']));
    const all = screen.getByRole('checkbox', { name: 'Select all campaigns on this page' }) as HTMLInputElement;
    expect(all.checked).toBe(false);
    expect(all.indeterminate).toBe(false);
    await user.click(all);
    // The removed campaign is left out.
    expect(screen.getByTestId('selection-count').textContent).toBe('3 campaigns selected');
    expect(all.checked).toBe(true);
    expect(screen.getByRole('checkbox', { name: 'Select Bravo in Acme DE' })).toHaveProperty('checked', false);
    await user.click(all);
    expect(screen.getByTestId('selection-count').textContent).toBe('2 campaigns selected');

    // Sorting from the keyboard: focus the header button and press Enter.
    within(screen.getByRole('columnheader', { name: /Status/ })).getByRole('button').focus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(params(callsTo('GET', `${API}/campaigns`).at(-1)!).sort).toBe('status'));
    expect(screen.getByRole('columnheader', { name: /Status/ }).getAttribute('aria-sort')).toBe('ascending');
    expect(screen.getByRole('columnheader', { name: /Account/ }).hasAttribute('aria-sort')).toBe(false);
  });

  it('sends the filters to the API, back on the first page', async () => {
    const user = userEvent.setup();
    const page = Array.from({ length: CAMPAIGN_PAGE_SIZE }, (_, i) => campaign(`c${i}`));
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
      [`GET ${API}/campaigns`]: () => jsonResponse({ items: page, total: 120 }),
    });
    signIn();
    renderApp('/campaigns?sort=status&offset=100');

    await waitFor(() => expect(screen.getAllByTestId('campaign-row')).toHaveLength(CAMPAIGN_PAGE_SIZE));
    const last = () => params(callsTo('GET', `${API}/campaigns`).at(-1)!);
    expect(last()).toEqual({ sort: 'status', limit: '50', offset: '100' });
    await user.selectOptions(screen.getByLabelText('Account'), 'Acme US (Google Ads)');
    await waitFor(() => expect(last()).toEqual({ account_id: 'a2', sort: 'status', limit: '50', offset: '0' }));
    await user.selectOptions(screen.getByLabelText('Platform'), 'google');
    await user.selectOptions(screen.getByLabelText('Status'), 'PAUSED');
    await user.type(screen.getByLabelText('Search'), 'brand{Enter}');
    await waitFor(() =>
      expect(last()).toEqual({
        account_id: 'a2',
        platform: 'google',
        status: 'PAUSED',
        q: 'brand',
        sort: 'status',
        limit: '50',
        offset: '0',
      }),
    );

    // Clearing comes back to the unfiltered first page (already cached, so no new request is needed).
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(screen.getByLabelText('Account')).toHaveProperty('value', '');
    expect(screen.getByLabelText('Platform')).toHaveProperty('value', '');
    expect(screen.getByLabelText('Status')).toHaveProperty('value', '');
    expect(screen.getByLabelText('Search')).toHaveProperty('value', '');
    expect(screen.queryByRole('button', { name: 'Clear filters' })).toBeNull();
    expect(screen.getByTestId('campaign-range').textContent).toBe('1–50 of 120');
  });

  it('plans one status job per account, skipping campaigns already there', () => {
    const plans = planStatusJobs(
      [
        campaign('c1'),
        campaign('c2', { account_id: 'a2' }),
        campaign('c3', { status: 'PAUSED' }),
        campaign('c4', { status: 'REMOVED' }),
        campaign('c5'),
      ],
      'PAUSED',
    );
    expect(plans.map((p) => [p.account_id, p.operations])).toEqual([
      [
        'a1',
        [
          { op: 'set_status', level: 'campaign', external_id: 'x-c1', status: 'PAUSED' },
          { op: 'set_status', level: 'campaign', external_id: 'x-c5', status: 'PAUSED' },
        ],
      ],
      ['a2', [{ op: 'set_status', level: 'campaign', external_id: 'x-c2', status: 'PAUSED' }]],
    ]);
    expect(planStatusJobs([campaign('c3', { status: 'PAUSED' })], 'PAUSED')).toEqual([]);
  });

  it('pauses the selection with one job per account and follows the jobs to the end', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    let rows = [
      campaign('c1', { name: 'DE Brand' }),
      campaign('c2', { name: 'DE Generic' }),
      campaign('c3', { name: 'US Brand', account_id: 'a2', platform: 'google' }),
      campaign('c4', { name: 'DE Old', status: 'PAUSED' }),
    ];
    let j1Polls = 0;
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
      [`GET ${API}/campaigns`]: () => jsonResponse({ items: rows, total: rows.length }),
      [`POST ${API}/accounts/a1/write-jobs`]: () => jsonResponse(job('j1', 'a1', 2), { status: 202 }),
      [`POST ${API}/accounts/a2/write-jobs`]: () => jsonResponse(job('j2', 'a2', 1), { status: 202 }),
      [`GET ${API}/write-jobs/j1`]: () => {
        j1Polls += 1;
        if (j1Polls < 2) {
          const progress = { total: 2, succeeded: 1, failed: 0, pending: 1 };
          return jsonResponse(job('j1', 'a1', 2, { status: 'running', progress }));
        }
        rows = rows.map((r) => (r.id === 'c1' ? { ...r, status: 'PAUSED' } : r));
        return jsonResponse(
          job('j1', 'a1', 2, {
            status: 'partially_failed',
            progress: { total: 2, succeeded: 1, failed: 1, pending: 0 },
            items: [
              {
                position: 0,
                op: 'set_status',
                operation: { op: 'set_status', level: 'campaign', external_id: 'x-c1', status: 'PAUSED' },
                status: 'succeeded',
                external_id: 'x-c1',
                error: null,
                error_kind: null,
                attempts: 1,
              },
              {
                position: 1,
                op: 'set_status',
                operation: { op: 'set_status', level: 'campaign', external_id: 'x-c2', status: 'PAUSED' },
                status: 'failed',
                external_id: null,
                error: 'Campaign is locked by an experiment.',
                error_kind: 'invalid_request',
                attempts: 1,
              },
            ],
          }),
        );
      },
      [`GET ${API}/write-jobs/j2`]: () =>
        jsonResponse(job('j2', 'a2', 1, { status: 'succeeded', progress: { total: 1, succeeded: 1, failed: 0, pending: 0 } })),
    });
    signIn();
    renderApp('/campaigns');

    await waitFor(() => expect(screen.getAllByTestId('campaign-row')).toHaveLength(4));
    expect(screen.getByRole('button', { name: 'Pause' })).toHaveProperty('disabled', true);
    await user.click(screen.getByRole('checkbox', { name: 'Select all campaigns on this page' }));
    expect(screen.getByTestId('selection-count').textContent).toBe('4 campaigns selected');
    await user.click(screen.getByRole('checkbox', { name: 'Select DE Old in Acme DE' }));
    expect(screen.getByTestId('selection-count').textContent).toBe('3 campaigns selected');
    expect(
      (screen.getByRole('checkbox', { name: 'Select all campaigns on this page' }) as HTMLInputElement).indeterminate,
    ).toBe(true);
    // Nothing selected is paused, so there is nothing to enable.
    expect(screen.getByRole('button', { name: 'Enable' })).toHaveProperty('disabled', true);

    await user.click(screen.getByRole('button', { name: 'Pause' }));
    await waitFor(() => expect(screen.getAllByTestId('write-job')).toHaveLength(2));
    expect(callsTo('POST', `${API}/accounts/a1/write-jobs`).map((c) => c.body)).toEqual([
      {
        validate_only: false,
        operations: [
          { op: 'set_status', level: 'campaign', external_id: 'x-c1', status: 'PAUSED' },
          { op: 'set_status', level: 'campaign', external_id: 'x-c2', status: 'PAUSED' },
        ],
      },
    ]);
    expect(callsTo('POST', `${API}/accounts/a2/write-jobs`).map((c) => c.body)).toEqual([
      { validate_only: false, operations: [{ op: 'set_status', level: 'campaign', external_id: 'x-c3', status: 'PAUSED' }] },
    ]);
    expect(screen.getByTestId('selection-count').textContent).toBe('Select campaigns to pause or enable them.');

    const [first, second] = screen.getAllByTestId('write-job');
    expect(first!.textContent).toContain('Pause 2 campaigns in Acme DE');
    expect(second!.textContent).toContain('Pause 1 campaign in Acme US');
    await waitFor(() => expect(within(first!).getByTestId('write-job-progress').textContent).toBe('1 of 2 done, 1 pending'));

    await act(async () => {
      await vi.advanceTimersByTimeAsync(JOB_POLL_MS);
    });
    await waitFor(() => expect(first!.dataset.status).toBe('partially_failed'));
    expect(within(first!).getByTestId('write-job-progress').textContent).toBe('2 of 2 done, 1 failed');
    const failures = within(first!).getAllByTestId('write-job-failure');
    expect(failures.map((f) => f.textContent)).toEqual(['DE Generic: Campaign is locked by an experiment. invalid_request']);
    expect(second!.dataset.status).toBe('succeeded');

    // The list is refetched when a job ends: the paused campaign shows it.
    const row = () => screen.getAllByTestId('campaign-row').find((r) => r.textContent?.includes('DE Brand'))!;
    await waitFor(() => expect(within(row()).getByTestId('campaign-status').textContent).toBe('PAUSED'));

    await user.click(within(first!).getByRole('button', { name: 'Dismiss: Pause 2 campaigns in Acme DE' }));
    expect(screen.getAllByTestId('write-job')).toHaveLength(1);
  });

  it('edits a budget in major units and writes it in micros', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
      [`GET ${API}/campaigns`]: () =>
        jsonResponse({ items: [campaign('c1', { name: 'DE Brand', daily_budget_micros: 45_500_000 })], total: 1 }),
      [`POST ${API}/accounts/a1/write-jobs`]: () => jsonResponse(job('j1', 'a1', 1), { status: 202 }),
      [`GET ${API}/write-jobs/j1`]: () =>
        jsonResponse(job('j1', 'a1', 1, { status: 'succeeded', progress: { total: 1, succeeded: 1, failed: 0, pending: 0 } })),
    });
    signIn();
    renderApp('/campaigns');

    await user.click(await screen.findByRole('button', { name: 'Edit the daily budget of DE Brand' }));
    const input = await screen.findByLabelText('Daily budget of DE Brand in EUR');
    await waitFor(() => expect(input).toHaveProperty('value', '45.5'));
    expect(document.activeElement).toBe(input);

    await user.clear(input);
    await user.type(input, '12.345');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByText(/at most 2 decimals/)).textContent).toBe(
      'Enter an amount like 25 or 1,000.50 (at most 2 decimals).',
    );
    expect(input.getAttribute('aria-invalid')).toBe('true');
    await user.clear(input);
    await user.type(input, '0');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('The budget must be more than zero.')).toBeTruthy();
    expect(callsTo('POST', `${API}/accounts/a1/write-jobs`)).toHaveLength(0);

    // A thousands separator as the locale writes it (en in the tests) is understood.
    await user.clear(input);
    await user.type(input, '1,000.50');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(callsTo('POST', `${API}/accounts/a1/write-jobs`)).toHaveLength(1));
    expect(callsTo('POST', `${API}/accounts/a1/write-jobs`)[0]!.body).toEqual({
      validate_only: false,
      operations: [{ op: 'set_budget', campaign_id: 'x-c1', daily_budget_micros: 1_000_500_000 }],
    });
    const tracked = await screen.findByTestId('write-job');
    expect(tracked.textContent).toContain('Set the daily budget of DE Brand to €1,000.50');
    await waitFor(() => expect(tracked.dataset.status).toBe('succeeded'));
    expect(screen.queryByLabelText('Daily budget of DE Brand in EUR')).toBeNull();
  });

  it('shows the problem when a write job is refused', async () => {
    const user = userEvent.setup();
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
      [`GET ${API}/campaigns`]: () => jsonResponse({ items: [campaign('c1', { name: 'DE Brand' })], total: 1 }),
      [`POST ${API}/accounts/a1/write-jobs`]: () =>
        problemResponse({ title: 'Conflict', status: 409, detail: 'The connection needs to be reconnected.' }),
    });
    signIn();
    renderApp('/campaigns');

    await user.click(await screen.findByRole('checkbox', { name: 'Select DE Brand in Acme DE' }));
    await user.click(screen.getByRole('button', { name: 'Pause' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not start every change');
    expect(alert.textContent).toContain('The connection needs to be reconnected.');
    expect(screen.getByTestId('selection-count').textContent).toBe('1 campaign selected'); // kept to retry
  });

  it('shows the problem when the campaigns cannot be loaded', async () => {
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
      [`GET ${API}/campaigns`]: () =>
        problemResponse({ title: 'Bad Request', status: 400, detail: 'Unknown sort key "budget".' }),
    });
    signIn();
    renderApp('/campaigns');

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load the campaigns');
    expect(alert.textContent).toContain('Unknown sort key "budget".');
  });

  it('points to the ad accounts when there are no campaigns yet', async () => {
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/accounts`]: () => jsonResponse([]),
      [`GET ${API}/campaigns`]: () => jsonResponse({ items: [], total: 0 }),
    });
    signIn();
    renderApp('/campaigns');

    const empty = await screen.findByText(/No campaigns yet/);
    expect(within(empty).getByRole('link', { name: 'Ad accounts' }).getAttribute('href')).toBe('/accounts');
  });

  it('lets a viewer read but not select or edit', async () => {
    mockApi({
      ...LAYOUT,
      ...orgs('viewer'),
      [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
      [`GET ${API}/campaigns`]: () => jsonResponse({ items: [campaign('c1', { name: 'DE Brand' })], total: 1 }),
    });
    signIn({ role: 'viewer' });
    renderApp('/campaigns');

    expect(await screen.findByTestId('campaign-row')).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('toolbar', { name: 'Bulk actions' })).toBeNull());
    expect(screen.queryByRole('checkbox')).toBeNull();
    expect(screen.queryByRole('button', { name: /Edit the daily budget/ })).toBeNull();
  });
});
