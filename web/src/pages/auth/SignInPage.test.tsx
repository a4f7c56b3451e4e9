import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Me } from '../../api/auth';
import { authSession } from '../../auth/session';
import { fakeJwt, jsonResponse, mockApi, problemResponse, tokenResponse } from '../../test/http';
import { renderApp } from '../../test/render';

const ME: Me = {
  id: 'user-1',
  email: 'ada@example.com',
  display_name: 'Ada',
  email_verified: true,
  mfa_enabled: true,
};
const ORGS = [{ id: 'org-1', name: "Ada's workspace", role: 'owner', require_mfa: false }];
const SESSIONS = [
  {
    id: 'session-1',
    device: 'Chrome on Linux',
    ip: '127.0.0.1',
    user_agent: 'Mozilla/5.0',
    created_at: new Date().toISOString(),
    last_active_at: new Date().toISOString(),
    current: true,
  },
];

/** The calls a signed-in layout makes, plus the page behind `?next=/sessions`. */
const SIGNED_IN_ROUTES = {
  'GET /api/auth/me': () => jsonResponse(ME),
  'GET /api/auth/orgs': () => jsonResponse(ORGS),
  'GET /api/auth/sessions': () => jsonResponse(SESSIONS),
};

async function enterCredentials(user: ReturnType<typeof userEvent.setup>) {
  await user.type(await screen.findByLabelText('Email'), 'ada@example.com');
  await user.type(screen.getByLabelText('Password'), 'correct horse battery');
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('sign-in form', () => {
  it('asks for the TOTP code after an MFA challenge and signs in with it', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi({
      ...SIGNED_IN_ROUTES,
      'POST /api/auth/login': () => jsonResponse({ mfa_required: true, mfa_token: 'challenge-token-123456' }),
      'POST /api/auth/login/mfa': () => jsonResponse(tokenResponse(fakeJwt({ mfa: true }))),
    });
    renderApp('/login?next=%2Fsessions');

    await enterCredentials(user);

    const code = await screen.findByLabelText('Authentication code');
    expect(screen.getByRole('heading', { name: 'Two-factor authentication' })).toBeTruthy();
    expect(document.activeElement).toBe(code);
    expect(callsTo('POST', '/api/auth/login')[0]!.body).toEqual({
      email: 'ada@example.com',
      password: 'correct horse battery',
    });
    expect(authSession.getSnapshot().status).toBe('anonymous');

    // Client-side validation first: no request for a malformed code.
    await user.type(code, '12ab');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect(await screen.findByText('Enter a 6-digit code.')).toBeTruthy();
    expect(code.getAttribute('aria-invalid')).toBe('true');
    expect(callsTo('POST', '/api/auth/login/mfa')).toHaveLength(0);

    await user.clear(code);
    await user.type(code, '123 456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    // Signed in: GuestOnly sends the user on to ?next=.
    expect(await screen.findByRole('heading', { name: 'Sessions', level: 1 })).toBeTruthy();
    expect(callsTo('POST', '/api/auth/login/mfa')[0]!.body).toEqual({
      mfa_token: 'challenge-token-123456',
      code: '123456',
    });
    expect(authSession.getSnapshot()).toMatchObject({ status: 'authenticated', claims: { mfa: true } });
    expect(await screen.findByTestId('current-user')).toHaveProperty('textContent', 'Ada');
  });

  it('accepts a recovery code instead, and shows a wrong code as an error', async () => {
    const user = userEvent.setup();
    let attempts = 0;
    const { callsTo } = mockApi({
      ...SIGNED_IN_ROUTES,
      'POST /api/auth/login': () => jsonResponse({ mfa_required: true, mfa_token: 'challenge-token-123456' }),
      'POST /api/auth/login/mfa': () =>
        ++attempts === 1
          ? problemResponse({
              title: 'Invalid code',
              status: 401,
              detail: 'The authentication code is wrong or was already used.',
            })
          : jsonResponse(tokenResponse(fakeJwt({ mfa: true }))),
    });
    renderApp('/login');

    await enterCredentials(user);
    await user.click(await screen.findByRole('button', { name: 'Use a recovery code' }));
    const recovery = await screen.findByLabelText('Recovery code');
    expect(document.activeElement).toBe(recovery);
    expect(screen.queryByLabelText('Authentication code')).toBeNull();

    await user.type(recovery, 'k7mq-x2dp-9rwt');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Invalid code');
    expect(alert.textContent).toContain('wrong or was already used');
    expect(authSession.getSnapshot().status).toBe('anonymous');
    // The field is cleared and focused for another try.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Recovery code')));
    expect((screen.getByLabelText('Recovery code') as HTMLInputElement).value).toBe('');

    await user.type(screen.getByLabelText('Recovery code'), 'abcd-efgh-jkmn');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    await waitFor(() => expect(authSession.getSnapshot().status).toBe('authenticated'));
    expect(callsTo('POST', '/api/auth/login/mfa').map((c) => c.body)).toEqual([
      { mfa_token: 'challenge-token-123456', code: 'k7mq-x2dp-9rwt' },
      { mfa_token: 'challenge-token-123456', code: 'abcd-efgh-jkmn' },
    ]);
    // Refresh on 401 is only for token problems: the wrong code did not trigger a refresh.
    expect(callsTo('POST', '/api/auth/refresh')).toHaveLength(0);
  });

  it('signs in directly when the account has no MFA, onto the dashboard without ?next=', async () => {
    const user = userEvent.setup();
    mockApi({
      ...SIGNED_IN_ROUTES,
      'POST /api/auth/login': () => jsonResponse(tokenResponse()),
    });
    renderApp('/login');

    await enterCredentials(user);

    expect(await screen.findByRole('heading', { name: 'Dashboard', level: 1 })).toBeTruthy();
    expect(screen.queryByLabelText('Authentication code')).toBeNull();
    expect(authSession.getSnapshot().status).toBe('authenticated');
  });

  it('shows invalid credentials and validates fields before sending', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi({
      'POST /api/auth/login': () =>
        problemResponse({ title: 'Invalid credentials', status: 401, detail: 'The email or password is incorrect.' }),
    });
    renderApp('/login');

    await user.click(await screen.findByRole('button', { name: 'Sign in' }));
    const form = screen.getByRole('form', { name: 'Sign in' });
    expect(await within(form).findByText('Enter your email address.')).toBeTruthy();
    expect(within(form).getByText('Enter your password.')).toBeTruthy();
    expect(screen.getByLabelText('Email').getAttribute('aria-invalid')).toBe('true');
    expect(callsTo('POST', '/api/auth/login')).toHaveLength(0);

    await enterCredentials(user);

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not sign you in');
    expect(alert.textContent).toContain('The email or password is incorrect.');
    expect((screen.getByLabelText('Password') as HTMLInputElement).value).toBe('');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Password')));
  });
});
