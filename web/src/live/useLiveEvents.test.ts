import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { connectorKeys } from '../api/connectors';
import type { LiveEvent } from './liveConnection';
import { applyEvent, staleKeys } from './useLiveEvents';

const ORG = 'org-1';

function event(type: string): LiveEvent {
  return { id: 'e1', type, org_id: ORG, occurred_at: '2026-11-25T10:00:00Z', data: {} };
}

describe('live events', () => {
  it('maps each event to the queries it makes stale', () => {
    const keys = connectorKeys(ORG);
    expect(staleKeys(event('campaign.v1.status_changed'), ORG)).toEqual([keys.campaigns]);
    expect(staleKeys(event('connector.v1.sync_completed'), ORG)).toEqual([keys.accounts, keys.connections]);
    expect(staleKeys(event('metrics.v1.updated'), ORG)).toEqual([['metrics', ORG]]);
    expect(staleKeys(event('report.v1.ready'), ORG)).toEqual([['metrics', ORG]]);
    expect(staleKeys(event('copy.v1.generated'), ORG)).toEqual([['ai-copy', ORG]]);
    expect(staleKeys(event('user.v1.registered'), ORG)).toEqual([]);
  });

  it('marks only the matching queries stale', async () => {
    const client = new QueryClient();
    const campaigns = [...connectorKeys(ORG).campaigns, { page: 1 }];
    client.setQueryData(campaigns, []);
    client.setQueryData(['metrics', ORG, 'totals'], {});
    applyEvent(client, event('campaign.v1.updated'), ORG);
    expect(client.getQueryState(campaigns)?.isInvalidated).toBe(true);
    expect(client.getQueryState(['metrics', ORG, 'totals'])?.isInvalidated).toBe(false);
  });
});
