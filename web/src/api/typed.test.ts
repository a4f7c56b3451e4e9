import { afterEach, describe, expect, it, vi } from 'vitest';
import { invalidTokenResponse, jsonResponse, mockApi, noContent, problemResponse } from '../test/http';
import { ApiError, setAuthProvider, type AuthProvider } from './client';
import { api, ok, publicApi, withCsrf } from './typed';

/** A token source like the session's: hands out `first`, and `second` after a 401. */
function provider(first = 'token-1', second: string | null = 'token-2') {
  const source = {
    getAccessToken: vi.fn(async () => first),
    handleUnauthorized: vi.fn(async () => second),
  } satisfies AuthProvider;
  setAuthProvider(source);
  return source;
}

const ME = { id: 'u1', email: 'a@example.com', display_name: null, email_verified: true, mfa_enabled: false };

afterEach(() => setAuthProvider(null));

describe('the typed client', () => {
  it('sends a same-origin request with the path, the token and JSON accepted, and returns the data', async () => {
    provider();
    const { calls, fetchMock } = mockApi({ 'GET /api/auth/me': () => jsonResponse(ME) });

    await expect(ok(api.GET('/api/auth/me'))).resolves.toEqual(ME);

    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call!.url).toBe('/api/auth/me');
    expect(call!.headers.get('Authorization')).toBe('Bearer token-1');
    expect(call!.headers.get('Accept')).toContain('application/problem+json');
    const init = fetchMock.mock.calls[0]![1]!;
    expect(init.credentials).toBe('same-origin');
  });

  it('fills path parameters (encoded) and the query string, and serializes a JSON body', async () => {
    provider();
    const { calls } = mockApi({
      'PUT /api/auth/orgs/o%2F1/members/u1/role': () =>
        jsonResponse({ user_id: 'u1', email: 'a@example.com', display_name: null, role: 'admin', joined_at: 'x' }),
      'GET /api/auth/orgs/o1/audit': () => jsonResponse({ items: [], next_cursor: null }),
    });

    await ok(
      api.PUT('/api/auth/orgs/{org_id}/members/{user_id}/role', {
        params: { path: { org_id: 'o/1', user_id: 'u1' } },
        body: { role: 'admin' },
      }),
    );
    await ok(api.GET('/api/auth/orgs/{org_id}/audit', { params: { path: { org_id: 'o1' }, query: { limit: 5 } } }));

    expect(calls[0]!.method).toBe('PUT');
    expect(calls[0]!.body).toEqual({ role: 'admin' });
    expect(calls[0]!.headers.get('Content-Type')).toBe('application/json');
    expect(calls[1]!.url).toBe('/api/auth/orgs/o1/audit?limit=5');
  });

  it('returns undefined for 204 No Content', async () => {
    provider();
    mockApi({ 'DELETE /api/auth/sessions/s1': () => noContent() });
    await expect(
      ok(api.DELETE('/api/auth/sessions/{session_id}', { params: { path: { session_id: 's1' } } })),
    ).resolves.toBeUndefined();
  });

  it('refreshes once after a token challenge and retries with the new token and the same body', async () => {
    const tokens = provider();
    let attempts = 0;
    const { calls } = mockApi({
      'POST /api/auth/orgs': () =>
        ++attempts === 1 ? invalidTokenResponse() : jsonResponse({ id: 'o1' }, { status: 201 }),
    });

    await expect(ok(api.POST('/api/auth/orgs', { body: { name: 'Acme' } }))).resolves.toEqual({ id: 'o1' });

    expect(tokens.handleUnauthorized).toHaveBeenCalledTimes(1);
    expect(tokens.handleUnauthorized).toHaveBeenCalledWith('token-1');
    expect(calls.map((c) => c.headers.get('Authorization'))).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(calls.map((c) => c.body)).toEqual([{ name: 'Acme' }, { name: 'Acme' }]);
  });

  it('gives up when the refresh fails, and never retries a 401 without a token challenge', async () => {
    const tokens = provider('token-1', null);
    mockApi({ 'GET /api/auth/me': () => invalidTokenResponse() });
    const expired = (await ok(api.GET('/api/auth/me')).catch((e: unknown) => e)) as ApiError;
    expect(expired).toBeInstanceOf(ApiError);
    expect(expired.status).toBe(401);
    expect(tokens.handleUnauthorized).toHaveBeenCalledTimes(1);

    tokens.handleUnauthorized.mockClear();
    const { calls } = mockApi({
      'POST /api/auth/mfa/disable': () => problemResponse({ title: 'Wrong password', status: 401 }),
    });
    const wrong = (await ok(api.POST('/api/auth/mfa/disable', { body: { password: 'x', code: '1' } })).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect(wrong.title).toBe('Wrong password');
    expect(tokens.handleUnauthorized).not.toHaveBeenCalled();
    expect(calls).toHaveLength(1);
  });

  it('sends no token on public endpoints, and the CSRF cookie when asked', async () => {
    const tokens = provider();
    document.cookie = 'adpilot_csrf=csrf-value; Path=/';
    const { calls } = mockApi({
      'POST /api/auth/login': () => problemResponse({ title: 'Invalid credentials', status: 401 }),
      'POST /api/auth/refresh': () =>
        jsonResponse({ access_token: 't', token_type: 'Bearer', expires_at: 'x', session_id: 's' }),
    });

    const login = publicApi.POST('/api/auth/login', { body: { email: 'a@example.com', password: 'x' } });
    await expect(ok(login)).rejects.toThrow('Invalid credentials');
    await ok(publicApi.POST('/api/auth/refresh', { middleware: [withCsrf] }));

    expect(tokens.getAccessToken).not.toHaveBeenCalled();
    expect(calls.map((c) => c.headers.get('Authorization'))).toEqual([null, null]);
    expect(calls[0]!.headers.get('X-CSRF-Token')).toBeNull();
    expect(calls[1]!.headers.get('X-CSRF-Token')).toBe('csrf-value');
  });

  it('throws problems as ApiError with the correlation id of the answer', async () => {
    mockApi({
      'GET /api/auth/me': () =>
        problemResponse(
          { type: 'https://adpilot.dev/problems/forbidden', title: 'Forbidden', status: 403, detail: 'Not yours.' },
          { headers: { 'X-Correlation-ID': 'cid-42' } },
        ),
    });

    const err = (await ok(api.GET('/api/auth/me')).catch((e: unknown) => e)) as ApiError;

    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(403);
    expect(err.type).toBe('https://adpilot.dev/problems/forbidden');
    expect(err.detail).toBe('Not yours.');
    expect(err.correlationId).toBe('cid-42');
  });

  it('wraps network failures as ApiError 0, rethrows aborts and refuses non-JSON answers', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))));
    const offline = (await ok(api.GET('/api/auth/me')).catch((e: unknown) => e)) as ApiError;
    expect(offline).toBeInstanceOf(ApiError);
    expect(offline.status).toBe(0);
    expect(offline.detail).toBe('Failed to fetch');

    const abort = new DOMException('The operation was aborted.', 'AbortError');
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(abort)));
    await expect(ok(api.GET('/api/auth/me'))).rejects.toBe(abort);

    const page = () => new Response('<!doctype html>', { headers: { 'Content-Type': 'text/html' } });
    vi.stubGlobal('fetch', vi.fn(async () => page()));
    const html = (await ok(api.GET('/api/auth/me')).catch((e: unknown) => e)) as ApiError;
    expect(html).toBeInstanceOf(ApiError);
    expect(html.title).toBe('Unexpected response');
  });
});
