/** Helpers to build fetch Responses (and a routing fetch mock) in unit tests. */
import { vi } from 'vitest';
import type { TokenResponse } from '../api/auth';

export function jsonResponse(body: unknown, init: ResponseInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status: 200,
    ...init,
    headers: { 'Content-Type': 'application/json', ...init.headers },
  });
}

export function problemResponse(
  problem: { type?: string; title?: string; status: number; detail?: string; [key: string]: unknown },
  init: ResponseInit = {},
): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    ...init,
    headers: { 'Content-Type': 'application/problem+json', ...init.headers },
  });
}

/** The 401 a service answers for an expired or revoked access token (RFC 6750 challenge). */
export function invalidTokenResponse(): Response {
  return problemResponse(
    { title: 'Unauthorized', status: 401, detail: 'The access token is not valid.' },
    { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } },
  );
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

function base64Url(value: string): string {
  return btoa(value).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export interface FakeClaims {
  sub?: string;
  sid?: string;
  org?: string | null;
  role?: string | null;
  mfa?: boolean;
}

/** An unsigned JWT-shaped access token with the given claims (the SPA only reads claims). */
export function fakeJwt(claims: FakeClaims = {}, label = 'token'): string {
  const payload = {
    sub: 'user-1',
    sid: 'session-1',
    org: 'org-1',
    role: 'owner',
    mfa: false,
    label,
    ...claims,
  };
  return `${base64Url(JSON.stringify({ alg: 'EdDSA', typ: 'at+jwt' }))}.${base64Url(JSON.stringify(payload))}.c2ln`;
}

export function tokenResponse(
  accessToken: string = fakeJwt(),
  expiresInMs = 10 * 60_000,
  sessionId = 'session-1',
): TokenResponse {
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_at: new Date(Date.now() + expiresInMs).toISOString(),
    session_id: sessionId,
  };
}

export interface RecordedCall {
  method: string;
  url: string;
  /** The URL without its query string. */
  path: string;
  headers: Headers;
  /** The parsed JSON body, if any. */
  body: unknown;
}

type Handler = (call: RecordedCall) => Response | Promise<Response>;

/**
 * Stub `fetch` with handlers keyed by "METHOD /path" (query string ignored). Unmatched requests get a 404
 * problem, so a test notices calls it did not expect. Returns the recorded calls.
 */
export function mockApi(routes: Record<string, Handler>) {
  const calls: RecordedCall[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const method = (init.method ?? 'GET').toUpperCase();
    const path = url.split('?')[0]!;
    const body = typeof init.body === 'string' && init.body !== '' ? (JSON.parse(init.body) as unknown) : undefined;
    const call: RecordedCall = { method, url, path, headers: new Headers(init.headers), body };
    calls.push(call);
    const handler = routes[`${method} ${path}`];
    if (!handler) {
      return problemResponse({ title: 'Not Found', status: 404, detail: `no mock for ${method} ${url}` });
    }
    return handler(call);
  });
  vi.stubGlobal('fetch', fetchMock);
  const callsTo = (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path);
  return { fetchMock, calls, callsTo };
}
