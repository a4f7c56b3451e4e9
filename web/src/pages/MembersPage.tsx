import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link } from 'react-router-dom';
import { z } from 'zod';
import {
  changeMemberRole,
  createInvitation,
  INVITABLE_ROLES,
  isAdmin,
  listInvitations,
  listMembers,
  removeMember,
  revokeInvitation,
  ROLES,
  type Invitation,
  type Member,
  type Role,
} from '../api/auth';
import { isApiError } from '../api/client';
import { queryKeys, useActiveOrg } from '../api/queries';
import { useAuth } from '../auth/useAuth';
import { Card } from '../components/Card';
import { ErrorBanner } from '../components/ErrorBanner';
import { InlineConfirm } from '../components/InlineConfirm';
import { applyServerErrors, SelectField, SubmitButton, TextField } from '../components/Form';
import { EmptyState, LoadingState, Notice } from '../components/States';
import { Time } from '../components/Time';
import { createDataColumnHelper, DataTable, type DataColumnDef } from '../components/ui/DataTable';
import { emailField } from '../forms/schemas';
import { useDocumentTitle } from '../hooks/useDocumentTitle';

function memberLabel(m: Member): string {
  return m.display_name ? `${m.display_name} (${m.email})` : m.email;
}

function RoleEditor({ orgId, member, myRole }: { orgId: string; member: Member; myRole: Role }) {
  const queryClient = useQueryClient();
  const [role, setRole] = useState<Role>(member.role);
  const selectId = useId();
  const mutation = useMutation({
    mutationFn: (next: Role) => changeMemberRole(orgId, member.user_id, next),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.members(orgId) }),
  });
  const choices = myRole === 'owner' ? ROLES : ROLES.filter((r) => r !== 'owner');
  const dirty = role !== member.role;
  return (
    <div className="role-editor">
      <label htmlFor={selectId} className="visually-hidden">
        Role of {memberLabel(member)}
      </label>
      <select
        id={selectId}
        className="input input-small"
        value={role}
        onChange={(e) => setRole(e.target.value as Role)}
        disabled={mutation.isPending}
      >
        {choices.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      {dirty ? (
        <>
          <button
            type="button"
            className="button button-small button-primary"
            onClick={() => mutation.mutate(role)}
            disabled={mutation.isPending}
          >
            {mutation.isPending ? 'Saving…' : 'Save'}
          </button>
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              setRole(member.role);
              mutation.reset();
            }}
            disabled={mutation.isPending}
          >
            Cancel
          </button>
        </>
      ) : null}
      {mutation.isError ? <ErrorBanner heading="Could not change the role" error={mutation.error} /> : null}
    </div>
  );
}

function RemoveMember({ orgId, member }: { orgId: string; member: Member }) {
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: () => removeMember(orgId, member.user_id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.members(orgId) }),
  });
  return (
    <InlineConfirm
      mutation={mutation}
      trigger="Remove"
      triggerLabel={`Remove ${memberLabel(member)}`}
      groupLabel={`Confirm removing ${memberLabel(member)}`}
      question={`Remove ${member.display_name ?? member.email}?`}
      confirm="Yes, remove"
      pending="Removing…"
      errorHeading="Could not remove the member"
    />
  );
}

interface MemberContext {
  orgId: string;
  myRole: Role;
  myUserId: string | undefined;
}

/** Whether I may change this member's role or remove them: admins, not themselves, owners only by owners. */
function canEditMember(member: Member, { myRole, myUserId }: MemberContext): boolean {
  return isAdmin(myRole) && member.user_id !== myUserId && (myRole === 'owner' || member.role !== 'owner');
}

const memberHelper = createDataColumnHelper<Member>();

/** In the server's order (not sortable). `context` reads the org, my role and my id of the latest render. */
function memberColumns(canManage: boolean, context: () => MemberContext): DataColumnDef<Member>[] {
  const columns: DataColumnDef<Member>[] = [
    memberHelper.accessor('email', {
      id: 'member',
      header: 'Member',
      cell: ({ row }) => {
        const m = row.original;
        return (
          <>
            <span className="cell-strong">{m.display_name ?? m.email}</span>
            {m.user_id === context().myUserId ? <span className="badge badge-neutral">You</span> : null}
            {m.display_name ? <div className="muted">{m.email}</div> : null}
          </>
        );
      },
    }),
    memberHelper.accessor('role', {
      id: 'role',
      header: 'Role',
      cell: ({ row }) => {
        const ctx = context();
        return canEditMember(row.original, ctx) ? (
          <RoleEditor orgId={ctx.orgId} member={row.original} myRole={ctx.myRole} />
        ) : (
          row.original.role
        );
      },
    }),
    memberHelper.accessor('joined_at', { id: 'joined', header: 'Joined', cell: ({ row }) => <Time iso={row.original.joined_at} /> }),
  ];
  if (canManage) {
    columns.push(
      memberHelper.display({
        id: 'actions',
        meta: { label: 'Actions', hideHeader: true, cellClassName: 'actions-cell' },
        cell: ({ row }) => {
          const ctx = context();
          return canEditMember(row.original, ctx) ? <RemoveMember orgId={ctx.orgId} member={row.original} /> : null;
        },
      }),
    );
  }
  return columns;
}

const memberId = (m: Member) => m.user_id;
const memberRowAttributes = () => ({ 'data-testid': 'member-row' });

function MembersTable({ orgId, myRole }: { orgId: string; myRole: Role }) {
  const { claims } = useAuth();
  const members = useQuery({
    queryKey: queryKeys.members(orgId),
    queryFn: ({ signal }) => listMembers(orgId, signal),
  });
  const canManage = isAdmin(myRole);
  // Stable columns: a role being edited lives in its cell, so only the set of columns may change them.
  const context = useRef<MemberContext>({ orgId, myRole, myUserId: claims?.userId });
  context.current = { orgId, myRole, myUserId: claims?.userId };
  const columns = useMemo(() => memberColumns(canManage, () => context.current), [canManage]);

  if (members.isPending) return <LoadingState label="Loading members…" />;
  if (members.isError) return <ErrorBanner heading="Could not load the members" error={members.error} />;
  if (members.data.length === 0) return <EmptyState>No members yet.</EmptyState>;

  return (
    <DataTable
      columns={columns}
      data={members.data}
      getRowId={memberId}
      className="table table-responsive"
      testId="members"
      caption="Members"
      rowAttributes={memberRowAttributes}
    />
  );
}

const inviteSchema = z.object({ email: emailField, role: z.enum(['viewer', 'member', 'admin']) });
type InviteValues = z.input<typeof inviteSchema>;

function InviteForm({ orgId }: { orgId: string }) {
  const queryClient = useQueryClient();
  const {
    register,
    handleSubmit,
    setError,
    reset,
    formState: { errors },
  } = useForm<InviteValues>({ resolver: zodResolver(inviteSchema), defaultValues: { email: '', role: 'member' } });
  const mutation = useMutation({
    mutationFn: (values: { email: string; role: Role }) => createInvitation(orgId, values),
    onSuccess: async () => {
      reset({ email: '', role: 'member' });
      await queryClient.invalidateQueries({ queryKey: queryKeys.invitations(orgId) });
    },
    onError: (error) => {
      // Already a member, or already invited (revoke that invitation to send a new link): about the address.
      if (isApiError(error) && error.status === 409) {
        setError('email', { type: 'server', message: error.detail ?? error.title });
        return;
      }
      applyServerErrors(error, setError, ['email', 'role']);
    },
  });
  const conflict = isApiError(mutation.error) && mutation.error.status === 409;
  return (
    <>
      <form
        className="form form-inline"
        noValidate
        aria-label="Invite a member"
        onSubmit={handleSubmit((v) => mutation.mutate({ email: v.email.trim(), role: v.role }))}
      >
        <TextField label="Email" type="email" autoComplete="off" registration={register('email')} error={errors.email} />
        <SelectField label="Role" registration={register('role')} error={errors.role}>
          {INVITABLE_ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </SelectField>
        <SubmitButton pending={mutation.isPending} pendingLabel="Inviting…">
          Send invitation
        </SubmitButton>
      </form>
      {mutation.isSuccess ? (
        <Notice testId="invitation-sent">
          Invitation sent to <strong>{mutation.data.email}</strong>. It expires on <Time iso={mutation.data.expires_at} />.
        </Notice>
      ) : null}
      {mutation.isError && !conflict ? (
        <ErrorBanner heading="Could not send the invitation" error={mutation.error} />
      ) : null}
    </>
  );
}

function RevokeInvitation({ orgId, invitation }: { orgId: string; invitation: Invitation }) {
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: () => revokeInvitation(orgId, invitation.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.invitations(orgId) }),
  });
  return (
    <>
      <button
        type="button"
        className="button button-small"
        onClick={() => mutation.mutate()}
        disabled={mutation.isPending}
        aria-label={`Revoke the invitation for ${invitation.email}`}
      >
        {mutation.isPending ? 'Revoking…' : 'Revoke'}
      </button>
      {mutation.isError ? <ErrorBanner heading="Could not revoke" error={mutation.error} /> : null}
    </>
  );
}

const invitationHelper = createDataColumnHelper<Invitation>();

function invitationColumns(orgId: () => string): DataColumnDef<Invitation>[] {
  return invitationHelper.columns([
    invitationHelper.accessor('email', { id: 'email', header: 'Email', meta: { cellClassName: 'cell-strong' } }),
    invitationHelper.accessor('role', { id: 'role', header: 'Role' }),
    invitationHelper.accessor('created_at', { id: 'sent', header: 'Sent', cell: ({ row }) => <Time iso={row.original.created_at} /> }),
    invitationHelper.accessor('expires_at', {
      id: 'expires',
      header: 'Expires',
      cell: ({ row }) => <Time iso={row.original.expires_at} />,
    }),
    invitationHelper.display({
      id: 'actions',
      meta: { label: 'Actions', hideHeader: true, cellClassName: 'actions-cell' },
      cell: ({ row }) => <RevokeInvitation orgId={orgId()} invitation={row.original} />,
    }),
  ]);
}

const invitationId = (i: Invitation) => i.id;
const invitationRowAttributes = () => ({ 'data-testid': 'invitation-row' });

function PendingInvitations({ orgId }: { orgId: string }) {
  const invitations = useQuery({
    queryKey: queryKeys.invitations(orgId),
    queryFn: ({ signal }) => listInvitations(orgId, signal),
  });
  // Stable columns: a revocation in progress lives in its cell.
  const orgRef = useRef(orgId);
  orgRef.current = orgId;
  const columns = useMemo(() => invitationColumns(() => orgRef.current), []);
  if (invitations.isPending) return <LoadingState label="Loading invitations…" />;
  if (invitations.isError) return <ErrorBanner heading="Could not load the invitations" error={invitations.error} />;
  const now = Date.now();
  const pending = invitations.data.filter((i) => i.accepted_at === null && Date.parse(i.expires_at) > now);
  if (pending.length === 0) return <EmptyState>No pending invitations.</EmptyState>;
  return (
    <DataTable
      columns={columns}
      data={pending}
      getRowId={invitationId}
      className="table table-responsive"
      testId="invitations"
      caption="Pending invitations"
      rowAttributes={invitationRowAttributes}
    />
  );
}

export function MembersPage() {
  useDocumentTitle('Members');
  const { orgId, org, role, isLoading } = useActiveOrg();

  const header = (
    <div className="page-header">
      <div>
        <h1>Members</h1>
        <p className="muted">
          {org ? (
            <>
              People in <strong data-testid="members-org">{org.name}</strong>
              {role ? <> · you are {role === 'admin' || role === 'owner' ? `an ${role}` : `a ${role}`}</> : null}
            </>
          ) : (
            'People in the active organisation.'
          )}
        </p>
      </div>
    </div>
  );

  if (!orgId) {
    return (
      <section className="page">
        {header}
        <EmptyState>
          No organisation is active in this session. Choose one in the header, or{' '}
          <Link to="/orgs">create one</Link>.
        </EmptyState>
      </section>
    );
  }
  if (isLoading || !role) {
    return (
      <section className="page">
        {header}
        <LoadingState />
      </section>
    );
  }

  return (
    <section className="page">
      {header}
      <div className="card table-card">
        <MembersTable orgId={orgId} myRole={role} />
      </div>
      {isAdmin(role) ? (
        <>
          <Card title="Invite a member" description="They get an email with a link that is valid for 7 days.">
            <InviteForm orgId={orgId} />
          </Card>
          <Card title="Pending invitations" testId="pending-invitations">
            <PendingInvitations orgId={orgId} />
          </Card>
        </>
      ) : (
        <p className="muted">Only admins and owners can invite people or change roles.</p>
      )}
    </section>
  );
}
