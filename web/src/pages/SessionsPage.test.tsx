import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { SessionInfo } from '../api/auth';
import { jsonResponse, mockApi, noContent, problemResponse, tokenResponse } from '../test/http';
import { renderApp, signIn } from '../test/render';

const now = Date.now();
const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
const CURRENT: SessionInfo = {
  id: 'session-1',
  device: 'Chrome on Linux',
  ip: '127.0.0.1',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131',
  created_at: iso(3_600_000),
  last_active_at: iso(10_000),
  current: true,
};
const PHONE: SessionInfo = {
  id: 'session-2',
  device: 'Mobile Safari on iOS',
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0 (iPhone)',
  created_at: iso(86_400_000 * 3),
  last_active_at: iso(7_200_000),
  current: false,
};
const LAPTOP: SessionInfo = { ...PHONE, id: 'session-3', device: null, ip: null, user_agent: null };

const LAYOUT = {
  'GET /api/auth/me': () =>
    jsonResponse({ id: 'user-1', email: 'ada@example.com', display_name: null, email_verified: true, mfa_enabled: false }),
  'GET /api/auth/orgs': () => jsonResponse([{ id: 'org-1', name: 'Acme', role: 'owner', require_mfa: false }]),
};

describe('SessionsPage', () => {
  it('lists sessions with device, IP, last activity and the current one marked', async () => {
    mockApi({ ...LAYOUT, 'GET /api/auth/sessions': () => jsonResponse([PHONE, CURRENT, LAPTOP]) });
    signIn();
    renderApp('/sessions');

    const current = await screen.findByTestId('session-current');
    expect(current.textContent).toContain('Chrome on Linux');
    expect(current.textContent).toContain('This device');
    expect(current.textContent).toContain('127.0.0.1');
    expect(within(current).queryByRole('button')).toBeNull(); // the current session is ended by signing out
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows[0]).toBe(current); // current first
    const others = screen.getAllByTestId('session');
    expect(others.map((r) => r.textContent)).toEqual([
      expect.stringContaining('203.0.113.7'),
      expect.stringContaining('Unknown device'),
    ]);
    expect(within(others[0]!).getByText('2 hours ago')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('revokes one session and all others', async () => {
    const user = userEvent.setup();
    let sessions = [CURRENT, PHONE, LAPTOP];
    const { callsTo } = mockApi({
      ...LAYOUT,
      'GET /api/auth/sessions': () => jsonResponse(sessions),
      'DELETE /api/auth/sessions/session-2': () => {
        sessions = sessions.filter((s) => s.id !== 'session-2');
        return noContent();
      },
      'POST /api/auth/sessions/revoke-others': () => {
        sessions = [CURRENT];
        return jsonResponse({ revoked: 1 });
      },
    });
    signIn();
    renderApp('/sessions');

    await user.click(await screen.findByRole('button', { name: 'Sign out Mobile Safari on iOS (203.0.113.7)' }));
    await waitFor(() => expect(screen.getAllByTestId('session')).toHaveLength(1));
    expect(callsTo('DELETE', '/api/auth/sessions/session-2')).toHaveLength(1);

    await user.click(screen.getByRole('button', { name: 'Sign out all other sessions' }));
    expect((await screen.findByTestId('revoked-others')).textContent).toBe('1 other session was signed out.');
    await waitFor(() => expect(screen.queryAllByTestId('session')).toHaveLength(0));
    expect(screen.getByRole('button', { name: 'Sign out all other sessions' })).toHaveProperty('disabled', true);
  });

  it('shows the problem when the list cannot be loaded', async () => {
    mockApi({
      ...LAYOUT,
      'GET /api/auth/sessions': () =>
        problemResponse({ title: 'Forbidden', status: 403, detail: 'This session may not list sessions.' }),
    });
    signIn();
    renderApp('/sessions');

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load your sessions');
    expect(alert.textContent).toContain('This session may not list sessions.');
  });

  it('sends a signed-out visitor to sign in', async () => {
    const { fetchMock } = mockApi({});
    renderApp('/sessions');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(fetchMock).not.toHaveBeenCalled(); // no session cookie: no refresh attempt either
  });

  it('restores the session on load when the refresh cookie is there', async () => {
    document.cookie = 'adpilot_csrf=csrf-1; Path=/';
    const { callsTo } = mockApi({
      ...LAYOUT,
      'POST /api/auth/refresh': () => jsonResponse(tokenResponse()),
      'GET /api/auth/sessions': () => jsonResponse([CURRENT]),
    });
    renderApp('/sessions');

    expect(await screen.findByTestId('session-current')).toBeTruthy();
    expect(callsTo('POST', '/api/auth/refresh')).toHaveLength(1);
    expect(callsTo('GET', '/api/auth/sessions')[0]!.headers.get('Authorization')).toMatch(/^Bearer /);
  });
});
