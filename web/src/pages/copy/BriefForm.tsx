import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useRef } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import {
  COPY_PLATFORM_LABELS,
  COPY_PLATFORMS,
  createGeneration,
  type CopyPlatform,
  type Generation,
  type GenerationRequest,
} from '../../api/aiCopy';
import { isApiError } from '../../api/client';
import { applyServerErrors, SubmitButton, TextField } from '../../components/Form';
import { CopyError } from './CopyError';

const HTTPS_URL = /^https:\/\/[^\s/?#@]+\.[^\s/?#@]+([/?#]\S*)?$/;

export const briefSchema = z.object({
  product: z
    .string()
    .trim()
    .min(1, { error: 'Say what is advertised.' })
    .max(200, { error: 'At most 200 characters.' }),
  offer: z.string().trim().max(300, { error: 'At most 300 characters.' }),
  audience: z
    .string()
    .trim()
    .min(1, { error: 'Say who the ad is for.' })
    .max(300, { error: 'At most 300 characters.' }),
  tone: z.string().trim().min(1, { error: 'Choose a tone.' }).max(60, { error: 'At most 60 characters.' }),
  language: z
    .string()
    .trim()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, { error: 'A language code like en, de or pt-BR.' }),
  platforms: z
    .array(z.enum(['google', 'meta', 'tiktok']), { error: 'Choose at least one platform.' })
    .min(1, { error: 'Choose at least one platform.' }),
  variants: z
    .string()
    .trim()
    .regex(/^\d+$/, { error: 'A whole number from 1 to 50.' })
    .refine((v) => Number(v) >= 1 && Number(v) <= 50, { error: 'A whole number from 1 to 50.' }),
  final_url: z
    .string()
    .trim()
    .refine((v) => v === '' || (v.length <= 2048 && HTTPS_URL.test(v)), {
      error: 'An https:// address, e.g. https://example.com/offer.',
    }),
  keywords: z
    .string()
    .refine((v) => splitKeywords(v).length <= 20, { error: 'At most 20 keywords.' })
    .refine((v) => splitKeywords(v).every((k) => k.length <= 80), { error: 'Each keyword at most 80 characters.' }),
});

export type BriefValues = z.infer<typeof briefSchema>;

export function splitKeywords(text: string): string[] {
  return text
    .split(/[,\n]+/)
    .map((k) => k.trim())
    .filter(Boolean);
}

export function toGenerationRequest(values: BriefValues): GenerationRequest {
  return {
    product: values.product,
    ...(values.offer ? { offer: values.offer } : {}),
    audience: values.audience,
    tone: values.tone,
    language: values.language,
    platforms: values.platforms as CopyPlatform[],
    variants: Number(values.variants),
    ...(values.final_url ? { final_url: values.final_url } : {}),
    keywords: splitKeywords(values.keywords),
  };
}

/** A submission and its `Idempotency-Key`. */
interface Submission {
  request: GenerationRequest;
  key: string;
}

/** No answer (network error, timeout) or 409 (the first attempt still runs): sending it again is a retry. */
function unanswered(error: unknown): boolean {
  return !isApiError(error) || error.status === 0 || error.status === 409;
}

const FIELDS = ['product', 'offer', 'audience', 'tone', 'language', 'platforms', 'variants', 'final_url', 'keywords'] as const;

/** The brief: what to write copy for, for which platforms, how many variants. */
export function BriefForm({ onGenerated }: { onGenerated: (generation: Generation) => void }) {
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm<BriefValues>({
    resolver: zodResolver(briefSchema),
    defaultValues: {
      product: '',
      offer: '',
      audience: '',
      tone: 'friendly',
      language: 'en',
      platforms: ['google', 'meta'],
      variants: '3',
      final_url: '',
      keywords: '',
    },
  });
  // The key of a submission that got no answer: the same brief sent again is a retry of it and reuses the
  // key (the service answers the first request's generation, never a second one); a new brief, or one sent
  // again after an answer, is a new submission with a fresh key.
  const retryable = useRef<{ body: string; key: string } | null>(null);
  const mutation = useMutation({
    mutationFn: ({ request, key }: Submission) => createGeneration(request, key),
    onSuccess: (generation) => {
      retryable.current = null;
      onGenerated(generation);
    },
    onError: (error) => {
      if (!unanswered(error)) retryable.current = null;
      applyServerErrors(error, setError, FIELDS);
    },
  });
  // Set at once, not at the next render: a second submit in the same moment (a double click, Enter twice)
  // is not a new request, nor a retry the service would answer with 409.
  const running = useRef(false);
  const submit = (values: BriefValues) => {
    if (running.current) return;
    running.current = true;
    const request = toGenerationRequest(values);
    const body = JSON.stringify(request);
    if (retryable.current?.body !== body) retryable.current = { body, key: crypto.randomUUID() };
    mutation.mutate({ request, key: retryable.current.key }, { onSettled: () => (running.current = false) });
  };
  const platformError = errors.platforms?.message ?? errors.platforms?.root?.message;

  return (
    <form
      className="form brief-form"
      noValidate
      aria-label="Copy brief"
      onSubmit={handleSubmit(submit)}
    >
      <div className="brief-grid">
        <TextField label="Product" registration={register('product')} error={errors.product} maxLength={200} />
        <TextField
          label="Offer (optional)"
          registration={register('offer')}
          error={errors.offer}
          placeholder="20% off the first box"
          maxLength={300}
        />
        <TextField
          label="Audience"
          registration={register('audience')}
          error={errors.audience}
          placeholder="Busy parents in Berlin"
          maxLength={300}
        />
        <TextField label="Tone" registration={register('tone')} error={errors.tone} maxLength={60} />
        <TextField
          label="Language"
          registration={register('language')}
          error={errors.language}
          hint="en, de, ja, pt-BR…"
          className="input-small"
        />
        <TextField
          label="Variants per platform"
          type="number"
          min={1}
          max={50}
          inputMode="numeric"
          registration={register('variants')}
          error={errors.variants}
          className="input-small"
        />
        <TextField
          label="Final URL (optional)"
          type="url"
          registration={register('final_url')}
          error={errors.final_url}
          placeholder="https://example.com/offer"
        />
        <TextField
          label="Keywords (optional)"
          registration={register('keywords')}
          error={errors.keywords}
          hint="Separated by commas."
        />
      </div>
      <fieldset
        className="platform-choice"
        aria-invalid={platformError ? true : undefined}
        aria-describedby={platformError ? 'brief-platforms-error' : undefined}
      >
        <legend className="field-label">Platforms</legend>
        {COPY_PLATFORMS.map((p) => (
          <label key={p} className="platform-option">
            <input type="checkbox" value={p} {...register('platforms')} /> {COPY_PLATFORM_LABELS[p]}
          </label>
        ))}
        {platformError ? (
          <p id="brief-platforms-error" className="field-error">
            {platformError}
          </p>
        ) : null}
      </fieldset>
      <div className="form-actions">
        <SubmitButton pending={mutation.isPending} pendingLabel="Writing copy…">
          Generate copy
        </SubmitButton>
      </div>
      {mutation.isError ? <CopyError heading="Could not generate copy" error={mutation.error} /> : null}
    </form>
  );
}
