import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AlertRule, Budget } from '../api/dashboards';
import { formatMicros } from '../money';
import { adAccount, API, LAYOUT, orgs } from '../test/connectors';
import { jsonResponse, mockApi, noContent, problemResponse, type RecordedCall } from '../test/http';
import { budget, campaign, campaignPage, firing, METRICS, pacing, rule } from '../test/metrics';
import { pushLiveEvent, stubLiveSocket } from '../test/metricsLive';
import { renderApp, signIn } from '../test/render';

const ACCOUNTS = [adAccount('a1', { name: 'Acme DE' }), adAccount('a2', { name: 'Acme JP', currency: 'JPY' })];

function routes(
  state: { budgets: Budget[]; rules: AlertRule[]; alerts?: ReturnType<typeof firing>[] },
  role = 'member',
) {
  return {
    ...LAYOUT,
    ...orgs(role),
    [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
    [`GET ${API}/campaigns`]: () => campaignPage([campaign('c1', { external_id: 'cmp-1', name: 'Black Friday' })]),
    [`GET ${METRICS}/budgets`]: () => jsonResponse({ items: state.budgets }),
    [`GET ${METRICS}/alert-rules`]: () => jsonResponse({ items: state.rules }),
    [`GET ${METRICS}/alerts`]: () => jsonResponse({ items: state.alerts ?? [] }),
    [`GET ${METRICS}/budgets/b1/pacing`]: () => jsonResponse(pacing('b1', 410_000_000, 500_000_000, 50)),
    [`GET ${METRICS}/budgets/b2/pacing`]: () => jsonResponse(pacing('b2', 0, 250_000_000, 50)),
  };
}

// The whole app in jsdom: allow for a loaded 2-core machine running test files in parallel.
describe('BudgetsPage', { timeout: 20_000 }, () => {
  it('lists budgets with their pacing, the alert rules and the recent alerts', async () => {
    mockApi(
      routes({
        budgets: [budget('b1')],
        rules: [rule('r1'), rule('r2', { kind: 'cpa_above', budget_id: null, threshold: '25000000.000000', period: 'daily', campaign_id: 'cmp-1' })],
        alerts: [
          firing('f1'),
          firing('f2', { rule_id: 'r2', budget_id: null, values: { kind: 'cpa_above', message: 'CPA of the account is 31.00 EUR in 2026-11-24' } }),
        ],
      }),
    );
    signIn({ role: 'member' });
    renderApp('/budgets');

    const row = await screen.findByTestId('budget-row');
    expect(document.title).toBe('Budgets & alerts · AdPilot');
    await waitFor(() => expect(within(row).getByTestId('budget-name').textContent).toBe('Acme DE'));
    expect(row.textContent).toContain(`Monthly · ${formatMicros(500_000_000, 'EUR')}`);
    // 82 % spent with half of the month gone: ahead of pace.
    expect((await within(row).findByTestId('budget-spent')).textContent).toBe(
      `${formatMicros(410_000_000, 'EUR')} of ${formatMicros(500_000_000, 'EUR')} (82%)`,
    );
    expect(within(row).getByTestId('budget-pace').textContent).toBe('Ahead of pace');
    expect(within(row).getByRole('progressbar', { name: 'Spent of Acme DE' }).getAttribute('aria-valuenow')).toBe('82');

    const rules = screen.getAllByTestId('alert-rule-row');
    expect(rules).toHaveLength(2);
    expect(within(rules[0]!).getByTestId('alert-rule-threshold').textContent).toBe('80%');
    expect(rules[0]!.textContent).toContain('Acme DE budget');
    expect(within(rules[1]!).getByTestId('alert-rule-threshold').textContent).toBe(formatMicros(25_000_000, 'EUR'));
    await waitFor(() => expect(rules[1]!.textContent).toContain('Acme DE · Black Friday · Daily'));

    const alerts = await screen.findAllByTestId('alert-row');
    expect(alerts[0]!.textContent).toContain(
      `Spend of ${formatMicros(410_000_000, 'EUR')} crossed 80% of the ${formatMicros(500_000_000, 'EUR')} budget`,
    );
    expect(alerts[0]!.textContent).toContain('Spend over % of a budget · 2026-11');
    expect(alerts[1]!.textContent).toContain('CPA of the account is 31.00 EUR in 2026-11-24');
    expect(within(alerts[1]!).getByText(/ago$/).getAttribute('datetime')).toBe('2026-11-25T09:00:00Z');
  });

  it('validates a new budget, then creates it in micros of the account currency', async () => {
    const user = userEvent.setup();
    const state = { budgets: [] as Budget[], rules: [] };
    const { callsTo } = mockApi({
      ...routes(state),
      [`POST ${METRICS}/budgets`]: (call: RecordedCall) => {
        const created = budget('b2', { ...(call.body as Partial<Budget>) });
        state.budgets = [created];
        return jsonResponse(created, { status: 201 });
      },
    });
    signIn({ role: 'member' });
    renderApp('/budgets');
    expect(await screen.findByText('No budgets yet.')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'New budget' }));
    const dialog = await screen.findByRole('dialog', { name: 'New budget' });
    await user.click(within(dialog).getByRole('button', { name: 'Create budget' }));
    expect(await within(dialog).findByText('Choose an ad account.')).toBeTruthy();
    expect(within(dialog).getByText('Enter an amount.')).toBeTruthy();
    expect(callsTo('POST', `${METRICS}/budgets`)).toHaveLength(0);

    await waitFor(() => expect(within(dialog).getAllByRole('option', { name: 'Acme DE (EUR)' })).toHaveLength(1));
    await user.selectOptions(within(dialog).getByLabelText('Ad account'), 'a1');
    await waitFor(() => expect(within(dialog).getAllByRole('option', { name: 'Black Friday' })).toHaveLength(1));
    await user.selectOptions(within(dialog).getByLabelText('Campaign'), 'cmp-1');
    await user.selectOptions(within(dialog).getByLabelText('Period'), 'daily');
    await user.type(within(dialog).getByLabelText('Amount'), '12.345');
    expect(within(dialog).getByText('In EUR, the account\u2019s currency.')).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Create budget' }));
    expect(await within(dialog).findByText('Enter an amount in EUR, e.g. 250 or 19.99.')).toBeTruthy();
    expect(within(dialog).getByLabelText('Amount').getAttribute('aria-invalid')).toBe('true');

    await user.clear(within(dialog).getByLabelText('Amount'));
    await user.type(within(dialog).getByLabelText('Amount'), '19.99');
    await user.click(within(dialog).getByRole('button', { name: 'Create budget' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(callsTo('POST', `${METRICS}/budgets`).map((c) => c.body)).toEqual([
      { account_id: 'a1', campaign_id: 'cmp-1', period: 'daily', amount_micros: 19_990_000, currency: 'EUR' },
    ]);
    const row = await screen.findByTestId('budget-row');
    await waitFor(() => expect(within(row).getByTestId('budget-name').textContent).toBe('Acme DE · Black Friday'));
    expect((await within(row).findByTestId('budget-pace')).textContent).toBe('On pace');
  });

  it('edits and deletes a budget', async () => {
    const user = userEvent.setup();
    const state = { budgets: [budget('b1')], rules: [rule('r1')] };
    const { callsTo } = mockApi({
      ...routes(state),
      [`PATCH ${METRICS}/budgets/b1`]: (call: RecordedCall) => {
        state.budgets = [budget('b1', call.body as Partial<Budget>)];
        return jsonResponse(state.budgets[0]);
      },
      [`DELETE ${METRICS}/budgets/b1`]: () => {
        state.budgets = [];
        state.rules = [];
        return noContent();
      },
    });
    signIn({ role: 'admin' });
    renderApp('/budgets');

    await user.click(await screen.findByRole('button', { name: /^Edit budget Acme/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit budget' });
    expect((within(dialog).getByLabelText('Amount') as HTMLInputElement).value).toBe('500');
    await user.clear(within(dialog).getByLabelText('Amount'));
    await user.type(within(dialog).getByLabelText('Amount'), '750.5');
    await user.click(within(dialog).getByRole('button', { name: 'Save budget' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(callsTo('PATCH', `${METRICS}/budgets/b1`)[0]!.body).toEqual({ amount_micros: 750_500_000 });
    await waitFor(() => expect(screen.getByTestId('budget-row').textContent).toContain(formatMicros(750_500_000, 'EUR')));

    await user.click(screen.getByRole('button', { name: 'Delete budget Acme DE' }));
    const confirm = screen.getByRole('group', { name: 'Confirm deleting budget Acme DE' });
    await user.click(within(confirm).getByRole('button', { name: 'Yes, delete' }));
    expect(await screen.findByText('No budgets yet.')).toBeTruthy();
    // Its spend rules went with it.
    expect(await screen.findByText('No alert rules yet.')).toBeTruthy();
    expect(callsTo('DELETE', `${METRICS}/budgets/b1`)).toHaveLength(1);
  });

  it('creates a spend rule and a CPA rule, checking the threshold first', async () => {
    const user = userEvent.setup();
    const state = { budgets: [budget('b1')], rules: [] as AlertRule[] };
    const { callsTo } = mockApi({
      ...routes(state),
      [`POST ${METRICS}/alert-rules`]: (call: RecordedCall) => {
        const body = call.body as Partial<AlertRule>;
        const created = rule(`r${state.rules.length + 1}`, { ...body, budget_id: body.budget_id ?? null });
        state.rules = [...state.rules, created];
        return jsonResponse(created, { status: 201 });
      },
    });
    signIn({ role: 'member' });
    renderApp('/budgets');
    const form = await screen.findByRole('form', { name: 'New alert rule' });

    await user.click(within(form).getByRole('button', { name: 'Create alert rule' }));
    expect(await within(form).findByText('Choose the budget to watch.')).toBeTruthy();
    expect(within(form).getByText('Enter a threshold.')).toBeTruthy();

    await waitFor(() => expect(within(form).getAllByRole('option', { name: 'Acme DE · monthly' })).toHaveLength(1));
    await user.selectOptions(within(form).getByLabelText('Budget'), 'b1');
    await user.type(within(form).getByLabelText('Threshold'), '1200');
    await user.click(within(form).getByRole('button', { name: 'Create alert rule' }));
    expect(await within(form).findByText('Enter at most 1000%.')).toBeTruthy();
    await user.clear(within(form).getByLabelText('Threshold'));
    await user.type(within(form).getByLabelText('Threshold'), '90');
    await user.click(within(form).getByRole('button', { name: 'Create alert rule' }));
    expect(await screen.findByTestId('rule-created')).toBeTruthy();
    expect(callsTo('POST', `${METRICS}/alert-rules`)[0]!.body).toEqual({
      kind: 'spend_over_budget_pct',
      budget_id: 'b1',
      threshold: '90',
    });
    expect(await screen.findByTestId('alert-rule-row')).toBeTruthy();

    // A CPA target is typed in the account's currency and sent in micros, with its period.
    await user.selectOptions(within(form).getByLabelText('Alert type'), 'cpa_above');
    await user.selectOptions(within(form).getByLabelText('Ad account'), 'a1');
    await user.selectOptions(within(form).getByLabelText('Period'), 'daily');
    await user.type(within(form).getByLabelText('Threshold'), '25.50');
    await user.click(within(form).getByRole('button', { name: 'Create alert rule' }));
    await waitFor(() => expect(callsTo('POST', `${METRICS}/alert-rules`)).toHaveLength(2));
    expect(callsTo('POST', `${METRICS}/alert-rules`)[1]!.body).toEqual({
      kind: 'cpa_above',
      account_id: 'a1',
      threshold: '25500000',
      period: 'daily',
    });
    await waitFor(() => expect(screen.getAllByTestId('alert-rule-row')).toHaveLength(2));
  });

  it('shows the server refusing a rule, and pauses and deletes rules', async () => {
    const user = userEvent.setup();
    const state = { budgets: [budget('b1')], rules: [rule('r1')] };
    const { callsTo } = mockApi({
      ...routes(state),
      [`POST ${METRICS}/alert-rules`]: () =>
        problemResponse({ title: 'Account required', status: 422, detail: 'A ctr_drop_pct rule needs account_id.' }),
      [`PATCH ${METRICS}/alert-rules/r1`]: (call: RecordedCall) => {
        state.rules = [rule('r1', call.body as Partial<AlertRule>)];
        return jsonResponse(state.rules[0]);
      },
      [`DELETE ${METRICS}/alert-rules/r1`]: () => {
        state.rules = [];
        return noContent();
      },
    });
    signIn({ role: 'member' });
    renderApp('/budgets');
    const form = await screen.findByRole('form', { name: 'New alert rule' });

    await user.selectOptions(within(form).getByLabelText('Alert type'), 'ctr_drop_pct');
    await waitFor(() => expect(within(form).getAllByRole('option', { name: 'Acme DE (EUR)' })).toHaveLength(1));
    await user.selectOptions(within(form).getByLabelText('Ad account'), 'a1');
    expect(within(form).queryByLabelText('Period')).toBeNull();
    await user.type(within(form).getByLabelText('Threshold'), '30');
    await user.click(within(form).getByRole('button', { name: 'Create alert rule' }));
    const alert = await within(form).findByRole('alert');
    expect(alert.textContent).toContain('Could not create the alert rule');
    expect(alert.textContent).toContain('A ctr_drop_pct rule needs account_id.');
    expect(callsTo('POST', `${METRICS}/alert-rules`)[0]!.body).toEqual({ kind: 'ctr_drop_pct', account_id: 'a1', threshold: '30' });

    await user.click(screen.getByRole('button', { name: /^Pause alert rule/ }));
    expect(await screen.findByRole('button', { name: /^Resume alert rule/ })).toBeTruthy();
    expect(callsTo('PATCH', `${METRICS}/alert-rules/r1`)[0]!.body).toEqual({ enabled: false });
    expect(screen.getByTestId('alert-rule-row').textContent).toContain('Paused');

    await user.click(screen.getByRole('button', { name: /^Edit alert rule/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit alert rule' });
    expect((within(dialog).getByLabelText('Threshold') as HTMLInputElement).value).toBe('80');
    await user.clear(within(dialog).getByLabelText('Threshold'));
    await user.type(within(dialog).getByLabelText('Threshold'), '95');
    await user.click(within(dialog).getByRole('button', { name: 'Save alert rule' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(callsTo('PATCH', `${METRICS}/alert-rules/r1`)[1]!.body).toEqual({ threshold: '95' });

    await user.click(screen.getByRole('button', { name: /^Delete alert rule/ }));
    await user.click(screen.getByRole('button', { name: 'Yes, delete' }));
    expect(await screen.findByText('No alert rules yet.')).toBeTruthy();
  });

  it('refreshes pacing and alerts live, and lets a viewer only read', async () => {
    stubLiveSocket();
    const state = { budgets: [budget('b1')], rules: [rule('r1')], alerts: [] as ReturnType<typeof firing>[] };
    mockApi(routes(state, 'viewer'));
    signIn({ role: 'viewer' });
    renderApp('/budgets');

    expect(await screen.findByText('No alerts have fired yet.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'New budget' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Create alert rule' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Edit/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Delete/ })).toBeNull();

    state.alerts = [firing('f1')];
    await pushLiveEvent('budget.v1.threshold_crossed', { budget_id: 'b1' });
    expect(await screen.findByTestId('alert-row')).toBeTruthy();
  });

  it('shows the problem when budgets cannot be loaded', async () => {
    mockApi({
      ...routes({ budgets: [], rules: [] }),
      [`GET ${METRICS}/budgets`]: () => problemResponse({ title: 'Forbidden', status: 403, detail: 'No organisation.' }),
    });
    signIn();
    renderApp('/budgets');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load the budgets');
    expect(alert.textContent).toContain('No organisation.');
    expect(await screen.findByText('No alert rules yet.')).toBeTruthy();
  });
});
