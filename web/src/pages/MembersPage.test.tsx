import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Invitation, Member, Role } from '../api/auth';
import { jsonResponse, mockApi, noContent, problemResponse } from '../test/http';
import { renderApp, signIn } from '../test/render';

const day = 86_400_000;
const ADA: Member = { user_id: 'user-1', email: 'ada@example.com', display_name: 'Ada', role: 'owner', joined_at: '2026-01-01T00:00:00Z' };
const BOB: Member = { user_id: 'user-2', email: 'bob@example.com', display_name: null, role: 'member', joined_at: '2026-01-02T00:00:00Z' };
const CY: Member = { user_id: 'user-3', email: 'cy@example.com', display_name: 'Cy', role: 'owner', joined_at: '2026-01-03T00:00:00Z' };

function invitation(id: string, email: string, extra: Partial<Invitation> = {}): Invitation {
  return {
    id,
    email,
    role: 'member',
    created_at: new Date(Date.now() - day).toISOString(),
    expires_at: new Date(Date.now() + 6 * day).toISOString(),
    accepted_at: null,
    ...extra,
  };
}

function layout(role: Role) {
  return {
    'GET /api/auth/me': () =>
      jsonResponse({ id: 'user-1', email: 'ada@example.com', display_name: 'Ada', email_verified: true, mfa_enabled: true }),
    'GET /api/auth/orgs': () => jsonResponse([{ id: 'org-1', name: 'Acme', role, require_mfa: false }]),
  };
}

describe('MembersPage', () => {
  it('lets an owner change a role, remove a member and revoke a pending invitation', async () => {
    const user = userEvent.setup();
    let members = [ADA, BOB, CY];
    let invitations = [
      invitation('i1', 'dee@example.com'),
      invitation('i2', 'old@example.com', { expires_at: new Date(Date.now() - day).toISOString() }),
      invitation('i3', 'joined@example.com', { accepted_at: new Date().toISOString() }),
    ];
    const { callsTo } = mockApi({
      ...layout('owner'),
      'GET /api/auth/orgs/org-1/members': () => jsonResponse(members),
      'PUT /api/auth/orgs/org-1/members/user-2/role': ({ body }) => {
        members = members.map((m) => (m.user_id === 'user-2' ? { ...m, role: (body as { role: Role }).role } : m));
        return jsonResponse(members[1]);
      },
      'DELETE /api/auth/orgs/org-1/members/user-3': () => {
        members = members.filter((m) => m.user_id !== 'user-3');
        return noContent();
      },
      'GET /api/auth/orgs/org-1/invitations': () => jsonResponse(invitations),
      'DELETE /api/auth/orgs/org-1/invitations/i1': () => {
        invitations = invitations.filter((i) => i.id !== 'i1');
        return noContent();
      },
    });
    signIn();
    renderApp('/members');

    const table = await screen.findByRole('table', { name: 'Members' });
    const [me, bob] = within(table).getAllByTestId('member-row') as [HTMLElement, HTMLElement, HTMLElement];
    expect(me.textContent).toContain('You');
    expect(me.querySelector("td[data-label='Role']")!.textContent).toBe('owner');
    expect(within(me).queryByRole('button')).toBeNull(); // not myself

    // A role change is kept in its cell until saved.
    const select = within(bob).getByLabelText('Role of bob@example.com');
    await user.selectOptions(select, 'admin');
    await user.click(within(bob).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(within(bob).queryByRole('button', { name: 'Save' })).toBeNull());
    expect(callsTo('PUT', '/api/auth/orgs/org-1/members/user-2/role').map((c) => c.body)).toEqual([{ role: 'admin' }]);
    expect((within(bob).getByLabelText('Role of bob@example.com') as HTMLSelectElement).value).toBe('admin');

    await user.click(screen.getByRole('button', { name: 'Remove Cy (cy@example.com)' }));
    const confirm = screen.getByRole('group', { name: 'Confirm removing Cy (cy@example.com)' });
    await user.click(within(confirm).getByRole('button', { name: 'Yes, remove' }));
    await waitFor(() => expect(screen.getAllByTestId('member-row')).toHaveLength(2));

    // Only the open invitation is pending (not the expired or accepted ones).
    const pending = await screen.findByRole('table', { name: 'Pending invitations' });
    const rows = within(pending).getAllByTestId('invitation-row');
    expect(rows.map((r) => r.querySelector("td[data-label='Email']")!.textContent)).toEqual(['dee@example.com']);
    await user.click(within(rows[0]!).getByRole('button', { name: 'Revoke the invitation for dee@example.com' }));
    expect(await screen.findByText('No pending invitations.')).toBeTruthy();
    expect(callsTo('DELETE', '/api/auth/orgs/org-1/invitations/i1')).toHaveLength(1);
  });

  it('says at the address when it is already a member or already invited', async () => {
    const user = userEvent.setup();
    const { callsTo } = mockApi({
      ...layout('owner'),
      'GET /api/auth/orgs/org-1/members': () => jsonResponse([ADA]),
      'GET /api/auth/orgs/org-1/invitations': () => jsonResponse([]),
      'POST /api/auth/orgs/org-1/invitations': () =>
        problemResponse({
          status: 409,
          title: 'Already a member',
          detail: 'ada@example.com is already a member of this organisation.',
        }),
    });
    signIn();
    renderApp('/members');

    const form = await screen.findByRole('form', { name: 'Invite a member' });
    await user.type(within(form).getByLabelText('Email'), 'ADA@example.com');
    await user.click(within(form).getByRole('button', { name: 'Send invitation' }));
    const email = within(form).getByLabelText('Email');
    await waitFor(() => expect(email.getAttribute('aria-invalid')).toBe('true'));
    expect(email.getAttribute('aria-describedby')).toBeTruthy();
    expect(screen.getByText('ada@example.com is already a member of this organisation.')).toBeTruthy();
    expect(screen.queryByTestId('invitation-sent')).toBeNull();
    expect(callsTo('POST', '/api/auth/orgs/org-1/invitations')).toHaveLength(1);
  });

  it('shows a member the list without editors, actions or invitations', async () => {
    const { callsTo } = mockApi({
      ...layout('member'),
      'GET /api/auth/orgs/org-1/members': () => jsonResponse([ADA, BOB]),
    });
    signIn({ role: 'member' });
    renderApp('/members');

    const table = await screen.findByRole('table', { name: 'Members' });
    expect(within(table).getAllByTestId('member-row')).toHaveLength(2);
    expect(within(table).queryByRole('columnheader', { name: 'Actions' })).toBeNull();
    expect(within(table).queryByRole('combobox')).toBeNull();
    expect(within(table).queryByRole('button')).toBeNull();
    expect(screen.getByText('Only admins and owners can invite people or change roles.')).toBeTruthy();
    expect(callsTo('GET', '/api/auth/orgs/org-1/invitations')).toHaveLength(0);
  });
});
