import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { lazy, Suspense } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { PageErrorBoundary } from './PageErrorBoundary';

describe('PageErrorBoundary', () => {
  it('shows a page whose chunk cannot be fetched as an error with a reload, not a blank screen', async () => {
    // React (development build) rethrows the render error on window and logs it: expected here, kept quiet.
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const quiet = (event: ErrorEvent) => event.preventDefault();
    window.addEventListener('error', quiet);
    const reload = vi.fn();
    vi.stubGlobal('location', { ...window.location, reload });
    const Missing = lazy(() =>
      Promise.reject(new TypeError('Failed to fetch dynamically imported module: /assets/ReportsPage-old.js')),
    );
    render(
      <PageErrorBoundary>
        <Suspense fallback={<p>Loading…</p>}>
          <Missing />
        </Suspense>
      </PageErrorBoundary>,
    );

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('This page could not be shown');
    expect(alert.textContent).toContain('Failed to fetch dynamically imported module');
    await userEvent.click(screen.getByRole('button', { name: 'Reload' }));
    expect(reload).toHaveBeenCalledOnce();
    window.removeEventListener('error', quiet);
  });

  it('renders its page when nothing fails', () => {
    render(
      <PageErrorBoundary>
        <p>Dashboard</p>
      </PageErrorBoundary>,
    );
    expect(screen.getByText('Dashboard')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
