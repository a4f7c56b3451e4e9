import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { LAYOUT, orgs } from '../test/connectors';
import { jsonResponse, mockApi } from '../test/http';
import { renderApp, signIn } from '../test/render';

describe('Layout', () => {
  // On a phone (styles.css) the navigation shows only while the Menu disclosure is open.
  it('folds the navigation under Menu: a chosen page or Escape closes it', async () => {
    const user = userEvent.setup();
    mockApi({ ...LAYOUT, ...orgs(), 'GET /api/status': () => jsonResponse({ gateway: 'ok', services: [] }) });
    signIn();
    const { container } = renderApp('/status');

    const menu = screen.getByRole('button', { name: 'Menu' });
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(menu.getAttribute('aria-controls')).toBe(nav.id);
    expect(menu.getAttribute('aria-expanded')).toBe('false');
    const app = container.querySelector('.app')!;
    expect(app.classList.contains('nav-open')).toBe(false);

    await user.click(menu);
    expect(menu.getAttribute('aria-expanded')).toBe('true');
    expect(app.classList.contains('nav-open')).toBe(true);
    await user.click(within(nav).getByRole('link', { name: 'Sessions' }));
    expect(await screen.findByRole('heading', { name: 'Sessions', level: 1 })).toBeTruthy();
    expect(menu.getAttribute('aria-expanded')).toBe('false');

    await user.click(menu);
    within(nav).getByRole('link', { name: 'Campaigns' }).focus();
    await user.keyboard('{Escape}');
    expect(menu.getAttribute('aria-expanded')).toBe('false');
    await waitFor(() => expect(document.activeElement).toBe(menu));
  });
});
