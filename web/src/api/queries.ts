/** TanStack Query keys and hooks for the auth API (server state lives in the query cache only). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { authSession } from '../auth/session';
import { useAuth } from '../auth/useAuth';
import { getMe, listOrgs, switchOrg, type Org } from './auth';

export const queryKeys = {
  me: ['me'] as const,
  orgs: ['orgs'] as const,
  sessions: ['sessions'] as const,
  members: (orgId: string) => ['orgs', orgId, 'members'] as const,
  invitations: (orgId: string) => ['orgs', orgId, 'invitations'] as const,
  audit: (orgId: string, action: string) => ['orgs', orgId, 'audit', action] as const,
};

export function useMe() {
  const { status } = useAuth();
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: ({ signal }) => getMe(signal),
    enabled: status === 'authenticated',
  });
}

export function useOrgs() {
  const { status } = useAuth();
  return useQuery({
    queryKey: queryKeys.orgs,
    queryFn: ({ signal }) => listOrgs(signal),
    enabled: status === 'authenticated',
  });
}

/** The org the access token is scoped to, with my role there (from the token, confirmed by the list). */
export function useActiveOrg(): {
  orgId: string | null;
  org: Org | undefined;
  role: Org['role'] | null;
  isLoading: boolean;
} {
  const { claims } = useAuth();
  const orgs = useOrgs();
  const orgId = claims?.orgId ?? null;
  const org = orgs.data?.find((o) => o.id === orgId);
  return { orgId, org, role: org?.role ?? claims?.role ?? null, isLoading: orgs.isLoading };
}

/** Switch the session's active org: the new access token carries it; org-scoped data is refetched. */
export function useSwitchOrg() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (orgId: string) => switchOrg(orgId),
    onSuccess: async (tokens) => {
      authSession.replaceToken(tokens);
      await queryClient.invalidateQueries();
    },
  });
}
