import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { formatMicros } from '../money';
import { DASHBOARD_DEFAULTS, useDashboardStore } from '../stores/dashboard';
import { adAccount, API, LAYOUT, orgs } from '../test/connectors';
import { jsonResponse, mockApi, problemResponse } from '../test/http';
import {
  campaign,
  campaignPage,
  currencyTotals,
  measures,
  METRICS,
  ranked,
  series,
  timeseries,
  top,
  totals,
} from '../test/metrics';
import { pushLiveEvent, stubLiveSocket } from '../test/metricsLive';
import { renderApp, signIn } from '../test/render';
import { lastDays } from './dashboard/dates';

const NOW = measures({
  impressions: 100_000,
  clicks: 2_000,
  spend_micros: 1_250_000_000,
  conversions: 50,
  conversion_value_micros: 5_000_000_000,
});
const BEFORE = measures({
  impressions: 80_000,
  clicks: 2_000,
  spend_micros: 1_000_000_000,
  conversions: 25,
  conversion_value_micros: 3_000_000_000,
});

function dashboardRoutes(spend: () => number = () => NOW.spend_micros) {
  const range = lastDays(30);
  return {
    ...LAYOUT,
    ...orgs('member'),
    [`GET ${METRICS}/totals`]: () =>
      jsonResponse(
        totals(range.from, range.to, [
          currencyTotals('EUR', { ...NOW, spend_micros: spend() }, BEFORE),
        ]),
      ),
    [`GET ${METRICS}/timeseries`]: () =>
      jsonResponse(timeseries(range.from, range.to, [series('EUR', range.from, 30, (i) => (i + 1) * 1_000_000)])),
    [`GET ${METRICS}/top-campaigns`]: () =>
      jsonResponse(top([{ currency: 'EUR', campaigns: [ranked(1, 'cmp-1', { name: 'Black Friday' }), ranked(2, 'cmp-2')] }])),
    [`GET ${API}/campaigns`]: () => campaignPage([campaign('c1', { external_id: 'cmp-1', name: 'Black Friday' })]),
  };
}

/** The query parameters of a recorded request URL. */
function query(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url, 'http://localhost').searchParams);
}

beforeEach(() => {
  useDashboardStore.setState(DASHBOARD_DEFAULTS);
});

// The whole app plus Recharts in jsdom: allow for a loaded 2-core machine running test files in parallel.
describe('DashboardPage', { timeout: 20_000 }, () => {
  it('shows KPI cards with their change, the spend chart and the top campaigns', async () => {
    const { callsTo } = mockApi(dashboardRoutes());
    signIn({ role: 'member' });
    renderApp('/dashboard');

    const spend = await screen.findByTestId('kpi-spend-value');
    expect(spend.textContent).toBe(formatMicros(1_250_000_000, 'EUR'));
    expect(document.title).toBe('Dashboard · AdPilot');
    const spendChange = screen.getByTestId('kpi-spend-change');
    expect(spendChange.textContent).toContain('25.0%');
    expect(spendChange.dataset.trend).toBe('up');
    // CPA fell from 40 to 25: a drop of 37.5 %, shown as good news (a rising CPC or CPA would be bad).
    expect(screen.getByTestId('kpi-cpa-value').textContent).toBe(formatMicros(25_000_000, 'EUR'));
    const cpaChange = screen.getByTestId('kpi-cpa-change');
    expect(cpaChange.textContent).toContain('37.5%');
    expect(cpaChange.dataset.trend).toBe('down');
    expect(cpaChange.className).toContain('bg-ok-bg');
    // Clicks did not change; CTR is 2 % of the impressions.
    expect(screen.getByTestId('kpi-clicks-change').dataset.trend).toBe('flat');
    expect(screen.getByTestId('kpi-ctr-value').textContent).toBe('2.00%');
    expect(screen.getByTestId('kpi-roas-value').textContent).toBe('4×');
    expect(screen.getAllByRole('group', { name: /^(Spend|Impressions|Clicks|Conversions|CTR|CPC|CPA|ROAS)$/ })).toHaveLength(8);

    // The totals ask for the previous period too, over the last 30 days (the default range).
    const range = lastDays(30);
    const totalsCall = callsTo('GET', `${METRICS}/totals`)[0]!;
    expect(query(totalsCall.url)).toEqual({ from: range.from, to: range.to, compare: 'previous_period' });

    // The chart draws 30 days of spend and clicks (Recharts renders in jsdom at its initial size).
    const chart = await screen.findByTestId('kpi-chart');
    expect(chart.dataset.points).toBe('30');
    await waitFor(() => expect(chart.querySelectorAll('.recharts-line-curve')).toHaveLength(2));
    expect(chart.querySelector('.recharts-line-curve')!.getAttribute('d')).toMatch(/^M/);
    expect(within(chart).getByText('Spend and Clicks per day in EUR')).toBeTruthy();

    // Top campaigns link to their detail page when the campaign list knows them.
    const rows = await screen.findAllByTestId('top-campaign-row');
    expect(rows).toHaveLength(2);
    await waitFor(() =>
      expect(within(rows[0]!).getByRole('link', { name: 'Black Friday' }).getAttribute('href')).toBe('/campaigns/c1'),
    );
    expect(within(rows[1]!).queryByRole('link')).toBeNull();
    expect(rows[0]!.textContent).toContain(formatMicros(50_000_000, 'EUR'));
  });

  it('names the account of each top campaign, so same-named campaigns of two accounts stay apart', async () => {
    mockApi({
      ...dashboardRoutes(),
      [`GET ${METRICS}/top-campaigns`]: () =>
        jsonResponse(
          top([
            {
              currency: 'EUR',
              campaigns: [
                ranked(1, 'cmp-1', { name: 'Brand', account_id: 'a1' }),
                ranked(2, 'cmp-9', { name: 'Brand', account_id: 'a2' }),
              ],
            },
          ]),
        ),
      [`GET ${API}/accounts`]: () =>
        jsonResponse([adAccount('a1', { name: 'Acme DE' }), adAccount('a2', { name: 'Acme AT' })]),
    });
    signIn({ role: 'member' });
    renderApp('/dashboard');

    const rows = await screen.findAllByTestId('top-campaign-row');
    await waitFor(() =>
      expect(rows.map((row) => within(row).getByTestId('top-campaign-account').textContent)).toEqual([
        'Acme DE · Sandbox',
        'Acme AT · Sandbox',
      ]),
    );
    expect(screen.getByRole('table', { name: 'Top campaigns in EUR' })).toBeTruthy();
  });

  it('switches the range and the chart metric, and keeps them for the session', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi(dashboardRoutes());
    signIn({ role: 'viewer' });
    renderApp('/dashboard');
    await screen.findByTestId('kpi-chart');

    await user.click(screen.getByRole('button', { name: 'Last 7 days' }));
    const week = lastDays(7);
    await waitFor(() =>
      expect(callsTo('GET', `${METRICS}/totals`).some((c) => query(c.url).from === week.from)).toBe(true),
    );
    expect(callsTo('GET', `${METRICS}/timeseries`).map((c) => query(c.url))).toContainEqual({ ...week, bucket: 'day' });
    expect(screen.getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed')).toBe('true');

    await user.selectOptions(screen.getByLabelText('Chart metric'), 'cpa_micros');
    expect(await screen.findByText('Spend and CPA per day in EUR')).toBeTruthy();
    expect(JSON.parse(sessionStorage.getItem('adpilot.dashboard')!).state).toEqual({ rangeDays: 7, metric: 'cpa_micros' });
  });

  it('refetches the KPIs when a metrics update arrives live', async () => {
    stubLiveSocket();
    let spend = 1_250_000_000;
    const { callsTo } = mockApi(dashboardRoutes(() => spend));
    signIn({ role: 'member' });
    renderApp('/dashboard');
    expect((await screen.findByTestId('kpi-spend-value')).textContent).toBe(formatMicros(1_250_000_000, 'EUR'));
    await screen.findAllByTestId('top-campaign-row');
    const before = callsTo('GET', `${METRICS}/timeseries`).length;

    // A sync ingested more spend: the gateway pushes metrics.v1.updated and every KPI query refetches.
    spend = 1_500_000_000;
    await pushLiveEvent('metrics.v1.updated', { account_id: 'a1' });
    await waitFor(() =>
      expect(screen.getByTestId('kpi-spend-value').textContent).toBe(formatMicros(1_500_000_000, 'EUR')),
    );
    expect(screen.getByTestId('kpi-spend-change').textContent).toContain('50.0%');
    await waitFor(() => expect(callsTo('GET', `${METRICS}/timeseries`).length).toBeGreaterThan(before));
  });

  it('shows one tab per currency and never adds amounts across currencies', async () => {
    const user = userEvent.setup();
    const range = lastDays(30);
    mockApi({
      ...dashboardRoutes(),
      [`GET ${METRICS}/totals`]: () =>
        jsonResponse(
          totals(range.from, range.to, [
            currencyTotals('EUR', NOW, BEFORE),
            currencyTotals('USD', measures({ spend_micros: 99_000_000, clicks: 10, impressions: 100 }), null),
          ]),
        ),
      [`GET ${METRICS}/timeseries`]: () =>
        jsonResponse(
          timeseries(range.from, range.to, [
            series('EUR', range.from, 30, () => 1_000_000),
            series('USD', range.from, 30, () => 2_000_000),
          ]),
        ),
    });
    signIn();
    renderApp('/dashboard');

    expect((await screen.findByTestId('kpi-spend-value')).textContent).toBe(formatMicros(1_250_000_000, 'EUR'));
    await user.click(screen.getByRole('tab', { name: 'USD' }));
    expect((await screen.findByTestId('kpi-spend-value')).textContent).toBe(formatMicros(99_000_000, 'USD'));
    // No previous period for USD: no change to show.
    expect(screen.getByTestId('kpi-spend-change').textContent).toBe('—');
    expect(screen.getByTestId('kpi-chart').dataset.currency).toBe('USD');
  });

  it('says so when there is nothing to show yet', async () => {
    const range = lastDays(30);
    mockApi({
      ...dashboardRoutes(),
      [`GET ${METRICS}/totals`]: () => jsonResponse(totals(range.from, range.to, [])),
      [`GET ${METRICS}/timeseries`]: () => jsonResponse(timeseries(range.from, range.to, [])),
      [`GET ${METRICS}/top-campaigns`]: () => jsonResponse(top([])),
    });
    signIn();
    renderApp('/dashboard');

    expect(await screen.findByText(/No metrics for these days yet/)).toBeTruthy();
    expect(within(screen.getByRole('main')).getByRole('link', { name: 'Ad accounts' }).getAttribute('href')).toBe('/accounts');
    expect(await screen.findByText('No campaign spent anything in these days.')).toBeTruthy();
    expect(screen.queryByTestId('kpi-cards')).toBeNull();
    expect(screen.queryByTestId('kpi-chart')).toBeNull();
  });

  it('shows the problem when the metrics service fails', async () => {
    mockApi({
      ...dashboardRoutes(),
      [`GET ${METRICS}/totals`]: () =>
        problemResponse({ title: 'Invalid date range', status: 422, detail: "'from' is after 'to'." }),
      [`GET ${METRICS}/top-campaigns`]: () =>
        problemResponse({ title: 'No organisation', status: 403, detail: 'Select an organisation.' }),
    });
    signIn();
    renderApp('/dashboard');

    await waitFor(() => expect(screen.getAllByRole('alert')).toHaveLength(2));
    const text = screen.getAllByRole('alert').map((a) => a.textContent).join(' | ');
    expect(text).toContain('Could not load the KPIs');
    expect(text).toContain('Invalid date range');
    expect(text).toContain('Could not load the top campaigns');
    expect(screen.queryByTestId('kpi-cards')).toBeNull();
  });

  it('is in the navigation, first, for signed-in users', async () => {
    mockApi(dashboardRoutes());
    signIn();
    renderApp('/dashboard');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const links = within(nav).getAllByRole('link');
    expect(links[0]!.textContent).toBe('Dashboard');
    expect(links[0]!.className).toContain('active');
    expect(within(nav).getByRole('link', { name: 'Budgets & alerts' }).getAttribute('href')).toBe('/budgets');
    await screen.findByTestId('kpi-spend-value');
  });
});
