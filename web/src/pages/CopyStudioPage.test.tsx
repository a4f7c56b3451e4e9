import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Generation, Variant } from '../api/aiCopy';
import { AI, budget, FIELDS, generation, variant } from '../test/aiCopy';
import { adAccount, API, LAYOUT, orgs } from '../test/connectors';
import { jsonResponse, mockApi, problemResponse } from '../test/http';
import { campaign, campaignPage } from '../test/metrics';
import { renderApp, signIn } from '../test/render';
import { GENERATION_POLL_MS } from './CopyStudioPage';

const ACCOUNTS = [
  adAccount('a-google', { name: 'Acme Search', platform: 'google' }),
  adAccount('a-meta', { name: 'Acme Social', platform: 'meta' }),
];

/** The routes every copy studio test needs; `extra` adds or overrides. */
function routes(extra: Parameters<typeof mockApi>[0] = {}, role = 'member') {
  return {
    ...LAYOUT,
    ...orgs(role),
    [`GET ${API}/accounts`]: () => jsonResponse(ACCOUNTS),
    [`GET ${AI}/budget`]: () => jsonResponse(budget()),
    [`GET ${AI}/generations`]: () => jsonResponse([]),
    [`GET ${API}/campaigns`]: () => campaignPage([]),
    ...extra,
  };
}

async function fillBrief(user: ReturnType<typeof userEvent.setup>) {
  await user.type(await screen.findByLabelText('Product'), 'FreshBox meal kits');
  await user.type(screen.getByLabelText('Offer (optional)'), '20% off the first box');
  await user.type(screen.getByLabelText('Audience'), 'Busy parents');
}

function card(platform: string): HTMLElement {
  return within(screen.getByRole('region', { name: `${platform} copy` })).getByTestId('variant-card');
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CopyStudioPage', () => {
  it('generates copy and shows the variants per platform with counters and the offline label', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi(
      routes({
        [`POST ${AI}/generations`]: () => jsonResponse(generation(), { status: 201 }),
        [`GET ${AI}/generations/g1`]: () => jsonResponse(generation()),
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy');

    expect((await screen.findByTestId('budget-usage')).textContent).toContain('$12.50 of $50.00 used');
    expect(document.title).toBe('AI copy · AdPilot');
    await fillBrief(user);
    await user.click(screen.getByLabelText('TikTok'));
    await user.click(screen.getByLabelText('Meta'));
    await user.clear(screen.getByLabelText('Variants per platform'));
    await user.type(screen.getByLabelText('Variants per platform'), '2');
    await user.type(screen.getByLabelText('Keywords (optional)'), 'meal kit, dinner');
    await user.click(screen.getByRole('button', { name: 'Generate copy' }));

    await waitFor(() => expect(screen.getAllByTestId('variant-card')).toHaveLength(2));
    expect(callsTo('POST', `${AI}/generations`)[0]!.body).toEqual({
      product: 'FreshBox meal kits',
      offer: '20% off the first box',
      audience: 'Busy parents',
      tone: 'friendly',
      language: 'en',
      platforms: ['google', 'tiktok'],
      variants: 2,
      keywords: ['meal kit', 'dinner'],
    });
    // The offline generator is clearly labelled, and the result is announced.
    expect(screen.getByTestId('offline-label').textContent).toBe('Offline generator');
    expect(screen.getByTestId('offline-note').textContent).toContain('no language model');
    expect(screen.getByTestId('copy-announcer').textContent).toBe('2 variants ready, written by the offline generator.');

    const google = card('Google Ads');
    const counters = within(google).getAllByTestId('char-counter');
    // 3 headlines, 2 descriptions, path1 (path2 is empty).
    expect(counters.map((c) => c.textContent?.split(' characters')[0])).toEqual([
      '22 / 30',
      '20 / 30',
      '23 / 30',
      '55 / 90',
      '27 / 90',
      '5 / 15',
    ]);
    expect(counters.every((c) => c.dataset.state === 'ok')).toBe(true);
    const meta = card('Meta');
    expect(within(meta).getAllByTestId('char-counter')[0]!.textContent).toContain(
      `${(FIELDS.meta!.primary_text as string).length} / 125 recommended`,
    );
    expect(within(meta).getByText('Offline generator')).toBeTruthy();
  });

  it('shows a model-written generation without the offline label, and flags over-limit lines', async () => {
    const long = variant('v-google', 'google', {
      fields: { ...FIELDS.google, headlines: ['送料無料の新鮮なミールキットをお届け', 'Dinner in 15 minutes', 'Chef-made'] },
    });
    const gen = generation({ provider: 'gpt-4o-mini', offline: false, variants: [long] });
    mockApi(routes({ [`GET ${AI}/generations/g1`]: () => jsonResponse(gen) }));
    signIn({ role: 'member' });
    renderApp('/copy?generation=g1');

    const google = await waitFor(() => card('Google Ads'));
    expect(screen.queryByTestId('offline-label')).toBeNull();
    expect(screen.getByText('Written by gpt-4o-mini')).toBeTruthy();
    const first = within(google).getAllByTestId('char-counter')[0]!;
    // 18 wide characters count as 36 against Google's 30.
    expect(first.dataset.state).toBe('over');
    expect(first.textContent).toContain('36 / 30');
    expect(first.textContent).toContain('6 over the limit');
  });

  it('edits a field by hand with a live counter and shows the problems the service lists', async () => {
    const user = userEvent.setup();
    let attempt = 0;
    const { callsTo } = mockApi(
      routes({
        [`GET ${AI}/generations/g1`]: () => jsonResponse(generation()),
        [`PATCH ${AI}/variants/v-meta`]: ({ body }) => {
          attempt += 1;
          if (attempt === 1) {
            return problemResponse({
              title: 'Copy breaks the platform rules',
              status: 422,
              detail: 'Fix every listed problem and try again.',
              errors: ["fields.headline: 'Free meals' uses banned wording: free"],
            });
          }
          const fields = { ...FIELDS.meta, ...(body as { fields: object }).fields };
          return jsonResponse(variant('v-meta', 'meta', { fields, edited: true }));
        },
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy?generation=g1');

    await waitFor(() => card('Meta'));
    await user.click(screen.getByRole('button', { name: 'Edit Meta variant 1' }));
    const form = screen.getByRole('form', { name: 'Edit Meta variant 1' });
    const headline = within(form).getByLabelText('Headline');
    const counter = () => document.getElementById(headline.getAttribute('aria-describedby')!)!;
    expect(counter().textContent).toContain('22 / 40');

    await user.clear(headline);
    await user.type(headline, 'A'.repeat(41));
    expect(counter().dataset.state).toBe('over');
    expect(counter().textContent).toContain('41 / 40');
    expect(counter().textContent).toContain('1 over the limit');
    expect(headline.getAttribute('aria-invalid')).toBe('true');

    await user.clear(headline);
    await user.type(headline, 'Free meals');
    expect(counter().dataset.state).toBe('ok');
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    const alert = await within(form).findByRole('alert');
    expect(alert.textContent).toContain('Copy breaks the platform rules');
    // Named by the field's label, not its path ("fields.headline").
    expect(within(alert).getByTestId('problem-list').textContent).toBe("Headline: 'Free meals' uses banned wording: free");
    expect(callsTo('PATCH', `${AI}/variants/v-meta`)[0]!.body).toEqual({ fields: { headline: 'Free meals' } });

    await user.clear(headline);
    await user.type(headline, 'Dinner, sorted');
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Edit Meta variant 1' })).toBeNull());
    const meta = card('Meta');
    expect(meta.textContent).toContain('Dinner, sorted');
    expect(within(meta).getByText('Edited')).toBeTruthy();
  });

  it('adds and removes Google headlines while editing', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi(
      routes({
        [`GET ${AI}/generations/g1`]: () => jsonResponse(generation()),
        [`PATCH ${AI}/variants/v-google`]: ({ body }) =>
          jsonResponse(
            variant('v-google', 'google', {
              fields: { ...FIELDS.google, ...(body as { fields: object }).fields },
              edited: true,
            }),
          ),
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy?generation=g1');

    await waitFor(() => card('Google Ads'));
    await user.click(screen.getByRole('button', { name: 'Edit Google Ads variant 1' }));
    const form = screen.getByRole('form', { name: 'Edit Google Ads variant 1' });
    // Three headlines is the minimum: none can be removed yet; two descriptions likewise.
    expect(within(form).queryByRole('button', { name: /^Remove/ })).toBeNull();
    await user.click(within(form).getByRole('button', { name: 'Add headline (3 of 3–15)' }));
    const added = within(form).getByLabelText('Headline 4');
    await waitFor(() => expect(document.activeElement).toBe(added));
    await user.type(added, '日本語の見出し');
    expect(document.getElementById(added.getAttribute('aria-describedby')!)!.textContent).toContain('14 / 30');
    await user.click(within(form).getByRole('button', { name: 'Remove headline 1' }));
    expect(within(form).queryByRole('button', { name: /^Remove/ })).toBeNull();
    await user.click(within(form).getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(callsTo('PATCH', `${AI}/variants/v-google`)).toHaveLength(1));
    expect(callsTo('PATCH', `${AI}/variants/v-google`)[0]!.body).toEqual({
      fields: { headlines: ['Dinner in 15 minutes', 'Chef-made, ready to eat', '日本語の見出し'] },
    });
    await waitFor(() => expect(card('Google Ads').textContent).toContain('日本語の見出し'));
  });

  it('regenerates one line of a field', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi(
      routes({
        [`GET ${AI}/generations/g1`]: () => jsonResponse(generation()),
        [`POST ${AI}/variants/v-google/regenerate`]: () =>
          jsonResponse(
            variant('v-google', 'google', {
              fields: { ...FIELDS.google, headlines: ['Fresh meals, delivered', 'Tonight: no cooking', 'Chef-made, ready to eat'] },
              regenerations: 1,
            }),
          ),
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy?generation=g1');

    await waitFor(() => card('Google Ads'));
    await user.click(screen.getByRole('button', { name: 'Regenerate headline 2 of Google Ads variant 1' }));
    await waitFor(() => expect(card('Google Ads').textContent).toContain('Tonight: no cooking'));
    expect(card('Google Ads').textContent).not.toContain('Dinner in 15 minutes');
    expect(callsTo('POST', `${AI}/variants/v-google/regenerate`)[0]!.body).toEqual({ field: 'headlines', index: 1 });

    await user.click(screen.getByRole('button', { name: 'Regenerate path 1 of Google Ads variant 1' }));
    await waitFor(() => expect(callsTo('POST', `${AI}/variants/v-google/regenerate`)).toHaveLength(2));
    expect(callsTo('POST', `${AI}/variants/v-google/regenerate`)[1]!.body).toEqual({ field: 'path1' });
  });

  it('approves a variant with a target; approved copy is frozen', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi(
      routes({
        [`GET ${AI}/generations/g1`]: () => jsonResponse(generation()),
        [`POST ${AI}/variants/v-google/approve`]: ({ body }) =>
          jsonResponse(
            variant('v-google', 'google', {
              status: 'approved',
              approved_by: 'user-1',
              approved_at: new Date().toISOString(),
              approval: { final_url: null, ...(body as object) } as Variant['approval'],
              publish: { state: 'queued', ad_id: null, job_id: null, reason: null, updated_at: null },
            }),
          ),
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy?generation=g1');

    await waitFor(() => card('Google Ads'));
    await user.click(screen.getByRole('button', { name: 'Approve Google Ads variant 1' }));
    const form = screen.getByRole('form', { name: 'Approve Google Ads variant 1' });
    const account = within(form).getByLabelText('Ad account (optional)');
    // Only accounts of the variant's platform are offered.
    expect(within(account).queryByRole('option', { name: 'Acme Social' })).toBeNull();
    await user.selectOptions(account, 'a-google');
    await user.click(within(form).getByRole('button', { name: 'Approve copy' }));
    expect(await within(form).findByText('Enter the ad group to create the ad in.')).toBeTruthy();
    expect(callsTo('POST', `${AI}/variants/v-google/approve`)).toHaveLength(0);

    await user.type(within(form).getByLabelText('Ad group ID'), '1234567890');
    await user.type(within(form).getByLabelText('Final URL'), 'http://insecure.example.com');
    await user.click(within(form).getByRole('button', { name: 'Approve copy' }));
    expect(await within(form).findByText('An https:// address.')).toBeTruthy();
    await user.clear(within(form).getByLabelText('Final URL'));
    await user.type(within(form).getByLabelText('Final URL'), 'https://freshbox.example.com/offer');
    await user.click(within(form).getByRole('button', { name: 'Approve copy' }));

    await waitFor(() => expect(card('Google Ads').dataset.status).toBe('approved'));
    expect(callsTo('POST', `${AI}/variants/v-google/approve`)[0]!.body).toEqual({
      account_id: 'a-google',
      ad_group_id: '1234567890',
      final_url: 'https://freshbox.example.com/offer',
    });
    const google = card('Google Ads');
    expect(within(google).getByTestId('variant-approved').textContent).toBe('Approved');
    expect(within(google).getByTestId('approval').textContent).toContain('Approved copy cannot change');
    expect(within(google).getByTestId('publish-state').textContent).toBe(
      'Publishing… the ad is being created paused in ad group 1234567890 of account Acme Search.',
    );
    expect(within(google).queryByRole('button', { name: /Edit|Approve|Regenerate/ })).toBeNull();
    // The other variant is still a draft.
    expect(screen.getByRole('button', { name: 'Approve Meta variant 1' })).toBeTruthy();
  });

  it('finds the ad group to publish to by campaign, or takes one typed by hand', async () => {
    const user = userEvent.setup();
    const adGroup = (id: string, name: string, status: 'ENABLED' | 'PAUSED' | 'REMOVED' = 'ENABLED') => ({
      id: `ag-${id}`,
      external_id: id,
      name,
      status,
      updated_at: '2026-11-20T00:00:00Z',
      ads: [],
    });
    const spring = {
      ...campaign('c-spring', { account_id: 'a-google', platform: 'google', name: 'Spring sale' }),
      // As the service lists them: by name.
      ad_groups: [
        adGroup('333', 'Gift boxes', 'PAUSED'),
        adGroup('111', 'Meal kits'),
        adGroup('222', 'Old offer', 'REMOVED'),
      ],
    };
    const brand = campaign('c-brand', { account_id: 'a-google', platform: 'google', name: 'Brand', status: 'PAUSED' });
    const gone = campaign('c-gone', { account_id: 'a-google', platform: 'google', name: 'Gone', status: 'REMOVED' });
    let releaseCampaigns!: () => void;
    const campaignsListed = new Promise<void>((resolve) => (releaseCampaigns = resolve));
    const { callsTo } = mockApi(
      routes({
        [`GET ${AI}/generations/g1`]: () => jsonResponse(generation()),
        [`GET ${API}/campaigns`]: async () => {
          await campaignsListed;
          return campaignPage([brand, gone, spring]);
        },
        [`GET ${API}/campaigns/c-spring`]: () => jsonResponse(spring),
        [`GET ${API}/campaigns/c-brand`]: () => jsonResponse(brand),
        [`POST ${AI}/variants/v-google/approve`]: ({ body }) =>
          jsonResponse(
            variant('v-google', 'google', {
              status: 'approved',
              approved_at: new Date().toISOString(),
              approval: { final_url: null, ...(body as object) } as Variant['approval'],
              publish: { state: 'queued', ad_id: null, job_id: null, reason: null, updated_at: null },
            }),
          ),
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy?generation=g1');

    await waitFor(() => card('Google Ads'));
    await user.click(screen.getByRole('button', { name: 'Approve Google Ads variant 1' }));
    const form = screen.getByRole('form', { name: 'Approve Google Ads variant 1' });
    // No account, no campaign to choose: approving without a target stays one step.
    expect(within(form).queryByLabelText('Campaign')).toBeNull();
    await user.selectOptions(within(form).getByLabelText('Ad account (optional)'), 'a-google');

    const campaignSelect = within(form).getByLabelText('Campaign') as HTMLSelectElement;
    expect(campaignSelect.disabled).toBe(true);
    expect(within(form).getByText('Loading campaigns…').getAttribute('role')).toBe('status');
    releaseCampaigns();
    await waitFor(() => expect(campaignSelect.disabled).toBe(false));
    const params = new URL(callsTo('GET', `${API}/campaigns`)[0]!.url, 'http://x').searchParams;
    expect(params.get('account_id')).toBe('a-google');
    // In the service's order (by name). Removed campaigns cannot take an ad; a paused one says so.
    expect(within(campaignSelect).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Choose a campaign',
      'Brand (paused)',
      'Spring sale',
    ]);
    const groupSelect = within(form).getByLabelText('Ad group') as HTMLSelectElement;
    expect(groupSelect.disabled).toBe(true);

    await user.selectOptions(campaignSelect, 'Spring sale');
    await waitFor(() => expect(groupSelect.disabled).toBe(false));
    expect(within(groupSelect).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Choose an ad group',
      'Gift boxes · 333 (paused)',
      'Meal kits · 111',
    ]);
    const typed = within(form).getByLabelText('Ad group ID') as HTMLInputElement;
    await user.selectOptions(groupSelect, 'Meal kits · 111');
    expect(typed.value).toBe('111');

    // Another campaign forgets the ad group picked in the last one; this one has none synced.
    await user.selectOptions(campaignSelect, 'Brand (paused)');
    expect(typed.value).toBe('');
    expect(await within(form).findByText(/This campaign has no ad groups synced yet/)).toBeTruthy();
    expect(groupSelect.disabled).toBe(true);

    // An ad group not synced yet is typed by hand; one of the campaign's typed by hand shows as chosen.
    await user.selectOptions(campaignSelect, 'Spring sale');
    await waitFor(() => expect(groupSelect.disabled).toBe(false));
    await user.type(typed, '333');
    expect(groupSelect.value).toBe('333');
    await user.clear(typed);
    await user.type(typed, '444');
    expect(groupSelect.value).toBe('');
    await user.click(within(form).getByRole('button', { name: 'Approve copy' }));

    await waitFor(() => expect(card('Google Ads').dataset.status).toBe('approved'));
    expect(callsTo('POST', `${AI}/variants/v-google/approve`)[0]!.body).toEqual({
      account_id: 'a-google',
      ad_group_id: '444',
    });
  });

  it('says why the campaigns or ad groups to choose from could not be loaded', async () => {
    const user = userEvent.setup();
    const spring = campaign('c-spring', { account_id: 'a-google', platform: 'google', name: 'Spring sale' });
    let listFails = true;
    mockApi(
      routes({
        [`GET ${AI}/generations/g1`]: () => jsonResponse(generation()),
        [`GET ${API}/campaigns`]: () =>
          listFails
            ? problemResponse({
                title: 'Ad account not found',
                status: 404,
                detail: "No ad account 'a-google' in this organisation.",
              })
            : campaignPage([spring]),
        [`GET ${API}/campaigns/c-spring`]: () =>
          problemResponse({
            title: 'Campaign not found',
            status: 404,
            detail: "No campaign 'c-spring' in this organisation.",
          }),
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy?generation=g1');

    await waitFor(() => card('Google Ads'));
    await user.click(screen.getByRole('button', { name: 'Approve Google Ads variant 1' }));
    const form = screen.getByRole('form', { name: 'Approve Google Ads variant 1' });
    await user.selectOptions(within(form).getByLabelText('Ad account (optional)'), 'a-google');
    const alert = await within(form).findByRole('alert');
    expect(alert.textContent).toContain('Could not load the campaigns');
    expect(alert.textContent).toContain("No ad account 'a-google' in this organisation.");
    // The ID can still be typed.
    expect((within(form).getByLabelText('Ad group ID') as HTMLInputElement).disabled).toBe(false);

    listFails = false;
    await user.selectOptions(within(form).getByLabelText('Ad account (optional)'), '');
    await user.selectOptions(within(form).getByLabelText('Ad account (optional)'), 'a-google');
    await waitFor(() => expect((within(form).getByLabelText('Campaign') as HTMLSelectElement).disabled).toBe(false));
    await user.selectOptions(within(form).getByLabelText('Campaign'), 'Spring sale');
    const groupsAlert = await within(form).findByRole('alert');
    expect(groupsAlert.textContent).toContain('Could not load the ad groups');
    expect(groupsAlert.textContent).toContain("No campaign 'c-spring' in this organisation.");
  });

  it('shows the problem of an approval refused because the copy was approved already', async () => {
    const user = userEvent.setup();
    mockApi(
      routes({
        [`GET ${AI}/generations/g1`]: () => jsonResponse(generation()),
        [`POST ${AI}/variants/v-meta/approve`]: () =>
          problemResponse({
            title: 'Conflict',
            status: 409,
            detail: 'This variant is approved already; approved copy cannot change.',
          }),
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy?generation=g1');

    await waitFor(() => card('Meta'));
    await user.click(screen.getByRole('button', { name: 'Approve Meta variant 1' }));
    await user.click(screen.getByRole('button', { name: 'Approve copy' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not approve the copy');
    expect(alert.textContent).toContain('approved copy cannot change');
  });

  it('sends an Idempotency-Key per submission, the same one when an unanswered submission is retried', async () => {
    const user = userEvent.setup();
    let down = true;
    const { callsTo } = mockApi(
      routes({
        [`POST ${AI}/generations`]: () => {
          if (down) throw new TypeError('Failed to fetch');
          return jsonResponse(generation(), { status: 201 });
        },
        [`GET ${AI}/generations/g1`]: () => jsonResponse(generation()),
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy');

    await fillBrief(user);
    await user.click(screen.getByRole('button', { name: 'Generate copy' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Could not generate copy');
    down = false;
    await user.click(screen.getByRole('button', { name: 'Generate copy' }));
    await waitFor(() => expect(screen.getAllByTestId('variant-card')).toHaveLength(2));
    // Answered: the next click is a new submission (more copy), with a new key.
    await user.click(screen.getByRole('button', { name: 'Generate copy' }));
    await waitFor(() => expect(callsTo('POST', `${AI}/generations`)).toHaveLength(3));

    const keys = callsTo('POST', `${AI}/generations`).map((c) => c.headers.get('Idempotency-Key'));
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
    expect(keys[2]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends one request when the brief is submitted twice at once', async () => {
    const user = userEvent.setup();
    let answer: (response: Response) => void = () => undefined;
    const { callsTo } = mockApi(
      routes({
        [`POST ${AI}/generations`]: () => new Promise<Response>((resolve) => (answer = resolve)),
        [`GET ${AI}/generations/g1`]: () => jsonResponse(generation()),
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy');

    await fillBrief(user);
    const form = screen.getByRole('form', { name: 'Copy brief' });
    fireEvent.submit(form); // both before React renders the button disabled
    fireEvent.submit(form);
    await waitFor(() => expect(callsTo('POST', `${AI}/generations`)).toHaveLength(1));
    answer(jsonResponse(generation(), { status: 201 }));
    await waitFor(() => expect(screen.getAllByTestId('variant-card')).toHaveLength(2));
    expect(callsTo('POST', `${AI}/generations`)).toHaveLength(1);
    expect(screen.queryByText(/Could not generate copy/)).toBeNull();
  });

  it('shows budget, rate limit and provider problems when generating', async () => {
    const user = userEvent.setup();
    let answer = 402;
    mockApi(
      routes({
        [`POST ${AI}/generations`]: () => {
          if (answer === 402) {
            return problemResponse({
              type: 'https://adpilot.dev/problems/ai-copy-budget-exhausted',
              title: 'Monthly AI budget exhausted',
              status: 402,
              detail: 'This organisation spent $50.00 of its $50.00 monthly AI copy budget.',
            });
          }
          if (answer === 429) {
            return problemResponse(
              { title: 'Too Many Requests', status: 429, detail: 'At most 10 copy requests per minute; try again in 12 s.' },
              { headers: { 'Retry-After': '12' } },
            );
          }
          return problemResponse({ title: 'Service Unavailable', status: 503, detail: 'No provider answered.' });
        },
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy');

    await fillBrief(user);
    await user.click(screen.getByRole('button', { name: 'Generate copy' }));
    let alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not generate copy');
    expect(alert.textContent).toContain('Monthly AI budget exhausted');
    expect(alert.textContent).toContain('spent $50.00');
    expect(alert.textContent).toContain('An admin can raise it');

    answer = 429;
    await user.click(screen.getByRole('button', { name: 'Generate copy' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('try again in 12 s'));

    answer = 503;
    await user.click(screen.getByRole('button', { name: 'Generate copy' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('No provider answered.'));
    alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('AI providers are unavailable');
    expect(screen.queryByTestId('variant-card')).toBeNull();
  });

  it('checks the brief before sending it', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi(routes());
    signIn({ role: 'member' });
    renderApp('/copy');

    await user.click(await screen.findByLabelText('Google Ads'));
    await user.click(screen.getByLabelText('Meta'));
    await user.clear(screen.getByLabelText('Variants per platform'));
    await user.type(screen.getByLabelText('Variants per platform'), '80');
    await user.type(screen.getByLabelText('Final URL (optional)'), 'http://example.com');
    await user.click(screen.getByRole('button', { name: 'Generate copy' }));

    expect(await screen.findByText('Say what is advertised.')).toBeTruthy();
    expect(screen.getByText('Say who the ad is for.')).toBeTruthy();
    expect(screen.getByText('Choose at least one platform.')).toBeTruthy();
    expect(screen.getByText('A whole number from 1 to 50.')).toBeTruthy();
    expect(screen.getByText('An https:// address, e.g. https://example.com/offer.')).toBeTruthy();
    expect(screen.getByLabelText('Product').getAttribute('aria-invalid')).toBe('true');
    expect(callsTo('POST', `${AI}/generations`)).toHaveLength(0);
  });

  it('follows a background generation until its variants are ready', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    let polls = 0;
    const queued: Generation = generation({ status: 'queued', async: true, variants: [], provider: null, offline: null });
    mockApi(
      routes({
        [`POST ${AI}/generations`]: () => jsonResponse(queued, { status: 202 }),
        [`GET ${AI}/generations/g1`]: () => {
          polls += 1;
          return jsonResponse(polls < 2 ? { ...queued, status: 'running' } : generation());
        },
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy');

    await fillBrief(user);
    await user.click(screen.getByRole('button', { name: 'Generate copy' }));
    expect((await screen.findByTestId('generation')).dataset.status).toBe('queued');
    // The announcer follows the query in an effect, one render after the card appears.
    await waitFor(() =>
      expect(screen.getByTestId('copy-announcer').textContent).toBe('Writing copy in the background…'),
    );
    await act(async () => {
      await vi.advanceTimersByTimeAsync(GENERATION_POLL_MS);
    });
    await act(async () => {
      await vi.advanceTimersByTimeAsync(GENERATION_POLL_MS);
    });
    await waitFor(() => expect(screen.getAllByTestId('variant-card')).toHaveLength(2));
    expect(screen.getByTestId('copy-announcer').textContent).toContain('2 variants ready');
    const done = polls;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(GENERATION_POLL_MS * 3);
    });
    expect(polls).toBe(done);
  });

  it('shows publishing until the ad is created, asking again only while it is queued', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let polls = 0;
    const approved = (state: 'queued' | 'published') =>
      variant('v-google', 'google', {
        status: 'approved',
        approved_at: new Date().toISOString(),
        approval: { account_id: 'a-google', ad_group_id: '123', final_url: 'https://freshbox.example.com' },
        publish: { state, ad_id: state === 'published' ? '987654' : null, job_id: null, reason: null, updated_at: null },
      });
    mockApi(
      routes({
        [`GET ${AI}/generations/g1`]: () => {
          polls += 1;
          return jsonResponse(generation({ variants: [approved(polls < 2 ? 'queued' : 'published')] }));
        },
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy?generation=g1');

    const state = () => within(card('Google Ads')).getByTestId('publish-state');
    await waitFor(() => expect(state().dataset.state).toBe('queued'));
    expect(state().textContent).toContain('Publishing…');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(GENERATION_POLL_MS);
    });
    await waitFor(() => expect(state().dataset.state).toBe('published'));
    expect(state().textContent).toBe('Created paused in ad group 123 of account Acme Search. Ad ID 987654.');
    const done = polls;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(GENERATION_POLL_MS * 3);
    });
    expect(polls).toBe(done);
  });

  it('shows why publishing failed and publishes again to a corrected target', async () => {
    const user = userEvent.setup();
    const reason = "The platform refused the ad: unknown ad group 'adgroup-123' in account 1234567890";
    const approval = { account_id: 'a-google', ad_group_id: 'adgroup-123', final_url: 'https://freshbox.example.com' };
    const failed = variant('v-google', 'google', {
      status: 'approved',
      approved_at: new Date().toISOString(),
      approval,
      publish: { state: 'failed', ad_id: null, job_id: 'job-1', reason, updated_at: null },
    });
    const { callsTo } = mockApi(
      routes({
        [`GET ${AI}/generations/g1`]: () => jsonResponse(generation({ variants: [failed] })),
        [`POST ${AI}/variants/v-google/approve`]: ({ body }) =>
          jsonResponse({
            ...failed,
            approval: body as Variant['approval'],
            publish: { state: 'queued', ad_id: null, job_id: null, reason: null, updated_at: null },
          }),
      }),
    );
    signIn({ role: 'member' });
    renderApp('/copy?generation=g1');

    const alert = await waitFor(() => within(card('Google Ads')).getByRole('alert'));
    expect(alert.textContent).toContain(`Publishing failed: ${reason}`);
    expect(within(card('Google Ads')).queryByText(/Created paused/)).toBeNull();
    await user.click(within(alert).getByRole('button', { name: 'Publish Google Ads variant 1 again' }));
    const form = screen.getByRole('form', { name: 'Publish Google Ads variant 1 again' });
    expect((within(form).getByLabelText('Ad account') as HTMLSelectElement).value).toBe('a-google');
    const group = within(form).getByLabelText('Ad group ID');
    expect((group as HTMLInputElement).value).toBe('adgroup-123');
    await user.clear(group);
    await user.click(within(form).getByRole('button', { name: 'Publish again' }));
    expect(await within(form).findByText('Enter the ad group to create the ad in.')).toBeTruthy();
    await user.type(group, '555');
    await user.click(within(form).getByRole('button', { name: 'Publish again' }));

    await waitFor(() => expect(within(card('Google Ads')).getByTestId('publish-state').dataset.state).toBe('queued'));
    expect(callsTo('POST', `${AI}/variants/v-google/approve`)[0]!.body).toEqual({ ...approval, ad_group_id: '555' });
    expect(within(card('Google Ads')).getByTestId('publish-state').textContent).toContain(
      'ad group 555 of account Acme Search',
    );
    expect(within(card('Google Ads')).queryByRole('button', { name: /Edit|Regenerate/ })).toBeNull();
  });

  it('lets viewers read copy but not generate, edit or approve it', async () => {
    mockApi(
      routes(
        {
          [`GET ${AI}/generations`]: () => jsonResponse([generation()]),
          [`GET ${AI}/generations/g1`]: () => jsonResponse(generation()),
        },
        'viewer',
      ),
    );
    signIn({ role: 'viewer' });
    renderApp('/copy?generation=g1');

    await waitFor(() => expect(screen.getAllByTestId('variant-card')).toHaveLength(2));
    expect(screen.queryByRole('form', { name: 'Copy brief' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^(Edit|Approve|Regenerate)/ })).toBeNull();
    const recent = screen.getByRole('list', { name: 'Recent generations' });
    expect(within(recent).getByRole('button', { name: 'FreshBox meal kits' }).getAttribute('aria-current')).toBe('true');
  });
});
