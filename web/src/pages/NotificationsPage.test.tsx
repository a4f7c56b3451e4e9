import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Delivery, Destination, Preferences, Webhook } from '../api/notify';
import { DELIVERY_POLL_MS } from '../api/notifyQueries';
import { LAYOUT, orgs } from '../test/connectors';
import { jsonResponse, mockApi, noContent, problemResponse } from '../test/http';
import { delivery, destination, NOTIFY, preferences, webhook, webhookCreated } from '../test/notify';
import { renderApp, signIn } from '../test/render';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const SECRET = 'whsec_9hQmZ2x0Yb3L_secret-value';

/** GET /channels: the named channels configured, the other personal channels not. */
function channels(...available: string[]) {
  return {
    items: ['email', 'whatsapp', 'signal'].map((channel) => ({
      channel,
      available: available.includes(channel),
      missing_settings: available.includes(channel) ? [] : ['NOTIFY_X'],
    })),
  };
}

describe('NotificationsPage: destinations', () => {
  it('checks the address in the browser first', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('viewer'),
      [`GET ${NOTIFY}/destinations`]: () => jsonResponse({ items: [] }),
    });
    signIn({ role: 'viewer' });
    renderApp('/notifications');
    await user.click(await screen.findByLabelText('Email address'));
    await user.paste('not-an-address');
    await user.click(screen.getByRole('button', { name: 'Add destination' }));
    expect(await screen.findByText('Enter a valid email address.')).toBeTruthy();
    expect(screen.getByLabelText('Email address').getAttribute('aria-invalid')).toBe('true');
    expect(callsTo('POST', `${NOTIFY}/destinations`)).toHaveLength(0);
  });

  it('adds an email destination and refuses a wrong code', async () => {
    const user = userEvent.setup();
    let items: Destination[] = [];
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('viewer'),
      [`GET ${NOTIFY}/destinations`]: () => jsonResponse({ items }),
      [`POST ${NOTIFY}/destinations`]: () => {
        items = [destination('d1', { address: 'ada@example.com' })];
        return jsonResponse(items[0], { status: 201 });
      },
      [`POST ${NOTIFY}/destinations/d1/verify`]: (call) => {
        if ((call.body as { code: string }).code !== '123456') {
          return problemResponse({ title: 'Wrong code', status: 422, detail: 'The code does not match.', attempts_left: 4 });
        }
        items = [destination('d1', { address: 'ada@example.com', verified: true })];
        return jsonResponse(items[0]);
      },
    });
    signIn({ role: 'viewer' });
    renderApp('/notifications');

    expect(await screen.findByText('No destinations yet. Add one above.')).toBeTruthy();
    expect(document.title).toBe('Notifications · AdPilot');

    await user.click(screen.getByLabelText('Email address'));
    await user.paste('ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Add destination' }));
    expect((await screen.findByTestId('destination-notice')).textContent).toContain('We sent a code to ada@example.com');
    expect(callsTo('POST', `${NOTIFY}/destinations`)[0]!.body).toEqual({ channel: 'email', address: 'ada@example.com' });
    const row = await screen.findByTestId('destination');
    expect(within(row).getByTestId('destination-status').textContent).toBe('Not verified');

    // A wrong code: the problem and the attempts left are shown.
    await user.type(within(row).getByLabelText('Verification code for ada@example.com'), '000000');
    await user.click(within(row).getByRole('button', { name: 'Verify' }));
    const alert = await within(row).findByRole('alert');
    expect(alert.textContent).toContain('Wrong code');
    expect(alert.textContent).toContain('The code does not match.');
    expect(alert.textContent).toContain('4 attempts left.');
    expect(within(row).getByTestId('destination-status').textContent).toBe('Not verified');
  });

  it('sends a new code, then verifies the destination with it', async () => {
    const user = userEvent.setup();
    let items = [destination('d1', { address: 'ada@example.com' })];
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('viewer'),
      [`GET ${NOTIFY}/destinations`]: () => jsonResponse({ items }),
      [`POST ${NOTIFY}/destinations/d1/verify`]: () => {
        items = [destination('d1', { address: 'ada@example.com', verified: true })];
        return jsonResponse(items[0]);
      },
      [`POST ${NOTIFY}/destinations/d1/resend`]: () => jsonResponse(items[0], { status: 202 }),
    });
    signIn({ role: 'viewer' });
    renderApp('/notifications');

    const row = await screen.findByTestId('destination');
    await user.click(within(row).getByRole('button', { name: 'Resend code' }));
    expect(await within(row).findByText('A new code is on its way to ada@example.com.')).toBeTruthy();
    expect(callsTo('POST', `${NOTIFY}/destinations/d1/resend`)).toHaveLength(1);

    const code = within(row).getByLabelText('Verification code for ada@example.com');
    await user.clear(code);
    await user.type(code, '123456');
    await user.click(within(row).getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(screen.getByTestId('destination-status').textContent).toBe('Verified'));
    expect(screen.getByTestId('destination-notice').textContent).toBe('ada@example.com is verified.');
    expect(screen.queryByLabelText('Verification code for ada@example.com')).toBeNull();
    expect(callsTo('POST', `${NOTIFY}/destinations/d1/verify`).map((c) => c.body)).toEqual([{ code: '123456' }]);
  });

  it('asks for an international number for WhatsApp and shows the service problem', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${NOTIFY}/channels`]: () => jsonResponse(channels('email', 'whatsapp')),
      [`GET ${NOTIFY}/destinations`]: () => jsonResponse({ items: [] }),
      [`POST ${NOTIFY}/destinations`]: () =>
        problemResponse({ title: 'Channel not available', status: 422, detail: 'whatsapp is not configured on this server.' }),
    });
    signIn();
    renderApp('/notifications');

    await screen.findByRole('option', { name: 'WhatsApp' }); // offered once the server says it is configured
    await user.selectOptions(screen.getByLabelText('Channel'), 'whatsapp');
    await user.type(screen.getByLabelText('Phone number'), '0151 1234567');
    await user.click(screen.getByRole('button', { name: 'Add destination' }));
    expect(await screen.findByText('Enter the number in international form, e.g. +4915112345678.')).toBeTruthy();
    expect(callsTo('POST', `${NOTIFY}/destinations`)).toHaveLength(0);

    await user.clear(screen.getByLabelText('Phone number'));
    await user.type(screen.getByLabelText('Phone number'), '+49 151 1234567');
    await user.click(screen.getByRole('button', { name: 'Add destination' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not add the destination');
    expect(alert.textContent).toContain('whatsapp is not configured on this server.');
    expect(callsTo('POST', `${NOTIFY}/destinations`)[0]!.body).toEqual({ channel: 'whatsapp', address: '+49 151 1234567' });
  });

  it('offers only the channels this server is configured for, and a new channel starts without the old error', async () => {
    const user = userEvent.setup();
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${NOTIFY}/channels`]: () => jsonResponse(channels('email', 'signal')),
      [`GET ${NOTIFY}/destinations`]: () => jsonResponse({ items: [] }),
      [`POST ${NOTIFY}/destinations`]: () =>
        problemResponse({ title: 'Destination already exists', status: 409, detail: 'ada@example.com is already one of your destinations.' }),
    });
    signIn();
    renderApp('/notifications');

    const select = await screen.findByLabelText('Channel');
    await waitFor(() => expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual(['Email', 'Signal']));
    expect(screen.getByTestId('channels-not-configured').textContent).toBe('Not configured on this server: WhatsApp.');

    await user.type(screen.getByLabelText('Email address'), 'ada@example.com');
    await user.click(screen.getByRole('button', { name: 'Add destination' }));
    expect((await screen.findByRole('alert')).textContent).toContain('ada@example.com is already one of your destinations.');
    await user.selectOptions(select, 'signal');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByLabelText('Phone number or group id')).toBeTruthy();
  });

  it('removes a destination after confirming', async () => {
    const user = userEvent.setup();
    let items = [destination('d1', { verified: true })];
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('member'),
      [`GET ${NOTIFY}/destinations`]: () => jsonResponse({ items }),
      [`DELETE ${NOTIFY}/destinations/d1`]: () => {
        items = [];
        return noContent();
      },
    });
    signIn({ role: 'member' });
    renderApp('/notifications');

    expect((await screen.findByTestId('destination-status')).textContent).toBe('Verified');
    expect(screen.queryByLabelText(/^Verification code/)).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Remove d1@example.com' }));
    const confirm = screen.getByRole('group', { name: 'Confirm removing d1@example.com' });
    await user.click(within(confirm).getByRole('button', { name: 'Yes, remove' }));
    expect(await screen.findByText('No destinations yet. Add one above.')).toBeTruthy();
    expect(callsTo('DELETE', `${NOTIFY}/destinations/d1`)).toHaveLength(1);
  });

  it('shows the problem when the destinations cannot be loaded', async () => {
    mockApi({
      ...LAYOUT,
      ...orgs('viewer'),
      [`GET ${NOTIFY}/destinations`]: () =>
        problemResponse({ title: 'Forbidden', status: 403, detail: 'No access to notify here.' }),
    });
    signIn({ role: 'viewer' });
    renderApp('/notifications');
    const heading = await screen.findByText('Could not load your destinations');
    expect(heading.closest('[role="alert"]')!.textContent).toContain('No access to notify here.');
  });
});

describe('NotificationsPage: webhooks', () => {
  it('creates a webhook and shows its signing secret only once', async () => {
    const user = userEvent.setup();
    const writeText = vi.fn(async (_: string) => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    let items: Webhook[] = [];
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('admin'),
      [`GET ${NOTIFY}/destinations`]: () => jsonResponse({ items: [] }),
      [`GET ${NOTIFY}/webhooks`]: () => jsonResponse({ items }),
      [`POST ${NOTIFY}/webhooks`]: () => {
        items = [webhook('w1', { url: 'https://hooks.example.com/adpilot', event_types: ['alert.v1.triggered', 'report.v1.ready'] })];
        return jsonResponse(webhookCreated('w1', SECRET, items[0]), { status: 201 });
      },
    });
    signIn({ role: 'admin' });
    renderApp('/notifications?tab=webhooks');

    expect(await screen.findByText('No webhooks yet.')).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Webhooks' }).getAttribute('aria-selected')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'New webhook' }));
    await user.click(screen.getByRole('button', { name: 'Create webhook' }));
    expect(await screen.findByText('Enter the URL that receives the events.')).toBeTruthy();
    expect(screen.getByText('Choose at least one event.')).toBeTruthy();
    expect(callsTo('POST', `${NOTIFY}/webhooks`)).toHaveLength(0);

    await user.click(screen.getByLabelText('Endpoint URL'));
    await user.paste('https://hooks.example.com/adpilot');
    await user.type(screen.getByLabelText('Description'), 'CRM');
    const events = screen.getByRole('group', { name: 'Events' });
    await user.click(within(events).getByLabelText('Alert triggered'));
    await user.click(within(events).getByLabelText('Report ready'));
    await user.click(screen.getByRole('button', { name: 'Create webhook' }));

    const panel = await screen.findByTestId('webhook-secret');
    expect(within(panel).getByTestId('webhook-secret-value').textContent).toBe(SECRET);
    expect(panel.textContent).toContain('This secret is shown only now.');
    expect(callsTo('POST', `${NOTIFY}/webhooks`)[0]!.body).toEqual({
      url: 'https://hooks.example.com/adpilot',
      event_types: ['alert.v1.triggered', 'report.v1.ready'],
      description: 'CRM',
    });
    await user.click(within(panel).getByRole('button', { name: 'Copy secret' }));
    expect(writeText).toHaveBeenCalledWith(SECRET);
    expect(await within(panel).findByText('Copied to the clipboard.')).toBeTruthy();

    // The list (refetched after the create) never carries the secret; once dismissed it is gone.
    expect(await screen.findByTestId('webhook-row')).toBeTruthy();
    await user.click(within(panel).getByRole('button', { name: 'I have saved the secret' }));
    expect(screen.queryByTestId('webhook-secret')).toBeNull();
    expect(document.body.textContent).not.toContain(SECRET);
    expect(screen.getByTestId('webhook-row').textContent).toContain('Alert triggered, Report ready');
    await user.click(screen.getByRole('tab', { name: 'Destinations' }));
    await user.click(screen.getByRole('tab', { name: 'Webhooks' }));
    await screen.findByTestId('webhook-row');
    expect(document.body.textContent).not.toContain(SECRET);
  });

  it('sends a test event, disables, re-enables and deletes a webhook', async () => {
    const user = userEvent.setup();
    let items = [webhook('w1', { consecutive_failures: 2 })];
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('owner'),
      [`GET ${NOTIFY}/destinations`]: () => jsonResponse({ items: [] }),
      [`GET ${NOTIFY}/webhooks`]: () => jsonResponse({ items }),
      [`POST ${NOTIFY}/webhooks/w1/test`]: () => jsonResponse({ delivery_id: 'dl1' }, { status: 202 }),
      [`PATCH ${NOTIFY}/webhooks/w1`]: (call) => {
        const enabled = (call.body as { enabled: boolean }).enabled;
        items = [webhook('w1', { enabled, disabled_reason: enabled ? null : 'disabled by an administrator' })];
        return jsonResponse(items[0]);
      },
      [`DELETE ${NOTIFY}/webhooks/w1`]: () => {
        items = [];
        return noContent();
      },
    });
    signIn();
    renderApp('/notifications');

    await user.click(await screen.findByRole('tab', { name: 'Webhooks' }));
    const row = await screen.findByTestId('webhook-row');
    expect(row.textContent).toContain('2 failed deliveries in a row');
    await user.click(within(row).getByRole('button', { name: 'Send a test event to https://hooks.example.com/w1' }));
    expect((await screen.findByTestId('webhook-tested')).textContent).toContain('Follow it in the delivery log');
    expect(callsTo('POST', `${NOTIFY}/webhooks/w1/test`)).toHaveLength(1);

    await user.click(within(row).getByRole('button', { name: 'Disable https://hooks.example.com/w1' }));
    await waitFor(() => expect(screen.getByTestId('webhook-state').textContent).toBe('Disabled'));
    expect(screen.getByTestId('webhook-row').textContent).toContain('disabled by an administrator');
    expect(screen.getByRole('button', { name: /^Send a test event/ }).hasAttribute('disabled')).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Enable https://hooks.example.com/w1' }));
    await waitFor(() => expect(screen.getByTestId('webhook-state').textContent).toBe('Enabled'));
    expect(callsTo('PATCH', `${NOTIFY}/webhooks/w1`).map((c) => c.body)).toEqual([{ enabled: false }, { enabled: true }]);

    await user.click(screen.getByRole('button', { name: 'Delete https://hooks.example.com/w1' }));
    await user.click(screen.getByRole('button', { name: 'Yes, delete' }));
    expect(await screen.findByText('No webhooks yet.')).toBeTruthy();
  });
});

describe('NotificationsPage: delivery log', () => {
  it('lists deliveries, filters them, retries a failed one and polls until it is sent', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    let failed: Delivery = delivery('dl2', {
      status: 'failed',
      channel: 'webhook',
      destination: 'w1',
      event_type: 'alert.v1.triggered',
      attempts: 5,
      last_error: 'Service Unavailable',
      last_status_code: 503,
    });
    let polls = 0;
    const rows = () => [
      delivery('dl1'),
      failed,
      delivery('dl3', { status: 'failed', last_error: 'digest failed', digest_id: 'dg1', event_type: 'budget.v1.threshold_crossed' }),
    ];
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('member'),
      [`GET ${NOTIFY}/destinations`]: () => jsonResponse({ items: [] }),
      [`GET ${NOTIFY}/deliveries`]: (call) => {
        const status = new URL(call.url, 'http://x').searchParams.get('status');
        if (failed.status === 'queued') {
          polls += 1;
          if (polls >= 2) failed = { ...failed, status: 'succeeded', attempts: 1, last_error: null, last_status_code: null };
        }
        const items = rows().filter((d) => !status || d.status === status);
        return jsonResponse({ items, total: items.length });
      },
      [`GET ${NOTIFY}/deliveries/dl2`]: () =>
        jsonResponse({
          ...failed,
          attempt_log: [
            { attempted_at: '2026-11-25T10:00:01Z', outcome: 'failed', status_code: 503, error: 'Service Unavailable', duration_ms: 120 },
          ],
        }),
      [`POST ${NOTIFY}/deliveries/dl2/retry`]: () => {
        failed = { ...failed, status: 'queued', attempts: 0, last_error: null };
        return jsonResponse(failed, { status: 202 });
      },
    });
    signIn({ role: 'member' });
    renderApp('/notifications?tab=deliveries');

    await waitFor(() => expect(screen.getAllByTestId('delivery-row')).toHaveLength(3));
    expect(screen.getByTestId('delivery-log').textContent).toContain('Messages sent to you');
    const [sent, broken, digest] = screen.getAllByTestId('delivery-row');
    expect(within(sent!).getByTestId('delivery-status').textContent).toBe('Delivered');
    expect(sent!.textContent).toContain('Report ready');
    expect(within(broken!).getByTestId('delivery-status').textContent).toBe('Failed');
    expect(within(broken!).getByTestId('delivery-error').textContent).toBe('HTTP 503: Service Unavailable');
    expect(broken!.textContent).toContain('Webhook');
    // A digest entry is retried through its digest.
    expect(within(digest!).queryByRole('button', { name: /^Retry/ })).toBeNull();
    expect(within(sent!).queryByRole('button', { name: /^Retry/ })).toBeNull();

    await user.click(within(broken!).getByRole('button', { name: 'Show attempts of Alert triggered to w1' }));
    const attempts = await screen.findByRole('list', { name: 'Attempts of Alert triggered to w1' });
    expect(attempts.textContent).toContain('HTTP 503');
    expect(attempts.textContent).toContain('120 ms');

    await user.selectOptions(screen.getByLabelText('Status'), 'failed');
    await waitFor(() => expect(screen.getAllByTestId('delivery-row')).toHaveLength(2));
    const filtered = callsTo('GET', `${NOTIFY}/deliveries`).at(-1)!;
    expect(new URL(filtered.url, 'http://x').searchParams.get('status')).toBe('failed');
    await user.selectOptions(screen.getByLabelText('Status'), '');
    await waitFor(() => expect(screen.getAllByTestId('delivery-row')).toHaveLength(3));

    await user.click(screen.getByRole('button', { name: 'Retry Alert triggered to w1' }));
    await waitFor(() =>
      expect(screen.getAllByTestId('delivery-status').map((s) => s.textContent)).toEqual(['Delivered', 'Queued', 'Failed']),
    );
    expect(callsTo('POST', `${NOTIFY}/deliveries/dl2/retry`)).toHaveLength(1);
    expect(screen.getByTestId('deliveries-pending').textContent).toBe('1 delivery pending');

    // Polled while queued; stops once nothing is pending.
    await act(async () => {
      await vi.advanceTimersByTimeAsync(DELIVERY_POLL_MS * 2);
    });
    await waitFor(() =>
      expect(screen.getAllByTestId('delivery-status').map((s) => s.textContent)).toEqual(['Delivered', 'Delivered', 'Failed']),
    );
    const done = callsTo('GET', `${NOTIFY}/deliveries`).length;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(DELIVERY_POLL_MS * 3);
    });
    expect(callsTo('GET', `${NOTIFY}/deliveries`)).toHaveLength(done);
  });

  it('shows the problem when a retry is refused', async () => {
    const user = userEvent.setup();
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${NOTIFY}/destinations`]: () => jsonResponse({ items: [] }),
      [`GET ${NOTIFY}/webhooks`]: () => jsonResponse({ items: [webhook('w1')] }),
      [`GET ${NOTIFY}/deliveries`]: () =>
        jsonResponse({
          items: [
            delivery('dl1', { status: 'failed', last_error: 'boom' }),
            delivery('dl2', { channel: 'webhook', destination: 'w1', endpoint_id: 'w1', event_type: 'notify.v1.webhook_test' }),
          ],
          total: 2,
        }),
      [`POST ${NOTIFY}/deliveries/dl1/retry`]: () =>
        problemResponse({ title: 'Not failed', status: 409, detail: 'Only failed deliveries can be retried (this one is queued).' }),
    });
    signIn();
    renderApp('/notifications?tab=deliveries');
    expect((await screen.findByTestId('delivery-log')).textContent).toContain('Every message of this organisation');
    // Admins see the org's webhooks, so a webhook delivery names its endpoint's URL.
    await waitFor(() => expect(screen.getAllByTestId('delivery-row')[1]!.textContent).toContain('https://hooks.example.com/w1'));
    expect(screen.getAllByTestId('delivery-row')[1]!.textContent).toContain('Webhook test');
    await user.click(await screen.findByRole('button', { name: 'Retry Report ready to ada@example.com' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not retry the delivery');
    expect(alert.textContent).toContain('Only failed deliveries can be retried');
  });
});

describe('NotificationsPage: preferences', () => {
  it('saves the event × channel choices, quiet hours and the digest', async () => {
    const user = userEvent.setup();
    let saved: Preferences = preferences({ subscriptions: [{ event_type: 'report.v1.ready', channel: 'email' }] });
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('viewer'),
      [`GET ${NOTIFY}/destinations`]: () => jsonResponse({ items: [destination('d1', { verified: true })] }),
      [`GET ${NOTIFY}/preferences`]: () => jsonResponse(saved),
      [`PUT ${NOTIFY}/preferences`]: (call) => {
        const body = call.body as Preferences;
        saved = {
          ...saved,
          ...body,
          quiet_hours: body.quiet_hours
            ? { start: `${body.quiet_hours.start}:00`, end: `${body.quiet_hours.end}:00` }
            : null,
        };
        return jsonResponse(saved);
      },
    });
    signIn({ role: 'viewer' });
    renderApp('/notifications?tab=preferences');

    const reportByEmail = (await screen.findByLabelText('Report ready by Email')) as HTMLInputElement;
    expect(reportByEmail.checked).toBe(true);
    expect((screen.getByLabelText('Budget threshold crossed by WhatsApp') as HTMLInputElement).checked).toBe(false);
    expect(screen.queryByLabelText('Quiet from')).toBeNull();

    await user.click(screen.getByLabelText('Budget threshold crossed by Signal'));
    await user.click(screen.getByLabelText('Report ready by Email'));
    await user.click(screen.getByLabelText('Quiet hours'));
    const from = screen.getByLabelText('Quiet from');
    await user.clear(from);
    await user.type(from, '21:30');
    await user.clear(screen.getByLabelText('Time zone'));
    await user.paste('Europe/Berlin');
    await user.selectOptions(screen.getByLabelText('Digest'), 'daily');
    await user.click(screen.getByRole('button', { name: 'Save preferences' }));

    expect(await screen.findByTestId('preferences-saved')).toBeTruthy();
    expect(callsTo('PUT', `${NOTIFY}/preferences`)[0]!.body).toEqual({
      time_zone: 'Europe/Berlin',
      quiet_hours: { start: '21:30', end: '07:00' },
      digest: 'daily',
      locale: 'en',
      subscriptions: [{ event_type: 'budget.v1.threshold_crossed', channel: 'signal' }],
    });
    expect((screen.getByLabelText('Quiet from') as HTMLInputElement).value).toBe('21:30');
  });

  it('maps a refused time zone onto its field', async () => {
    const user = userEvent.setup();
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${NOTIFY}/destinations`]: () => jsonResponse({ items: [] }),
      [`GET ${NOTIFY}/preferences`]: () => jsonResponse(preferences()),
      [`PUT ${NOTIFY}/preferences`]: () =>
        problemResponse({
          title: 'Validation failed',
          status: 422,
          errors: [{ loc: ['body', 'time_zone'], msg: 'Value error, not an IANA time zone (e.g. Europe/Berlin)' }],
        }),
    });
    signIn();
    renderApp('/notifications?tab=preferences');
    const zone = await screen.findByLabelText('Time zone');
    await user.clear(zone);
    await user.paste('Mars/Olympus');
    await user.click(screen.getByRole('button', { name: 'Save preferences' }));
    expect(await screen.findByText('Value error, not an IANA time zone (e.g. Europe/Berlin)')).toBeTruthy();
    expect(zone.getAttribute('aria-invalid')).toBe('true');
    expect((await screen.findByRole('alert')).textContent).toContain('Validation failed');
  });
});

describe('NotificationsPage: roles', () => {
  it('hides webhooks from members and never asks for them', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('member'),
      [`GET ${NOTIFY}/destinations`]: () => jsonResponse({ items: [] }),
      [`GET ${NOTIFY}/deliveries`]: () => jsonResponse({ items: [], total: 0 }),
    });
    signIn({ role: 'member' });
    renderApp('/notifications?tab=webhooks');

    // The admin-only tab is not offered; its link falls back to the first tab.
    expect(await screen.findByText('No destinations yet. Add one above.')).toBeTruthy();
    expect(screen.getAllByRole('tab').map((t) => t.textContent)).toEqual(['Destinations', 'Preferences', 'Delivery log']);
    await user.click(screen.getByRole('tab', { name: 'Delivery log' }));
    expect(await screen.findByText('Nothing has been sent yet.')).toBeTruthy();
    expect(callsTo('GET', `${NOTIFY}/webhooks`)).toHaveLength(0);
    expect(screen.getByRole('link', { name: 'Notifications' })).toBeTruthy();
  });
});
