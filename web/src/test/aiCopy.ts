import type { Budget, CopyFields, Generation, Variant } from '../api/aiCopy';

/** Shared fixtures of the AI copy studio tests. */
export const AI = '/api/ai-copy';

export const FIELDS: Record<string, CopyFields> = {
  google: {
    headlines: ['Fresh meals, delivered', 'Dinner in 15 minutes', 'Chef-made, ready to eat'],
    descriptions: ['Healthy meals for busy parents, delivered to your door.', 'Order by noon, eat tonight.'],
    path1: 'meals',
    path2: null,
  },
  meta: {
    primary_text: 'Dinner sorted: chef-made meals for busy families, at your door tonight.',
    headline: 'Fresh meals, delivered',
    description: '20% off your first box',
  },
  tiktok: { ad_text: 'Dinner in 15 minutes, chef-made and delivered #mealprep' },
};

export function variant(id: string, platform: Variant['platform'], extra: Partial<Variant> = {}): Variant {
  return {
    id,
    generation_id: 'g1',
    platform,
    position: 0,
    fields: FIELDS[platform]!,
    status: 'draft',
    edited: false,
    regenerations: 0,
    warnings: [],
    approved_by: null,
    approved_at: null,
    approval: null,
    publish: null,
    updated_at: '2026-11-25T10:00:00Z',
    ...extra,
  };
}

export function generation(extra: Partial<Generation> = {}): Generation {
  return {
    id: 'g1',
    status: 'succeeded',
    batch_id: null,
    request: {
      product: 'FreshBox meal kits',
      offer: '20% off the first box',
      audience: 'Busy parents',
      tone: 'friendly',
      language: 'en',
      platforms: ['google', 'meta'],
      variants: 1,
      keywords: [],
    },
    async: false,
    provider: 'offline',
    offline: true,
    cached: false,
    cached_from: null,
    usage: { prompt_tokens: 0, completion_tokens: 0, cost_usd: '0' },
    error: null,
    failure_reason: null,
    created_at: '2026-11-25T10:00:00Z',
    finished_at: '2026-11-25T10:00:01Z',
    variants: [variant('v-google', 'google'), variant('v-meta', 'meta')],
    ...extra,
  };
}

export function budget(extra: Partial<Budget> = {}): Budget {
  return {
    monthly_budget_usd: '50',
    spent_usd: '12.5',
    remaining_usd: '37.5',
    source: 'default',
    period_start: '2026-11-01T00:00:00Z',
    ...extra,
  };
}
