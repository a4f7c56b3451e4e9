import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from '../api/client';
import {
  fakeJwt,
  invalidTokenResponse,
  jsonResponse,
  mockApi,
  noContent,
  problemResponse,
  tokenResponse,
} from '../test/http';
import { authSession, decodeClaims, LOGOUT_PATH, REFRESH_LEAD_MS, REFRESH_PATH } from './session';

const OLD = fakeJwt({ org: 'org-1' }, 'old');
const NEW = fakeJwt({ org: 'org-1' }, 'new');

function setCsrfCookie(value = 'csrf-123') {
  document.cookie = `adpilot_csrf=${value}; Path=/`;
}

/** A deferred response, to hold a refresh open while other requests pile up. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('auth session', () => {
  it('keeps the access token in memory only and sends it as a bearer token', async () => {
    const { calls } = mockApi({ 'GET /api/auth/me': () => jsonResponse({ id: 'user-1' }) });

    authSession.signIn(tokenResponse(OLD));
    await api.get('/api/auth/me');

    expect(calls[0]!.headers.get('Authorization')).toBe(`Bearer ${OLD}`);
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
    expect(document.cookie).not.toContain(OLD);
    // The React-facing snapshot carries claims, never the token itself.
    const snapshot = authSession.getSnapshot();
    expect(JSON.stringify(snapshot)).not.toContain(OLD);
    expect(snapshot).toMatchObject({
      status: 'authenticated',
      claims: { userId: 'user-1', sessionId: 'session-1', orgId: 'org-1', role: 'owner', mfa: false },
    });
  });

  it('refreshes once for concurrent 401s and retries each request once with the new token', async () => {
    setCsrfCookie('csrf-abc');
    const refresh = deferred<Response>();
    const { callsTo } = mockApi({
      [`POST ${REFRESH_PATH}`]: () => refresh.promise,
      'GET /api/thing': (call) =>
        call.headers.get('Authorization') === `Bearer ${NEW}`
          ? jsonResponse({ ok: call.url })
          : invalidTokenResponse(),
    });
    authSession.signIn(tokenResponse(OLD));

    const results = Promise.all([
      api.get('/api/thing?n=1'),
      api.get('/api/thing?n=2'),
      api.get('/api/thing?n=3'),
    ]);
    await vi.waitFor(() => expect(callsTo('POST', REFRESH_PATH)).toHaveLength(1));
    refresh.resolve(jsonResponse(tokenResponse(NEW)));

    await expect(results).resolves.toEqual([
      { ok: '/api/thing?n=1' },
      { ok: '/api/thing?n=2' },
      { ok: '/api/thing?n=3' },
    ]);
    const [refreshCall] = callsTo('POST', REFRESH_PATH);
    expect(callsTo('POST', REFRESH_PATH)).toHaveLength(1);
    expect(refreshCall!.headers.get('X-CSRF-Token')).toBe('csrf-abc');
    expect(refreshCall!.headers.get('Authorization')).toBeNull();
    expect(callsTo('GET', '/api/thing')).toHaveLength(6); // 3 rejected + 3 retried
    await expect(authSession.getAccessToken()).resolves.toBe(NEW);
  });

  it('signs out when the refresh fails, without retrying again', async () => {
    setCsrfCookie();
    const { callsTo } = mockApi({
      [`POST ${REFRESH_PATH}`]: () => problemResponse({ title: 'Session expired', status: 401, detail: 'Sign in again.' }),
      'GET /api/thing': () => invalidTokenResponse(),
    });
    authSession.signIn(tokenResponse(OLD));

    const err = (await api.get('/api/thing').catch((e: unknown) => e)) as ApiError;

    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(401);
    expect(callsTo('POST', REFRESH_PATH)).toHaveLength(1);
    expect(callsTo('GET', '/api/thing')).toHaveLength(1);
    expect(authSession.getSnapshot().status).toBe('anonymous');
    await expect(authSession.getAccessToken()).resolves.toBeNull();
    // The stale CSRF cookie goes too, so the next page load does not try a doomed refresh.
    expect(document.cookie).not.toContain('adpilot_csrf');
  });

  it('does not refresh on a 401 that is not about the token (e.g. a wrong password)', async () => {
    const { callsTo } = mockApi({
      'POST /api/auth/mfa/totp/enrol': () =>
        problemResponse({ title: 'Re-authentication failed', status: 401, detail: 'The password is incorrect.' }),
    });
    authSession.signIn(tokenResponse(OLD));

    await expect(api.post('/api/auth/mfa/totp/enrol', { password: 'x' })).rejects.toMatchObject({ status: 401 });
    expect(callsTo('POST', REFRESH_PATH)).toHaveLength(0);
    expect(callsTo('POST', '/api/auth/mfa/totp/enrol')).toHaveLength(1);
    expect(authSession.getSnapshot().status).toBe('authenticated');
  });

  it('restores the session from the refresh cookie once per page load', async () => {
    setCsrfCookie();
    const { callsTo } = mockApi({ [`POST ${REFRESH_PATH}`]: () => jsonResponse(tokenResponse(NEW)) });

    // StrictMode mounts effects twice: both calls share one refresh.
    await Promise.all([authSession.restore(), authSession.restore()]);
    await authSession.restore();

    expect(callsTo('POST', REFRESH_PATH)).toHaveLength(1);
    expect(authSession.getSnapshot().status).toBe('authenticated');
    await expect(authSession.getAccessToken()).resolves.toBe(NEW);
  });

  it('skips the refresh on load when there is no session cookie', async () => {
    const { fetchMock } = mockApi({});

    await authSession.restore();

    expect(fetchMock).not.toHaveBeenCalled();
    expect(authSession.getSnapshot().status).toBe('anonymous');
  });

  it('refreshes shortly before the access token expires', async () => {
    vi.useFakeTimers();
    setCsrfCookie();
    const { callsTo } = mockApi({ [`POST ${REFRESH_PATH}`]: () => jsonResponse(tokenResponse(NEW)) });
    authSession.signIn(tokenResponse(OLD, 10 * 60_000));

    await vi.advanceTimersByTimeAsync(10 * 60_000 - REFRESH_LEAD_MS - 1_000);
    expect(callsTo('POST', REFRESH_PATH)).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(2_000);
    expect(callsTo('POST', REFRESH_PATH)).toHaveLength(1);
    await expect(authSession.getAccessToken()).resolves.toBe(NEW);
  });

  it('refreshes before using a token that is about to expire', async () => {
    setCsrfCookie();
    const { callsTo } = mockApi({
      [`POST ${REFRESH_PATH}`]: () => jsonResponse(tokenResponse(NEW)),
      'GET /api/thing': () => jsonResponse({}),
    });
    authSession.signIn(tokenResponse(OLD, 2_000)); // e.g. the laptop slept through the timer

    await api.get('/api/thing');

    expect(callsTo('POST', REFRESH_PATH)).toHaveLength(1);
    expect(callsTo('GET', '/api/thing')[0]!.headers.get('Authorization')).toBe(`Bearer ${NEW}`);
  });

  it('signs out with the CSRF header and forgets the token', async () => {
    setCsrfCookie('csrf-xyz');
    const { callsTo } = mockApi({
      [`POST ${LOGOUT_PATH}`]: () => noContent(),
      'GET /api/status': () => jsonResponse({}),
    });
    authSession.signIn(tokenResponse(OLD));

    await authSession.logout();

    const [logout] = callsTo('POST', LOGOUT_PATH);
    expect(logout!.headers.get('X-CSRF-Token')).toBe('csrf-xyz');
    expect(authSession.getSnapshot()).toEqual({ status: 'anonymous', claims: null, expiresAt: null });
    await api.get('/api/status');
    expect(callsTo('GET', '/api/status')[0]!.headers.get('Authorization')).toBeNull();
  });

  it('reads the claims of an access token', () => {
    expect(decodeClaims(fakeJwt({ sub: 'u', sid: 's', org: null, role: null, mfa: true }))).toEqual({
      userId: 'u',
      sessionId: 's',
      orgId: null,
      role: null,
      mfa: true,
    });
    expect(decodeClaims('not-a-jwt')).toBeNull();
  });
});
