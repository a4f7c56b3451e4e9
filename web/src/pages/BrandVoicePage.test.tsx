import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { BrandVoice } from '../api/brandVoice';
import { LAYOUT, orgs } from '../test/connectors';
import { jsonResponse, mockApi, problemResponse } from '../test/http';
import { renderApp, signIn } from '../test/render';

const PATH = '/api/ai-copy/brand-voice';

function voice(extra: Partial<BrandVoice> = {}): BrandVoice {
  return {
    voice: 'Warm and plain.',
    guidelines: 'Say "you".\nNo superlatives.',
    banned_terms: ['cheapest'],
    default_banned_terms: ['guaranteed', 'risk-free'],
    version: 2,
    updated_at: '2026-11-24T08:00:00Z',
    ...extra,
  };
}

describe('BrandVoicePage', () => {
  it('shows members the voice read-only', async () => {
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('member'),
      [`GET ${PATH}`]: () => jsonResponse(voice()),
    });
    signIn({ role: 'member' });
    renderApp('/brand-voice');

    expect(await screen.findByText('Warm and plain.')).toBeTruthy();
    expect(screen.getByText('Only admins can change the brand voice.')).toBeTruthy();
    expect(within(screen.getByRole('list', { name: 'Banned terms' })).getByText('cheapest')).toBeTruthy();
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Save brand voice' })).toBeNull();
    expect(screen.queryByRole('button', { name: /^Remove/ })).toBeNull();
    expect(callsTo('PUT', PATH)).toHaveLength(0);
  });

  it('lets an admin edit the banned terms as chips', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('admin'),
      [`GET ${PATH}`]: () => jsonResponse(voice()),
    });
    signIn({ role: 'admin' });
    renderApp('/brand-voice');

    const add = await screen.findByLabelText('Add a banned term');
    expect(document.title).toBe('Brand voice · AdPilot');
    // (By label, not role: role queries are slow in jsdom and this runs often.)
    const terms = () => [...screen.getByLabelText('Banned terms').querySelectorAll('li > span')].map((el) => el.textContent);
    expect(terms()).toEqual(['cheapest']);
    expect(within(screen.getByRole('list', { name: 'Always banned terms' })).getByText('guaranteed')).toBeTruthy();

    // Enter adds a term without submitting; commas add several; case-insensitive duplicates are dropped.
    await user.click(add);
    await user.paste('best ever');
    await user.keyboard('{Enter}');
    await user.paste('No. 1, CHEAPEST,  free  money ');
    await user.keyboard('{Enter}');
    expect(terms()).toEqual(['cheapest', 'best ever', 'No. 1', 'free money']);
    expect(callsTo('PUT', PATH)).toHaveLength(0);
    await user.click(screen.getByLabelText('Remove No. 1'));
    expect(terms()).toEqual(['cheapest', 'best ever', 'free money']);
    expect(document.activeElement).toBe(add);

    await user.paste('x'.repeat(81));
    await user.keyboard('{Enter}');
    expect(screen.getByText(/is longer than 80 characters\./)).toBeTruthy();
    expect(add.getAttribute('aria-invalid')).toBe('true');
    expect(terms()).toEqual(['cheapest', 'best ever', 'free money']);
    expect(callsTo('PUT', PATH)).toHaveLength(0);
  });

  it('checks the voice length, then saves a new version', async () => {
    const user = userEvent.setup();
    let current = voice();
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('admin'),
      [`GET ${PATH}`]: () => jsonResponse(current),
      [`PUT ${PATH}`]: (call) => {
        current = { ...current, ...(call.body as Partial<BrandVoice>), version: current.version + 1 };
        return jsonResponse(current);
      },
    });
    signIn({ role: 'admin' });
    renderApp('/brand-voice');

    const voiceField = (await screen.findByLabelText('Voice')) as HTMLTextAreaElement;
    expect(voiceField.value).toBe('Warm and plain.');
    expect(screen.getByTestId('brand-voice-version').textContent).toContain('Version 2');

    await user.clear(voiceField);
    await user.paste('a'.repeat(2001));
    await user.click(screen.getByRole('button', { name: 'Save brand voice' }));
    expect(await screen.findByText('At most 2000 characters.')).toBeTruthy();
    expect(voiceField.getAttribute('aria-invalid')).toBe('true');
    expect(callsTo('PUT', PATH)).toHaveLength(0);

    await user.clear(voiceField);
    await user.paste('  Warm, plain, a little witty.  ');
    await user.click(screen.getByRole('button', { name: 'Remove cheapest' }));
    await user.click(screen.getByRole('button', { name: 'Save brand voice' }));
    expect((await screen.findByTestId('brand-voice-saved')).textContent).toBe('Saved as version 3.');
    expect(callsTo('PUT', PATH)[0]!.body).toEqual({
      voice: 'Warm, plain, a little witty.',
      guidelines: 'Say "you".\nNo superlatives.',
      banned_terms: [],
    });
    await waitFor(() => expect(screen.getByTestId('brand-voice-version').textContent).toContain('Version 3'));
    expect((screen.getByLabelText('Voice') as HTMLTextAreaElement).value).toBe('Warm, plain, a little witty.');
  });

  it('shows the service problem when saving is refused', async () => {
    const user = userEvent.setup();
    mockApi({
      ...LAYOUT,
      ...orgs('owner'),
      [`GET ${PATH}`]: () => jsonResponse(voice({ version: 0, updated_at: null, voice: '', guidelines: '', banned_terms: [] })),
      [`PUT ${PATH}`]: () =>
        problemResponse({
          title: 'Validation failed',
          status: 422,
          errors: [{ loc: ['body', 'guidelines'], msg: 'String should have at most 4000 characters' }],
        }),
    });
    signIn();
    renderApp('/brand-voice');

    expect((await screen.findByTestId('brand-voice-version')).textContent).toBe('Not set yet');
    expect(screen.getByText('No banned terms of your own yet.')).toBeTruthy();
    await user.type(screen.getByLabelText('Guidelines'), 'Be kind.');
    await user.click(screen.getByRole('button', { name: 'Save brand voice' }));
    expect(await screen.findByText('String should have at most 4000 characters')).toBeTruthy();
    expect((await screen.findByRole('alert')).textContent).toContain('Could not save the brand voice');
  });

  it('shows a load problem', async () => {
    mockApi({
      ...LAYOUT,
      ...orgs('viewer'),
      [`GET ${PATH}`]: () => problemResponse({ title: 'Forbidden', status: 403, detail: 'No access to AI copy here.' }),
    });
    signIn({ role: 'viewer' });
    renderApp('/brand-voice');
    const heading = await screen.findByText('Could not load the brand voice');
    expect(heading.closest('[role="alert"]')!.textContent).toContain('No access to AI copy here.');
  });
});
