/**
 * Calls of the auth service (`/api/auth/...`) through the typed client; the types are the service's own
 * schemas (`Schemas[...]`, generated from its OpenAPI), under the names the pages use.
 *
 * Sign-in, refresh and sign-out live in `src/auth/session.ts` (they manage the access token).
 */
import { api, ok, publicApi, type Schemas } from './typed';

export type Role = Schemas['OrgOut']['role'];
export const ROLES: readonly Role[] = ['viewer', 'member', 'admin', 'owner'];
/** Roles an invitation may carry: an owner is made by a role change, never invited. */
export type InvitableRole = NonNullable<Schemas['InvitationCreate']['role']>;
export const INVITABLE_ROLES: readonly InvitableRole[] = ['viewer', 'member', 'admin'];

export function isInvitable(role: Role): role is InvitableRole {
  return (INVITABLE_ROLES as readonly Role[]).includes(role);
}

/** Role ranking as in the auth service (`orgs.service.rank`). */
export function roleRank(role: Role | null | undefined): number {
  return role ? ROLES.indexOf(role) : -1;
}

export function isAdmin(role: Role | null | undefined): boolean {
  return roleRank(role) >= roleRank('admin');
}

// ---------------------------------------------------------------- sign-in

export type TokenResponse = Schemas['TokenResponse'];
export type MfaChallenge = Schemas['MfaChallenge'];
export type LoginResult = TokenResponse | MfaChallenge;

export function isMfaChallenge(result: LoginResult): result is MfaChallenge {
  return (result as MfaChallenge).mfa_required === true;
}

export const login = (body: Schemas['LoginRequest']): Promise<LoginResult> =>
  ok(publicApi.POST('/api/auth/login', { body }));

export const loginMfa = (body: Schemas['MfaLogin']): Promise<TokenResponse> =>
  ok(publicApi.POST('/api/auth/login/mfa', { body }));

// ---------------------------------------------------------------- account

export type Me = Schemas['Me'];

export const register = (body: Schemas['RegistrationRequest']) => ok(publicApi.POST('/api/auth/register', { body }));

export const getMe = (signal?: AbortSignal) => ok(api.GET('/api/auth/me', { signal }));

export const resendVerification = () => ok(api.POST('/api/auth/email/verification'));

export const verifyEmail = (token: string) => ok(publicApi.POST('/api/auth/email/verify', { body: { token } }));

export const forgotPassword = (email: string) => ok(publicApi.POST('/api/auth/password/forgot', { body: { email } }));

export const resetPassword = (body: Schemas['PasswordReset']) =>
  ok(publicApi.POST('/api/auth/password/reset', { body }));

export const changePassword = (body: Schemas['PasswordChange']) => ok(api.POST('/api/auth/password/change', { body }));

// ---------------------------------------------------------------- sessions

export type SessionInfo = Schemas['SessionOut'];

export const listSessions = (signal?: AbortSignal) => ok(api.GET('/api/auth/sessions', { signal }));

export const revokeSession = (id: string) =>
  ok(api.DELETE('/api/auth/sessions/{session_id}', { params: { path: { session_id: id } } }));

export const revokeOtherSessions = () => ok(api.POST('/api/auth/sessions/revoke-others'));

// ---------------------------------------------------------------- MFA

export type Enrolment = Schemas['EnrolmentOut'];
export type RecoveryCodes = Schemas['RecoveryCodesOut'];
/** `code` is needed only when MFA is already on. */
export type PasswordConfirmation = Schemas['PasswordConfirmation'];

export const enrolTotp = (body: PasswordConfirmation) => ok(api.POST('/api/auth/mfa/totp/enrol', { body }));

export const confirmTotp = (code: string) => ok(api.POST('/api/auth/mfa/totp/confirm', { body: { code } }));

export const disableMfa = (body: Required<PasswordConfirmation>) => ok(api.POST('/api/auth/mfa/disable', { body }));

export const regenerateRecoveryCodes = (body: Required<PasswordConfirmation>) =>
  ok(api.POST('/api/auth/mfa/recovery-codes', { body }));

// ---------------------------------------------------------------- orgs

export type Org = Schemas['OrgOut'];
export type Member = Schemas['MemberOut'];
export type Invitation = Schemas['InvitationOut'];

const orgPath = (orgId: string) => ({ path: { org_id: orgId } });

export const listOrgs = (signal?: AbortSignal) => ok(api.GET('/api/auth/orgs', { signal }));

export const createOrg = (name: string) => ok(api.POST('/api/auth/orgs', { body: { name } }));

export const switchOrg = (id: string) => ok(api.POST('/api/auth/orgs/{org_id}/switch', { params: orgPath(id) }));

export const listMembers = (orgId: string, signal?: AbortSignal) =>
  ok(api.GET('/api/auth/orgs/{org_id}/members', { params: orgPath(orgId), signal }));

export const changeMemberRole = (orgId: string, userId: string, role: Role) =>
  ok(
    api.PUT('/api/auth/orgs/{org_id}/members/{user_id}/role', {
      params: { path: { org_id: orgId, user_id: userId } },
      body: { role },
    }),
  );

export const removeMember = (orgId: string, userId: string) =>
  ok(api.DELETE('/api/auth/orgs/{org_id}/members/{user_id}', { params: { path: { org_id: orgId, user_id: userId } } }));

export const listInvitations = (orgId: string, signal?: AbortSignal) =>
  ok(api.GET('/api/auth/orgs/{org_id}/invitations', { params: orgPath(orgId), signal }));

export function createInvitation(orgId: string, body: { email: string; role: Role }): Promise<Invitation> {
  const { email, role } = body;
  if (!isInvitable(role)) return Promise.reject(new RangeError(`an invitation cannot carry the ${role} role`));
  return ok(api.POST('/api/auth/orgs/{org_id}/invitations', { params: orgPath(orgId), body: { email, role } }));
}

export const revokeInvitation = (orgId: string, invitationId: string) =>
  ok(
    api.DELETE('/api/auth/orgs/{org_id}/invitations/{invitation_id}', {
      params: { path: { org_id: orgId, invitation_id: invitationId } },
    }),
  );

export const acceptInvitation = (token: string) =>
  ok(api.POST('/api/auth/orgs/invitations/accept', { body: { token } }));

// ---------------------------------------------------------------- audit

export type AuditEntry = Schemas['AuditEntryOut'];
export type AuditPage = Schemas['AuditPage'];

export function getAuditLog(
  orgId: string,
  params: { limit?: number; cursor?: number | null; action?: string },
  signal?: AbortSignal,
): Promise<AuditPage> {
  // Empty filters are left out of the query string.
  const query = {
    limit: params.limit || undefined,
    cursor: params.cursor || undefined,
    action: params.action || undefined,
  };
  return ok(api.GET('/api/auth/orgs/{org_id}/audit', { params: { ...orgPath(orgId), query }, signal }));
}
