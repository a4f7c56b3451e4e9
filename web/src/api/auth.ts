/**
 * Types and calls for the auth service (`/api/auth/...`), mirroring
 * services/auth/src/adpilot_auth/{users,sessions,mfa,orgs,audit}/schemas.py.
 *
 * Sign-in, refresh and sign-out live in `src/auth/session.ts` (they manage the access token).
 */
import { api } from './client';

const BASE = '/api/auth';

export type Role = 'viewer' | 'member' | 'admin' | 'owner';
export const ROLES: readonly Role[] = ['viewer', 'member', 'admin', 'owner'];
export const INVITABLE_ROLES: readonly Role[] = ['viewer', 'member', 'admin'];

/** Role ranking as in the auth service (`orgs.service.rank`). */
export function roleRank(role: Role | null | undefined): number {
  return role ? ROLES.indexOf(role) : -1;
}

export function isAdmin(role: Role | null | undefined): boolean {
  return roleRank(role) >= roleRank('admin');
}

// ---------------------------------------------------------------- sign-in

export interface TokenResponse {
  access_token: string;
  token_type: string;
  /** ISO 8601 date-time. */
  expires_at: string;
  session_id: string;
}

export interface MfaChallenge {
  mfa_required: true;
  mfa_token: string;
}

export type LoginResult = TokenResponse | MfaChallenge;

export function isMfaChallenge(result: LoginResult): result is MfaChallenge {
  return (result as MfaChallenge).mfa_required === true;
}

export function login(body: { email: string; password: string }): Promise<LoginResult> {
  return api.post<LoginResult>(`${BASE}/login`, body, { auth: false });
}

export function loginMfa(body: { mfa_token: string; code: string }): Promise<TokenResponse> {
  return api.post<TokenResponse>(`${BASE}/login/mfa`, body, { auth: false });
}

// ---------------------------------------------------------------- account

export interface Me {
  id: string;
  email: string;
  display_name: string | null;
  email_verified: boolean;
  mfa_enabled: boolean;
}

export function register(body: {
  email: string;
  password: string;
  display_name?: string | null;
}): Promise<{ status: string; detail: string }> {
  return api.post(`${BASE}/register`, body, { auth: false });
}

export const getMe = (signal?: AbortSignal) => api.get<Me>(`${BASE}/me`, { signal });

export const resendVerification = () => api.post<{ status: string }>(`${BASE}/email/verification`);

export const verifyEmail = (token: string) =>
  api.post<void>(`${BASE}/email/verify`, { token }, { auth: false });

export const forgotPassword = (email: string) =>
  api.post<{ status: string }>(`${BASE}/password/forgot`, { email }, { auth: false });

export const resetPassword = (body: { token: string; new_password: string }) =>
  api.post<void>(`${BASE}/password/reset`, body, { auth: false });

export const changePassword = (body: {
  current_password: string;
  new_password: string;
  end_other_sessions: boolean;
}) => api.post<{ other_sessions_ended: number }>(`${BASE}/password/change`, body);

// ---------------------------------------------------------------- sessions

export interface SessionInfo {
  id: string;
  device: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
  last_active_at: string;
  current: boolean;
}

export const listSessions = (signal?: AbortSignal) =>
  api.get<SessionInfo[]>(`${BASE}/sessions`, { signal });

export const revokeSession = (id: string) =>
  api.delete(`${BASE}/sessions/${encodeURIComponent(id)}`);

export const revokeOtherSessions = () =>
  api.post<{ revoked: number }>(`${BASE}/sessions/revoke-others`);

// ---------------------------------------------------------------- MFA

export interface Enrolment {
  secret: string;
  provisioning_uri: string;
  qr_png_data_uri: string;
}

export interface RecoveryCodes {
  recovery_codes: string[];
}

/** `code` is needed only when MFA is already on. */
export interface PasswordConfirmation {
  password: string;
  code?: string | null;
}

export const enrolTotp = (body: PasswordConfirmation) =>
  api.post<Enrolment>(`${BASE}/mfa/totp/enrol`, body);

export const confirmTotp = (code: string) =>
  api.post<RecoveryCodes>(`${BASE}/mfa/totp/confirm`, { code });

export const disableMfa = (body: Required<PasswordConfirmation>) =>
  api.post<void>(`${BASE}/mfa/disable`, body);

export const regenerateRecoveryCodes = (body: Required<PasswordConfirmation>) =>
  api.post<RecoveryCodes>(`${BASE}/mfa/recovery-codes`, body);

// ---------------------------------------------------------------- orgs

export interface Org {
  id: string;
  name: string;
  role: Role;
  require_mfa: boolean;
}

export interface Member {
  user_id: string;
  email: string;
  display_name: string | null;
  role: Role;
  joined_at: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
}

const org = (id: string) => `${BASE}/orgs/${encodeURIComponent(id)}`;

export const listOrgs = (signal?: AbortSignal) => api.get<Org[]>(`${BASE}/orgs`, { signal });

export const createOrg = (name: string) => api.post<Org>(`${BASE}/orgs`, { name });

export const switchOrg = (id: string) => api.post<TokenResponse>(`${org(id)}/switch`);

export const listMembers = (orgId: string, signal?: AbortSignal) =>
  api.get<Member[]>(`${org(orgId)}/members`, { signal });

export const changeMemberRole = (orgId: string, userId: string, role: Role) =>
  api.put<Member>(`${org(orgId)}/members/${encodeURIComponent(userId)}/role`, { role });

export const removeMember = (orgId: string, userId: string) =>
  api.delete(`${org(orgId)}/members/${encodeURIComponent(userId)}`);

export const listInvitations = (orgId: string, signal?: AbortSignal) =>
  api.get<Invitation[]>(`${org(orgId)}/invitations`, { signal });

export const createInvitation = (orgId: string, body: { email: string; role: Role }) =>
  api.post<Invitation>(`${org(orgId)}/invitations`, body);

export const revokeInvitation = (orgId: string, invitationId: string) =>
  api.delete(`${org(orgId)}/invitations/${encodeURIComponent(invitationId)}`);

export const acceptInvitation = (token: string) =>
  api.post<Org>(`${BASE}/orgs/invitations/accept`, { token });

// ---------------------------------------------------------------- audit

export interface AuditEntry {
  id: number;
  occurred_at: string;
  actor_user_id: string | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  changes: Record<string, unknown> | null;
  ip: string | null;
  user_agent: string | null;
  source: string;
}

export interface AuditPage {
  items: AuditEntry[];
  next_cursor: number | null;
}

export function getAuditLog(
  orgId: string,
  params: { limit?: number; cursor?: number | null; action?: string },
  signal?: AbortSignal,
): Promise<AuditPage> {
  const query = new URLSearchParams();
  if (params.limit) query.set('limit', String(params.limit));
  if (params.cursor) query.set('cursor', String(params.cursor));
  if (params.action) query.set('action', params.action);
  const qs = query.toString();
  return api.get<AuditPage>(`${org(orgId)}/audit${qs ? `?${qs}` : ''}`, { signal });
}
