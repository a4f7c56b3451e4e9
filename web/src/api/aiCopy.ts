/**
 * Types and calls for the AI copy service (`/api/ai-copy/...`), mirroring
 * services/ai-copy/src/adpilot_ai_copy/{brief,generation/schemas,variants/schemas,budget/endpoints}.py.
 * Every call is scoped to the org of the access token.
 */
import { api } from './client';

const BASE = '/api/ai-copy';

export type CopyPlatform = 'google' | 'meta' | 'tiktok';
export const COPY_PLATFORMS: readonly CopyPlatform[] = ['google', 'meta', 'tiktok'];
export const COPY_PLATFORM_LABELS: Record<CopyPlatform, string> = {
  google: 'Google Ads',
  meta: 'Meta',
  tiktok: 'TikTok',
};

export function copyPlatformLabel(platform: string): string {
  return COPY_PLATFORM_LABELS[platform as CopyPlatform] ?? platform;
}

/** What a person asks copy for (`CopyBrief`). */
export interface CopyBrief {
  product: string;
  offer?: string | null;
  audience: string;
  tone?: string;
  /** BCP 47-ish: "en", "de", "ja", "pt-BR". */
  language?: string;
  platforms: CopyPlatform[];
  /** 1..50 per platform. */
  variants?: number;
  final_url?: string | null;
  keywords?: string[];
}

export interface GenerationRequest extends CopyBrief {
  /** Run as a background job: 202 and a queued generation to poll. */
  async?: boolean;
}

export interface Approval {
  account_id: string | null;
  ad_group_id: string | null;
  final_url: string | null;
}

/** Google: headlines[], descriptions[], path1?, path2?; Meta: primary_text, headline, description; TikTok: ad_text. */
export type CopyFields = Record<string, string | string[] | null | undefined>;

export interface Variant {
  id: string;
  generation_id: string;
  platform: CopyPlatform;
  position: number;
  fields: CopyFields;
  /** draft | approved */
  status: string;
  edited: boolean;
  regenerations: number;
  /** Soft limits (Meta's recommended primary text length). */
  warnings: string[];
  approved_by: string | null;
  approved_at: string | null;
  approval: Approval | null;
  updated_at: string;
}

export type GenerationStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface Generation {
  id: string;
  status: GenerationStatus;
  batch_id: string | null;
  request: CopyBrief & Record<string, unknown>;
  async: boolean;
  /** 'offline' for the built-in template generator, else the model used. */
  provider: string | null;
  offline: boolean | null;
  cached: boolean;
  cached_from: string | null;
  /** `cost_usd` is a decimal string ("0.000025"). */
  usage: { prompt_tokens: number; completion_tokens: number; cost_usd: string | number };
  error: string | null;
  failure_reason: string | null;
  created_at: string;
  finished_at: string | null;
  variants: Variant[];
}

/** Decimals come as strings ("10", "0.000025"). */
export interface Budget {
  monthly_budget_usd: string | number;
  spent_usd: string | number;
  remaining_usd: string | number;
  /** 'default' (service setting) or 'org' (set by an admin). */
  source: string;
  period_start: string;
}

export interface ApproveRequest {
  account_id?: string | null;
  ad_group_id?: string | null;
  final_url?: string | null;
}

export function isGenerationActive(status: string | null | undefined): boolean {
  return status === 'queued' || status === 'running';
}

/** A generation (or a variant of one) written by the built-in offline generator, not a language model. */
export function isOffline(generation: Pick<Generation, 'offline' | 'provider'>): boolean {
  return generation.offline === true || generation.provider === 'offline';
}

export const createGeneration = (body: GenerationRequest) => api.post<Generation>(`${BASE}/generations`, body);

export const listGenerations = (limit = 20, signal?: AbortSignal) =>
  api.get<Generation[]>(`${BASE}/generations?limit=${limit}`, { signal });

export const getGeneration = (id: string, signal?: AbortSignal) =>
  api.get<Generation>(`${BASE}/generations/${encodeURIComponent(id)}`, { signal });

export const getVariant = (id: string, signal?: AbortSignal) =>
  api.get<Variant>(`${BASE}/variants/${encodeURIComponent(id)}`, { signal });

export const editVariant = (id: string, fields: CopyFields) =>
  api.patch<Variant>(`${BASE}/variants/${encodeURIComponent(id)}`, { fields });

export const regenerateField = (id: string, field: string, index?: number | null) =>
  api.post<Variant>(`${BASE}/variants/${encodeURIComponent(id)}/regenerate`, {
    field,
    ...(index !== undefined && index !== null ? { index } : {}),
  });

export const approveVariant = (id: string, body: ApproveRequest) =>
  api.post<Variant>(`${BASE}/variants/${encodeURIComponent(id)}/approve`, body);

export const getBudget = (signal?: AbortSignal) => api.get<Budget>(`${BASE}/budget`, { signal });

export function aiCopyKeys(orgId: string | null) {
  const root = ['ai-copy', orgId ?? 'none'] as const;
  return {
    all: root,
    generations: [...root, 'generations'] as const,
    generation: (id: string) => [...root, 'generation', id] as const,
    budget: [...root, 'budget'] as const,
  };
}
