import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../api/auth';
import { jsonResponse, mockApi } from '../test/http';
import { renderApp, signIn } from '../test/render';
import { summariseChanges } from './AuditPage';

function entry(id: number, action: string, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id,
    occurred_at: new Date(Date.UTC(2026, 0, 1, 12, 0, id)).toISOString(),
    actor_user_id: 'user-1',
    action,
    resource_type: null,
    resource_id: null,
    changes: null,
    ip: '127.0.0.1',
    user_agent: 'test',
    source: 'auth',
    ...extra,
  };
}

const LAYOUT = {
  'GET /api/auth/me': () =>
    jsonResponse({ id: 'user-1', email: 'ada@example.com', display_name: 'Ada', email_verified: true, mfa_enabled: true }),
  'GET /api/auth/orgs/org-1/members': () =>
    jsonResponse([
      { user_id: 'user-1', email: 'ada@example.com', display_name: 'Ada', role: 'owner', joined_at: '2026-01-01T00:00:00Z' },
    ]),
};

function orgs(role: string) {
  return { 'GET /api/auth/orgs': () => jsonResponse([{ id: 'org-1', name: 'Acme', role, require_mfa: false }]) };
}

describe('AuditPage', () => {
  it('pages through the log with the cursor and filters by action prefix', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi({
      ...LAYOUT,
      ...orgs('admin'),
      'GET /api/auth/orgs/org-1/audit': ({ url }) => {
        const params = new URL(url, 'http://x').searchParams;
        if (params.get('action') === 'mfa.') {
          return jsonResponse({ items: [entry(3, 'mfa.enabled')], next_cursor: null });
        }
        if (params.get('cursor') === '4') {
          return jsonResponse({ items: [entry(3, 'mfa.enabled'), entry(2, 'login.succeeded')], next_cursor: null });
        }
        return jsonResponse({
          items: [
            entry(5, 'member.role_changed', {
              resource_type: 'membership',
              changes: { role: { old: 'member', new: 'admin' } },
            }),
            entry(4, 'login.succeeded', { actor_user_id: 'someone-else-entirely' }),
          ],
          next_cursor: 4,
        });
      },
    });
    signIn({ role: 'admin' });
    renderApp('/audit');

    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(2));
    const first = screen.getAllByTestId('audit-row')[0]!;
    expect(first.textContent).toContain('member.role_changed');
    expect(first.textContent).toContain('role: member → admin');
    await waitFor(() => expect(first.textContent).toContain('ada@example.com')); // actor id → member email
    expect(screen.getAllByTestId('audit-row')[1]!.textContent).toContain('someone');

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(4));
    expect(callsTo('GET', '/api/auth/orgs/org-1/audit').map((c) => c.url)).toEqual([
      '/api/auth/orgs/org-1/audit?limit=50',
      '/api/auth/orgs/org-1/audit?limit=50&cursor=4',
    ]);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(screen.getByText(/4 entries shown · end of the log/)).toBeTruthy();

    await user.type(screen.getByLabelText('Action (or prefix)'), 'mfa.');
    await user.click(screen.getByRole('button', { name: 'Filter' }));
    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(1));
    expect(screen.getByTestId('audit-row').getAttribute('data-action')).toBe('mfa.enabled');
    expect(callsTo('GET', '/api/auth/orgs/org-1/audit').at(-1)!.url).toBe(
      '/api/auth/orgs/org-1/audit?limit=50&action=mfa.',
    );

    await user.click(screen.getByRole('button', { name: 'Clear filter' }));
    await waitFor(() => expect(screen.getAllByTestId('audit-row')).toHaveLength(4)); // cached pages come back
  });

  it('shows an empty state for a filter without matches', async () => {
    const user = userEvent.setup();
    mockApi({
      ...LAYOUT,
      ...orgs('owner'),
      'GET /api/auth/orgs/org-1/audit': ({ url }) =>
        jsonResponse(url.includes('action=') ? { items: [], next_cursor: null } : { items: [entry(1, 'org.created')], next_cursor: null }),
    });
    signIn();
    renderApp('/audit');

    await screen.findByTestId('audit-row');
    await user.type(screen.getByLabelText('Action (or prefix)'), 'sso.');
    await user.keyboard('{Enter}');
    expect(await screen.findByText('No entries match “sso.”.')).toBeTruthy();
  });

  it('is only for admins and owners', async () => {
    const { callsTo } = mockApi({ ...LAYOUT, ...orgs('member') });
    signIn({ role: 'member' });
    renderApp('/audit');

    expect(await screen.findByText('Only admins and owners of Acme can see its audit log.')).toBeTruthy();
    expect(callsTo('GET', '/api/auth/orgs/org-1/audit')).toHaveLength(0);
    expect(screen.queryByRole('link', { name: 'Audit log' })).toBeNull(); // not in the navigation either
  });

  it('summarises changes', () => {
    expect(summariseChanges({ name: { new: 'Acme' } })).toBe('name: Acme');
    expect(summariseChanges({ role: { old: 'admin' } })).toBe('role: was admin');
    expect(summariseChanges({ method: 'totp', mfa: true })).toBe('method: totp; mfa: true');
    expect(summariseChanges(null)).toBe('');
  });
});
