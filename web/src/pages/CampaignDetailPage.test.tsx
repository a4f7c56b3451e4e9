import { screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { formatMicros } from '../money';
import { DASHBOARD_DEFAULTS, useDashboardStore } from '../stores/dashboard';
import { adAccount, API, LAYOUT, orgs } from '../test/connectors';
import { jsonResponse, mockApi, problemResponse } from '../test/http';
import { campaign, campaignPage, currencyTotals, measures, METRICS, series, timeseries, totals } from '../test/metrics';
import { pushLiveEvent, stubLiveSocket } from '../test/metricsLive';
import { renderApp, signIn } from '../test/render';
import { lastDays } from './dashboard/dates';

const RANGE = lastDays(30);

function routes(detail: () => ReturnType<typeof campaign>, spend: () => number = () => 300_000_000) {
  return {
    ...LAYOUT,
    ...orgs('member'),
    [`GET ${API}/campaigns/c1`]: () => jsonResponse(detail()),
    [`GET ${METRICS}/totals`]: () =>
      jsonResponse(
        totals(RANGE.from, RANGE.to, [
          currencyTotals('EUR', measures({ spend_micros: spend(), clicks: 600, impressions: 30_000, conversions: 12 }), null),
        ]),
      ),
    [`GET ${METRICS}/timeseries`]: () =>
      jsonResponse(timeseries(RANGE.from, RANGE.to, [series('EUR', RANGE.from, 30, () => 10_000_000)])),
  };
}

beforeEach(() => {
  useDashboardStore.setState(DASHBOARD_DEFAULTS);
});

// The whole app plus Recharts in jsdom: allow for a loaded 2-core machine running test files in parallel.
describe('CampaignDetailPage', { timeout: 20_000 }, () => {
  it('shows the campaign header and its own KPIs and chart, updating live', async () => {
    stubLiveSocket();
    let status: 'ENABLED' | 'PAUSED' = 'ENABLED';
    let spend = 300_000_000;
    const { callsTo } = mockApi(routes(() => campaign('c1', { name: 'Black Friday', external_id: 'cmp-1', status }), () => spend));
    signIn({ role: 'member' });
    renderApp('/campaigns/c1');

    expect((await screen.findByTestId('campaign-title')).textContent).toBe('Black Friday');
    expect(document.title).toBe('Black Friday · AdPilot');
    expect(screen.getByTestId('campaign-status').textContent).toBe('ENABLED');
    expect(screen.getByTestId('campaign-daily-budget').textContent).toContain(formatMicros(20_000_000, 'EUR'));
    expect((await screen.findByTestId('kpi-spend-value')).textContent).toBe(formatMicros(300_000_000, 'EUR'));
    expect(screen.getByTestId('kpi-spend-change').textContent).toBe('—');

    // Metrics are asked for this campaign only: its account and its platform id.
    const params = new URL(callsTo('GET', `${METRICS}/timeseries`)[0]!.url, 'http://x').searchParams;
    expect(Object.fromEntries(params)).toEqual({
      from: RANGE.from,
      to: RANGE.to,
      account_id: 'a1',
      campaign_id: 'cmp-1',
      bucket: 'day',
    });
    const chart = await screen.findByTestId('kpi-chart');
    await waitFor(() => expect(chart.querySelectorAll('.recharts-line-curve')).toHaveLength(2));
    // The campaigns entry of the navigation stays active on a campaign's page.
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Campaigns' }).className).toContain('active');

    // A sync and a pause arrive live: the KPIs and the header refetch.
    spend = 450_000_000;
    status = 'PAUSED';
    await pushLiveEvent('metrics.v1.updated');
    await waitFor(() =>
      expect(screen.getByTestId('kpi-spend-value').textContent).toBe(formatMicros(450_000_000, 'EUR')),
    );
    expect(screen.getByTestId('campaign-status').textContent).toBe('ENABLED');
    await pushLiveEvent('campaign.v1.status_changed');
    await waitFor(() => expect(screen.getByTestId('campaign-status').textContent).toBe('PAUSED'));
  });

  it('says so when the metrics service has nothing on the campaign yet', async () => {
    mockApi({
      ...routes(() => campaign('c1')),
      [`GET ${METRICS}/totals`]: () =>
        problemResponse({ title: 'Campaign not found', status: 404, detail: "No campaign 'ext-c1' in this organisation." }),
      [`GET ${METRICS}/timeseries`]: () => problemResponse({ title: 'Campaign not found', status: 404 }),
    });
    signIn();
    renderApp('/campaigns/c1');

    expect(await screen.findByText('No metrics recorded for this campaign in these days yet.')).toBeTruthy();
    expect(screen.getByTestId('campaign-title').textContent).toBe('Campaign c1');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it("lists the campaign's ad groups with their platform ids and statuses", async () => {
    const adGroup = (id: string, name: string, status: 'ENABLED' | 'PAUSED' | 'REMOVED', ads = 0) => ({
      id: `ag-${id}`,
      external_id: id,
      name,
      status,
      updated_at: '2026-11-20T00:00:00Z',
      ads: Array.from({ length: ads }, (_, i) => ({
        id: `ad-${id}-${i}`,
        external_id: `${id}-${i}`,
        name: `Ad ${i + 1}`,
        status: 'ENABLED' as const,
        headlines: [],
        descriptions: [],
        final_url: null,
        updated_at: '2026-11-20T00:00:00Z',
      })),
    });
    mockApi(
      routes(() => ({
        ...campaign('c1', { name: 'Black Friday' }),
        ad_groups: [
          adGroup('333', 'Old stock', 'REMOVED'),
          adGroup('111', 'Rain jackets', 'ENABLED', 2),
          adGroup('222', 'Winter boots', 'PAUSED'),
        ],
      })),
    );
    signIn();
    renderApp('/campaigns/c1');

    const table = await screen.findByRole('table', { name: 'Ad groups of Black Friday' });
    const rows = within(table).getAllByTestId('ad-group');
    // In the service's order (by name); each row shows what the copy studio publishes into: the platform id.
    expect(rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent))).toEqual([
      ['Old stock', '333', 'REMOVED', '0'],
      ['Rain jackets', '111', 'ENABLED', '2'],
      ['Winter boots', '222', 'PAUSED', '0'],
    ]);
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      'Name',
      'Platform ID',
      'Status',
      'Ads',
    ]);
    expect(within(rows[2]!).getByTestId('ad-group-status').className).toContain('bg-warn-bg');
  });

  it('says so when no ad group of the campaign is synced yet', async () => {
    mockApi(routes(() => campaign('c1', { name: 'Black Friday' })));
    signIn();
    renderApp('/campaigns/c1');

    const table = await screen.findByRole('table', { name: 'Ad groups of Black Friday' });
    expect(within(table).getByText('No ad groups of this campaign are synced yet.')).toBeTruthy();
    expect(within(table).queryAllByTestId('ad-group')).toHaveLength(0);
  });

  it('shows not found for a campaign of no org of mine', async () => {
    mockApi({
      ...LAYOUT,
      ...orgs(),
      [`GET ${API}/campaigns/c9`]: () => problemResponse({ title: 'Campaign not found', status: 404 }),
    });
    signIn();
    renderApp('/campaigns/c9');
    expect(await screen.findByRole('heading', { name: 'Campaign not found', level: 1 })).toBeTruthy();
  });

  it('is linked from the campaign list', async () => {
    mockApi({
      ...routes(() => campaign('c1')),
      [`GET ${API}/campaigns`]: () => campaignPage([campaign('c1', { name: 'Black Friday' })]),
      [`GET ${API}/accounts`]: () => jsonResponse([adAccount('a1')]),
    });
    signIn();
    renderApp('/campaigns');
    const link = await screen.findByRole('link', { name: 'Black Friday' });
    expect(link.getAttribute('href')).toBe('/campaigns/c1');
  });
});
