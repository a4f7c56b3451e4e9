import { useQuery } from '@tanstack/react-query';
import { useConnectorScope } from '../../api/connectorQueries';
import { listCampaigns, type Campaign, type CampaignQuery } from '../../api/connectors';

/** The first page of the org's campaigns (the largest the API serves) names what metrics knows by platform id. */
const INDEX_QUERY: CampaignQuery = { limit: 200, offset: 0 };

export const campaignKey = (accountId: string, externalId: string) => `${accountId}/${externalId}`;

/**
 * Mirrored campaigns by "account id / platform campaign id": metrics (rankings, budgets, rules) identify a campaign
 * by its platform id, the detail page by AdPilot's id. Campaigns beyond the first 200 simply stay unnamed.
 */
export function useCampaignIndex(): Map<string, Campaign> {
  const { orgId, keys } = useConnectorScope();
  const campaigns = useQuery({
    queryKey: keys.campaignList(INDEX_QUERY),
    queryFn: ({ signal }) => listCampaigns(INDEX_QUERY, signal),
    enabled: orgId !== null,
  });
  return new Map((campaigns.data?.items ?? []).map((c) => [campaignKey(c.account_id, c.external_id), c]));
}
