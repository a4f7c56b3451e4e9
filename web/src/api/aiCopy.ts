/**
 * Types and calls for the AI copy service (`/api/ai-copy/...`). The types are the service's own schemas
 * (`Schemas[...]`, generated from its OpenAPI), under the names the pages use; where the schema is looser
 * than what the service sends (`fields`, `platform`, `status` are typed as plain strings/objects there) a
 * narrower local type stays, marked as such. Every call is scoped to the org of the access token.
 */
import { api } from './client';
import type { Schemas, WithDefaults } from './typed';

const BASE = '/api/ai-copy';

export type CopyPlatform = Schemas['CopyBrief']['platforms'][number];
export const COPY_PLATFORMS: readonly CopyPlatform[] = ['google', 'meta', 'tiktok'];
export const COPY_PLATFORM_LABELS: Record<CopyPlatform, string> = {
  google: 'Google Ads',
  meta: 'Meta',
  tiktok: 'TikTok',
};

export function copyPlatformLabel(platform: string): string {
  return COPY_PLATFORM_LABELS[platform as CopyPlatform] ?? platform;
}

/** What a person asks copy for (`CopyBrief`); tone, language and variants default in the service. */
export type CopyBrief = WithDefaults<Schemas['CopyBrief'], 'tone' | 'language' | 'variants'>;

/** `async: true` runs it as a background job: 202 and a queued generation to poll. */
export type GenerationRequest = WithDefaults<Schemas['GenerationRequest'], 'tone' | 'language' | 'variants' | 'async'>;

/** Always sent in full; the schema leaves the keys optional (their default is null), hence `Required`. */
export type Approval = Required<Schemas['ApprovalOut']>;

/**
 * Google: headlines[], descriptions[], path1?, path2?; Meta: primary_text, headline, description; TikTok: ad_text.
 * Narrow local type: the schema has a plain object (the fields depend on the platform).
 */
export type CopyFields = Record<string, string | string[] | null | undefined>;

/** `status`: draft | approved. Narrowed: the schema types `platform` as a string and `fields` as an object. */
export type Variant = Omit<Schemas['VariantOut'], 'platform' | 'fields' | 'approval'> & {
  platform: CopyPlatform;
  fields: CopyFields;
  approval: Approval | null;
};

/** Narrow local type: the schema types a generation's `status` as a string. */
export type GenerationStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/**
 * `provider`: 'offline' for the built-in template generator, else the model used; `usage.cost_usd` is a
 * decimal string ("0.000025"). Narrowed like {@link Variant}: the schema has plain strings/objects for
 * `status`, `request` and the variants' `platform`/`fields`.
 */
export type Generation = Omit<Schemas['GenerationOut'], 'status' | 'request' | 'variants'> & {
  status: GenerationStatus;
  request: CopyBrief & Record<string, unknown>;
  variants: Variant[];
};

/** Decimals come as strings ("10", "0.000025"); `source`: 'default' (service setting) or 'org' (set by an admin). */
export type Budget = Schemas['BudgetOut'];

export type ApproveRequest = Schemas['ApproveRequest'];

export function isGenerationActive(status: string | null | undefined): boolean {
  return status === 'queued' || status === 'running';
}

/** A generation (or a variant of one) written by the built-in offline generator, not a language model. */
export function isOffline(generation: Pick<Generation, 'offline' | 'provider'>): boolean {
  return generation.offline === true || generation.provider === 'offline';
}

/**
 * `idempotencyKey`: one per submission, sent again when that submission is retried: the service then answers
 * the first request's generation instead of generating (and paying) twice.
 */
export const createGeneration = (body: GenerationRequest, idempotencyKey?: string) =>
  api.post<Generation>(
    `${BASE}/generations`,
    body,
    idempotencyKey ? { headers: { 'Idempotency-Key': idempotencyKey } } : undefined,
  );

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
