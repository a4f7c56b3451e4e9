import { act, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import type { StatusResponse } from '../api/status';
import { jsonResponse, problemResponse } from '../test/http';
import { STATUS_POLL_MS } from './StatusPage';

const STATUS: StatusResponse = {
  gateway: 'ok',
  services: [
    {
      name: 'auth',
      status: 'ready',
      checks: { database: 'ok', nats: 'ok' },
      latency_ms: 3.2,
    },
    { name: 'metrics', status: 'unreachable', error: 'connection refused' },
    {
      name: 'notify',
      status: 'not_ready',
      checks: { database: 'ok', nats: 'timeout' },
      latency_ms: 41.7,
    },
  ],
};

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App />
    </MemoryRouter>,
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe('StatusPage', () => {
  it('renders ready, not_ready and unreachable services from /api/status', async () => {
    const fetchMock = vi.fn(async () => jsonResponse(STATUS));
    vi.stubGlobal('fetch', fetchMock);

    renderAt('/');

    expect((await screen.findByTestId('status-auth')).textContent).toBe('ready');
    expect(fetchMock).toHaveBeenCalledWith('/api/status', expect.objectContaining({ method: 'GET' }));

    const auth = screen.getByTestId('service-auth');
    expect(within(auth).getByText('database')).toBeTruthy();
    expect(within(auth).getByText('nats')).toBeTruthy();
    expect(within(auth).getByText('3.2 ms')).toBeTruthy();

    expect(screen.getByTestId('status-metrics').textContent).toBe('unreachable');
    expect(screen.getByTestId('status-metrics').className).toContain('badge-error');
    expect(within(screen.getByTestId('service-metrics')).getByText('connection refused')).toBeTruthy();

    expect(screen.getByTestId('status-notify').textContent).toBe('not_ready');
    expect(within(screen.getByTestId('service-notify')).getByText('timeout')).toBeTruthy();

    expect(screen.getByTestId('status-gateway').textContent).toBe('ok');
    expect(screen.getByTestId('last-updated').textContent).toMatch(/Last updated/);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('link', { name: 'Status' }).className).toContain('active');
    expect(screen.getByRole('banner').textContent).toContain('AdPilot');
  });

  it('is also served at /status', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(STATUS)));

    renderAt('/status');

    expect((await screen.findByTestId('status-auth')).textContent).toBe('ready');
    expect(screen.getByRole('link', { name: 'Status' }).className).toContain('active');
  });

  it('shows an alert with the problem title and detail when /api/status fails', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        problemResponse({
          type: 'about:blank',
          title: 'Service Unavailable',
          status: 503,
          detail: 'Gateway is starting up',
        }),
      ),
    );

    renderAt('/status');

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load status');
    expect(alert.textContent).toContain('Service Unavailable');
    expect(alert.textContent).toContain('Gateway is starting up');
    expect(screen.queryByTestId('service-auth')).toBeNull();
  });

  it('shows an alert when the network request fails', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))));

    renderAt('/');

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Network error');
    expect(alert.textContent).toContain('Failed to fetch');
  });

  it('polls every 5 seconds and keeps the last data when a poll fails', async () => {
    vi.useFakeTimers();
    const fetchMock = vi
      .fn<() => Promise<Response>>()
      .mockResolvedValueOnce(jsonResponse(STATUS))
      .mockResolvedValueOnce(
        problemResponse({ title: 'Bad Gateway', status: 502, detail: 'upstream timeout' }),
      )
      .mockResolvedValue(
        jsonResponse({ ...STATUS, services: [{ ...STATUS.services[1]!, status: 'ready' }] }),
      );
    vi.stubGlobal('fetch', fetchMock);

    renderAt('/');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('status-metrics').textContent).toBe('unreachable');

    await act(async () => {
      await vi.advanceTimersByTimeAsync(STATUS_POLL_MS);
    });
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(screen.getByRole('alert').textContent).toContain('upstream timeout');
    // Stale data stays visible under the alert.
    expect(screen.getByTestId('status-metrics').textContent).toBe('unreachable');

    await act(async () => {
      await vi.advanceTimersByTimeAsync(STATUS_POLL_MS);
    });
    expect(fetchMock).toHaveBeenCalledTimes(3);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByTestId('status-metrics').textContent).toBe('ready');
    expect(screen.queryByTestId('service-auth')).toBeNull();
  });
});
