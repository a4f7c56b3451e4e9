import { describe, expect, it, vi } from 'vitest';
import { problemResponse, jsonResponse } from '../test/http';
import { ApiError, api, apiFetch } from './client';

function mockFetch(response: Response | (() => Promise<Response>)) {
  const fn = vi.fn(typeof response === 'function' ? response : async () => response);
  vi.stubGlobal('fetch', fn);
  return fn;
}

describe('apiFetch', () => {
  it('returns parsed JSON and sends same-origin credentials', async () => {
    const fetchMock = mockFetch(jsonResponse({ hello: 'world' }));

    await expect(api.get<{ hello: string }>('/api/thing')).resolves.toEqual({ hello: 'world' });

    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/thing');
    expect(init.credentials).toBe('same-origin');
    expect(init.method).toBe('GET');
    expect(new Headers(init.headers).get('Accept')).toContain('application/problem+json');
  });

  it('serializes a JSON body', async () => {
    const fetchMock = mockFetch(jsonResponse({ id: 1 }, { status: 201 }));

    await api.post('/api/things', { name: 'x' });

    const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"name":"x"}');
    expect(new Headers(init.headers).get('Content-Type')).toBe('application/json');
  });

  it('returns undefined for 204 No Content', async () => {
    mockFetch(new Response(null, { status: 204 }));
    await expect(api.delete('/api/things/1')).resolves.toBeUndefined();
  });

  it('parses an RFC 9457 problem+json error into ApiError', async () => {
    mockFetch(
      problemResponse({
        type: 'https://adpilot.dev/problems/forbidden',
        title: 'Forbidden',
        status: 403,
        detail: 'You need the admin role to do this.',
      }),
    );

    const err = await apiFetch('/api/admin').catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ApiError);
    const apiErr = err as ApiError;
    expect(apiErr.status).toBe(403);
    expect(apiErr.title).toBe('Forbidden');
    expect(apiErr.detail).toBe('You need the admin role to do this.');
    expect(apiErr.type).toBe('https://adpilot.dev/problems/forbidden');
    expect(apiErr.message).toBe('Forbidden: You need the admin role to do this.');
    expect(apiErr.problem?.status).toBe(403);
  });

  it('keeps the correlation id of an error answer', async () => {
    mockFetch(problemResponse({ title: 'Conflict', status: 409 }, { headers: { 'X-Correlation-ID': 'cid-7' } }));

    const err = (await apiFetch('/api/things').catch((e: unknown) => e)) as ApiError;

    expect(err.status).toBe(409);
    expect(err.correlationId).toBe('cid-7');
  });

  it('keeps problem extension members', async () => {
    mockFetch(
      new Response(
        JSON.stringify({
          title: 'Validation failed',
          status: 422,
          errors: [{ field: 'name', message: 'required' }],
        }),
        { status: 422, headers: { 'Content-Type': 'application/problem+json; charset=utf-8' } },
      ),
    );

    const err = (await apiFetch('/api/things').catch((e: unknown) => e)) as ApiError;

    expect(err.title).toBe('Validation failed');
    expect(err.detail).toBeUndefined();
    expect(err.type).toBe('about:blank');
    expect(err.problem?.errors).toEqual([{ field: 'name', message: 'required' }]);
  });

  it('falls back to the status text for non-problem errors', async () => {
    mockFetch(
      new Response('upstream exploded', {
        status: 502,
        statusText: 'Bad Gateway',
        headers: { 'Content-Type': 'text/plain' },
      }),
    );

    const err = (await apiFetch('/api/x').catch((e: unknown) => e)) as ApiError;

    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(502);
    expect(err.title).toBe('Bad Gateway');
    expect(err.detail).toBe('upstream exploded');
  });

  it('wraps network failures as ApiError with status 0', async () => {
    mockFetch(() => Promise.reject(new TypeError('Failed to fetch')));

    const err = (await apiFetch('/api/x').catch((e: unknown) => e)) as ApiError;

    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(0);
    expect(err.title).toBe('Network error');
    expect(err.detail).toBe('Failed to fetch');
  });

  it('rethrows aborts unchanged', async () => {
    const abort = new DOMException('The operation was aborted.', 'AbortError');
    mockFetch(() => Promise.reject(abort));

    await expect(apiFetch('/api/x')).rejects.toBe(abort);
  });

  it('rejects a successful non-JSON response (e.g. the SPA index.html)', async () => {
    mockFetch(new Response('<!doctype html>', { headers: { 'Content-Type': 'text/html' } }));

    const err = (await apiFetch('/api/x').catch((e: unknown) => e)) as ApiError;

    expect(err).toBeInstanceOf(ApiError);
    expect(err.title).toBe('Unexpected response');
  });
});
