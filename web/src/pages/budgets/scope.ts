/** Names for the ids budgets and rules carry: ad accounts (with their currency) and an account's campaigns. */
import { useQuery } from '@tanstack/react-query';
import { useAccounts, useConnectorScope } from '../../api/connectorQueries';
import { listCampaigns, type AdAccount, type Campaign, type CampaignQuery } from '../../api/connectors';
import { campaignKey } from '../dashboard/campaignIndex';

export function useAccountIndex(): { accounts: AdAccount[]; byId: Map<string, AdAccount>; isPending: boolean } {
  const accounts = useAccounts();
  const list = accounts.data ?? [];
  return { accounts: list, byId: new Map(list.map((a) => [a.id, a])), isPending: accounts.isPending };
}

/** The campaigns of one account, for the optional campaign of a budget or rule (by platform id). */
export function useAccountCampaigns(accountId: string) {
  const { orgId, keys } = useConnectorScope();
  const query: CampaignQuery = { account_id: accountId, limit: 200, offset: 0 };
  return useQuery({
    queryKey: keys.campaignList(query),
    queryFn: ({ signal }) => listCampaigns(query, signal),
    enabled: orgId !== null && accountId !== '',
    select: (page) => page.items,
  });
}

/** "Acme DE" or "Acme DE · Summer sale" (the platform id when the campaign is not in the index). */
export function scopeLabel(
  accountId: string,
  campaignId: string | null,
  byId: Map<string, AdAccount>,
  campaigns: Map<string, Campaign>,
): string {
  const account = byId.get(accountId)?.name ?? 'Unknown account';
  if (!campaignId) return account;
  return `${account} · ${campaigns.get(campaignKey(accountId, campaignId))?.name ?? `campaign ${campaignId}`}`;
}
