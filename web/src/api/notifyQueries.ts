/** TanStack Query hooks of the Notifications page (destinations, webhooks, delivery log, preferences). */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { isAdmin } from './auth';
import {
  addDestination,
  createWebhook,
  deleteDestination,
  deleteWebhook,
  getPreferences,
  isDeliveryPending,
  listChannels,
  listDeliveries,
  listDestinations,
  listWebhooks,
  notifyKeys,
  putPreferences,
  resendCode,
  retryDelivery,
  testWebhook,
  updateWebhook,
  verifyDestination,
  type DeliveryQuery,
  type PersonalChannel,
  type PreferencesIn,
  type WebhookIn,
  type WebhookPatch,
} from './notify';
import { useActiveOrg } from './queries';

/** How often the delivery log is asked again while a shown delivery is queued or running. */
export const DELIVERY_POLL_MS = 2000;

/** The active org's notify query keys, and whether I administer it (webhooks, the whole org's log). */
export function useNotifyScope() {
  const { orgId, org, role } = useActiveOrg();
  return { orgId, org, keys: notifyKeys(orgId), admin: isAdmin(role) };
}

// ---------------------------------------------------------------- destinations

/** The personal channels and whether this server is configured for each (changes only with a redeploy). */
export function useChannels() {
  const { orgId, keys } = useNotifyScope();
  return useQuery({
    queryKey: keys.channels,
    queryFn: ({ signal }) => listChannels(signal),
    enabled: orgId !== null,
    staleTime: 5 * 60_000,
    select: (data) => data.items,
  });
}

export function useDestinations() {
  const { orgId, keys } = useNotifyScope();
  return useQuery({
    queryKey: keys.destinations,
    queryFn: ({ signal }) => listDestinations(signal),
    enabled: orgId !== null,
    select: (data) => data.items,
  });
}

/** Refetch the destinations list after a change. */
function useDestinationsChanged() {
  const queryClient = useQueryClient();
  const { keys } = useNotifyScope();
  return () => queryClient.invalidateQueries({ queryKey: keys.destinations });
}

export function useAddDestination() {
  const changed = useDestinationsChanged();
  return useMutation({
    mutationFn: (body: { channel: PersonalChannel; address: string }) => addDestination(body),
    onSuccess: changed,
  });
}

export function useVerifyDestination(id: string) {
  const changed = useDestinationsChanged();
  return useMutation({ mutationFn: (code: string) => verifyDestination(id, code), onSuccess: changed });
}

export function useResendCode(id: string) {
  return useMutation({ mutationFn: () => resendCode(id) });
}

export function useDeleteDestination(id: string) {
  const changed = useDestinationsChanged();
  return useMutation<unknown, Error, void>({ mutationFn: () => deleteDestination(id), onSuccess: changed });
}

// ---------------------------------------------------------------- webhooks

export function useWebhooks() {
  const { orgId, keys, admin } = useNotifyScope();
  return useQuery({
    queryKey: keys.webhooks,
    queryFn: ({ signal }) => listWebhooks(signal),
    // Only admins may list them (the service answers 403 otherwise).
    enabled: orgId !== null && admin,
    select: (data) => data.items,
  });
}

function useWebhooksChanged() {
  const queryClient = useQueryClient();
  const { keys } = useNotifyScope();
  return () => queryClient.invalidateQueries({ queryKey: keys.webhooks });
}

export function useCreateWebhook() {
  const changed = useWebhooksChanged();
  return useMutation({ mutationFn: (body: WebhookIn) => createWebhook(body), onSuccess: changed });
}

export function useUpdateWebhook(id: string) {
  const changed = useWebhooksChanged();
  return useMutation({ mutationFn: (body: WebhookPatch) => updateWebhook(id, body), onSuccess: changed });
}

export function useDeleteWebhook(id: string) {
  const changed = useWebhooksChanged();
  return useMutation<unknown, Error, void>({ mutationFn: () => deleteWebhook(id), onSuccess: changed });
}

export function useTestWebhook(id: string) {
  const queryClient = useQueryClient();
  const { keys } = useNotifyScope();
  return useMutation({
    mutationFn: () => testWebhook(id),
    // The test delivery shows in the log right away.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.deliveries }),
  });
}

// ---------------------------------------------------------------- delivery log

export function useDeliveries(query: DeliveryQuery) {
  const { orgId, keys } = useNotifyScope();
  return useQuery({
    queryKey: keys.deliveryList(query),
    queryFn: ({ signal }) => listDeliveries(query, signal),
    enabled: orgId !== null,
    placeholderData: keepPreviousData,
    staleTime: 0,
    refetchInterval: (q) => (q.state.data?.items.some((d) => isDeliveryPending(d.status)) ? DELIVERY_POLL_MS : false),
  });
}

export function useRetryDelivery(id: string) {
  const queryClient = useQueryClient();
  const { keys } = useNotifyScope();
  return useMutation({
    mutationFn: () => retryDelivery(id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.deliveries }),
  });
}

// ---------------------------------------------------------------- preferences

export function usePreferences() {
  const { orgId, keys } = useNotifyScope();
  return useQuery({
    queryKey: keys.preferences,
    queryFn: ({ signal }) => getPreferences(signal),
    enabled: orgId !== null,
  });
}

export function useSavePreferences() {
  const queryClient = useQueryClient();
  const { keys } = useNotifyScope();
  return useMutation({
    mutationFn: (body: PreferencesIn) => putPreferences(body),
    onSuccess: (saved) => queryClient.setQueryData(keys.preferences, saved),
  });
}
