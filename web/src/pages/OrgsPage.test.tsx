import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Org } from '../api/auth';
import { fakeJwt, jsonResponse, mockApi, problemResponse, tokenResponse } from '../test/http';
import { renderApp, signIn } from '../test/render';

const ACME: Org = { id: 'org-1', name: 'Acme', role: 'owner', require_mfa: false };
const GLOBEX: Org = { id: 'org-2', name: 'Globex', role: 'viewer', require_mfa: true };

const ME = {
  'GET /api/auth/me': () =>
    jsonResponse({ id: 'user-1', email: 'ada@example.com', display_name: null, email_verified: true, mfa_enabled: true }),
};

describe('OrgsPage', () => {
  it('lists my organisations with my role, the MFA rule and the active one marked', async () => {
    mockApi({ ...ME, 'GET /api/auth/orgs': () => jsonResponse([ACME, GLOBEX]) });
    signIn();
    renderApp('/orgs');

    const table = await screen.findByRole('table', { name: 'Your organisations' });
    const rows = within(table).getAllByTestId('org-row');
    expect(rows).toHaveLength(2);
    const [acme, globex] = rows as [HTMLElement, HTMLElement];
    expect(acme.querySelector("td[data-label='Name']")!.textContent).toBe('Acme');
    expect(acme.querySelector("td[data-label='Your role']")!.textContent).toBe('owner');
    expect(acme.querySelector("td[data-label='Requires MFA']")!.textContent).toBe('No');
    expect(within(acme).getByText('Active')).toBeTruthy();
    expect(within(acme).queryByRole('button')).toBeNull();
    expect(globex.querySelector("td[data-label='Requires MFA']")!.textContent).toBe('Yes');
    expect(within(globex).getByRole('button', { name: 'Switch to Globex' }).textContent).toBe('Switch');
    expect(within(table).getByRole('columnheader', { name: 'Actions' })).toBeTruthy();
  });

  it('switches to another organisation', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi({
      ...ME,
      'GET /api/auth/orgs': () => jsonResponse([ACME, GLOBEX]),
      'POST /api/auth/orgs/org-2/switch': () =>
        jsonResponse(tokenResponse(fakeJwt({ org: 'org-2', role: 'viewer' }, 'switched'))),
    });
    signIn();
    renderApp('/orgs');

    await user.click(await screen.findByRole('button', { name: 'Switch to Globex' }));
    await waitFor(() => expect(within(screen.getAllByTestId('org-row')[1]!).queryByText('Active')).toBeTruthy());
    expect(callsTo('POST', '/api/auth/orgs/org-2/switch')).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Switch to Acme' })).toBeTruthy();
  });

  it('says why a switch to an org that requires MFA is refused, and where to set it up', async () => {
    const user = userEvent.setup();
    mockApi({
      ...ME,
      'GET /api/auth/orgs': () => jsonResponse([ACME, GLOBEX]),
      'POST /api/auth/orgs/org-2/switch': () =>
        problemResponse({
          type: 'https://adpilot.dev/problems/org-requires-mfa',
          title: 'Two-factor authentication required',
          status: 403,
          detail: 'Globex requires two-factor authentication: set it up, then sign in again.',
        }),
    });
    signIn();
    renderApp('/orgs');

    await user.click(await screen.findByRole('button', { name: 'Switch to Globex' }));
    const banner = await screen.findByText('Globex requires two-factor authentication: set it up, then sign in again.');
    const alert = banner.closest('[role="alert"]') as HTMLElement;
    expect(within(alert).getByRole('link', { name: 'Set up two-factor authentication' }).getAttribute('href')).toBe(
      '/account',
    );
    expect(within(screen.getAllByTestId('org-row')[0]!).getByText('Active')).toBeTruthy();
  });

  it('says so when I belong to no organisation', async () => {
    mockApi({ ...ME, 'GET /api/auth/orgs': () => jsonResponse([]) });
    signIn({ org: null, role: null });
    renderApp('/orgs');

    expect(await screen.findByText('You do not belong to any organisation yet.')).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });
});
