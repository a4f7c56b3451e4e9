/** TanStack Query hooks shared by the ad accounts and campaigns screens. */
import { useQuery } from '@tanstack/react-query';
import { roleRank } from './auth';
import {
  connectorKeys,
  getSyncRun,
  getWriteJob,
  isFinished,
  listAccounts,
  type SyncRun,
  type WriteJob,
} from './connectors';
import { useActiveOrg } from './queries';

/** How often a running sync run or write job is polled. */
export const JOB_POLL_MS = 1000;

/** The active org's connector query keys, and whether I may change things there (member and up). */
export function useConnectorScope() {
  const { orgId, role } = useActiveOrg();
  return { orgId, keys: connectorKeys(orgId), canEdit: roleRank(role) >= roleRank('member') };
}

export function useAccounts() {
  const { orgId, keys } = useConnectorScope();
  return useQuery({
    queryKey: keys.accounts,
    queryFn: ({ signal }) => listAccounts(signal),
    enabled: orgId !== null,
  });
}

/** Poll a job until it has finished (then stop; the caller reacts to the final state). */
function pollUntilFinished<T extends { status: string }>(data: T | undefined): number | false {
  return data && isFinished(data.status) ? false : JOB_POLL_MS;
}

export function useSyncRun(runId: string | null) {
  const { keys } = useConnectorScope();
  return useQuery<SyncRun>({
    queryKey: keys.syncRun(runId ?? ''),
    queryFn: ({ signal }) => getSyncRun(runId!, signal),
    enabled: runId !== null,
    refetchInterval: (query) => pollUntilFinished(query.state.data),
    staleTime: 0,
  });
}

export function useWriteJob(jobId: string, initial?: WriteJob) {
  const { keys } = useConnectorScope();
  return useQuery({
    queryKey: keys.writeJob(jobId),
    queryFn: ({ signal }) => getWriteJob(jobId, signal),
    initialData: initial,
    // The 202 answer is the queued state: ask again right away, then every JOB_POLL_MS.
    initialDataUpdatedAt: 0,
    refetchInterval: (query) => pollUntilFinished(query.state.data),
    staleTime: 0,
  });
}
