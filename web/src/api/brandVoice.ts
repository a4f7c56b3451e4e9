/**
 * The org's brand voice in the AI copy service (`/api/ai-copy/brand-voice`), mirroring
 * services/ai-copy/src/adpilot_ai_copy/brand/schemas.py. Any member reads it; admins set it (each save is a
 * new version, which also changes the generation cache key).
 */
import { api, ok, type Schemas } from './typed';

/** Limits of `BrandVoiceIn`. */
export const BRAND_LIMITS = { voice: 2000, guidelines: 4000, terms: 200, term: 80 } as const;

export type BrandVoiceIn = Required<Schemas['BrandVoiceIn']>;
/** `default_banned_terms` are refused for every org (a service setting); `version` is 0 until first set. */
export type BrandVoice = Schemas['BrandVoiceOut'];

export const getBrandVoice = (signal?: AbortSignal) => ok(api.GET('/api/ai-copy/brand-voice', { signal }));

export const putBrandVoice = (body: BrandVoiceIn) => ok(api.PUT('/api/ai-copy/brand-voice', { body }));

/** Under the AI copy root, so a live `copy.*` event (or an org switch) refreshes it too. */
export function brandVoiceKey(orgId: string | null) {
  return ['ai-copy', orgId ?? 'none', 'brand-voice'] as const;
}
