import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Controller, useForm, type UseFormRegisterReturn } from 'react-hook-form';
import { z } from 'zod';
import { BRAND_LIMITS, brandVoiceKey, putBrandVoice, type BrandVoice } from '../../api/brandVoice';
import { ErrorBanner } from '../../components/ErrorBanner';
import { applyServerErrors, SubmitButton } from '../../components/Form';
import { Notice } from '../../components/States';
import { BannedTermsEditor, TermList } from './BrandVoiceTerms';

export const brandVoiceSchema = z.object({
  voice: z.string().max(BRAND_LIMITS.voice, { error: `At most ${BRAND_LIMITS.voice} characters.` }),
  guidelines: z.string().max(BRAND_LIMITS.guidelines, { error: `At most ${BRAND_LIMITS.guidelines} characters.` }),
  banned_terms: z
    .array(z.string().trim().min(1).max(BRAND_LIMITS.term, { error: `At most ${BRAND_LIMITS.term} characters per term.` }))
    .max(BRAND_LIMITS.terms, { error: `At most ${BRAND_LIMITS.terms} banned terms.` }),
});
type BrandVoiceForm = z.infer<typeof brandVoiceSchema>;

function fromVoice(v: BrandVoice): BrandVoiceForm {
  return { voice: v.voice, guidelines: v.guidelines, banned_terms: v.banned_terms };
}

/** A textarea with its limit counter and error, wired to react-hook-form. */
function LongText({
  label,
  hint,
  max,
  rows,
  value,
  error,
  registration,
}: {
  label: string;
  hint: string;
  max: number;
  rows: number;
  value: string;
  error?: string;
  registration: UseFormRegisterReturn;
}) {
  const id = useId();
  const over = value.length > max;
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <textarea
        id={id}
        className="input"
        rows={rows}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-hint ${id}-count${error ? ` ${id}-error` : ''}`}
        {...registration}
      />
      <p id={`${id}-hint`} className="field-hint">
        {hint}{' '}
        <span id={`${id}-count`} className={over ? 'field-error' : 'muted'}>
          {value.length} / {max}
        </span>
      </p>
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** The admin's editor: voice, guidelines, banned terms; each save is a new version. */
export function BrandVoiceForm({ current, orgId }: { current: BrandVoice; orgId: string | null }) {
  const queryClient = useQueryClient();
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const {
    register,
    control,
    handleSubmit,
    watch,
    reset,
    setError,
    formState: { errors, isDirty },
  } = useForm<BrandVoiceForm>({ resolver: zodResolver(brandVoiceSchema), defaultValues: fromVoice(current) });
  const mutation = useMutation({
    mutationFn: (values: BrandVoiceForm) =>
      putBrandVoice({ voice: values.voice.trim(), guidelines: values.guidelines.trim(), banned_terms: values.banned_terms }),
    onSuccess: (saved) => {
      queryClient.setQueryData(brandVoiceKey(orgId), saved);
      reset(fromVoice(saved));
      setSavedVersion(saved.version);
    },
    onError: (error) => {
      applyServerErrors(error, setError, ['voice', 'guidelines', 'banned_terms']);
    },
  });
  const termsError = errors.banned_terms?.message ?? errors.banned_terms?.find?.((e) => e?.message)?.message;

  return (
    <form
      className="form brand-form"
      noValidate
      aria-label="Brand voice"
      onChange={() => setSavedVersion(null)}
      onSubmit={handleSubmit((values) => {
        setSavedVersion(null);
        mutation.mutate(values);
      })}
    >
      <LongText
        label="Voice"
        hint="How the brand sounds, e.g. “warm, plain, a little witty; never pushy”."
        max={BRAND_LIMITS.voice}
        rows={3}
        value={watch('voice')}
        error={errors.voice?.message}
        registration={register('voice')}
      />
      <LongText
        label="Guidelines"
        hint="Do's and don'ts for the copywriter: claims to avoid, words to prefer, how to address people."
        max={BRAND_LIMITS.guidelines}
        rows={6}
        value={watch('guidelines')}
        error={errors.guidelines?.message}
        registration={register('guidelines')}
      />
      <Controller
        control={control}
        name="banned_terms"
        render={({ field }) => (
          <BannedTermsEditor
            value={field.value}
            onChange={(terms) => {
              field.onChange(terms);
              setSavedVersion(null);
            }}
            error={termsError}
          />
        )}
      />
      <div className="field">
        <span className="field-label">Always banned</span>
        <TermList terms={current.default_banned_terms} label="Always banned terms" muted />
        <p className="field-hint">Refused for every organisation by this server.</p>
      </div>
      <div className="form-actions">
        <SubmitButton pending={mutation.isPending} pendingLabel="Saving…">
          Save brand voice
        </SubmitButton>
        {isDirty ? (
          <button type="button" className="button" onClick={() => reset(fromVoice(current))} disabled={mutation.isPending}>
            Discard changes
          </button>
        ) : null}
      </div>
      {savedVersion !== null ? <Notice testId="brand-voice-saved">Saved as version {savedVersion}.</Notice> : null}
      {mutation.isError ? <ErrorBanner heading="Could not save the brand voice" error={mutation.error} /> : null}
    </form>
  );
}
