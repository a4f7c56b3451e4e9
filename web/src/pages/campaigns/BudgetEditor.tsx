import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { createWriteJob, type Campaign } from '../../api/connectors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { amountExample, currencyDigits, formatMicros, microsToInput, parseMajorToMicros } from '../../money';
import type { TrackedJob } from './WriteJobProgress';

/** A daily budget typed in major units of `currency`, validated and converted to micros. */
export function budgetSchema(currency: string) {
  const digits = currencyDigits(currency);
  return z.object({
    amount: z
      .string()
      .trim()
      .min(1, { error: 'Enter a daily budget.' })
      .transform((text, ctx) => {
        const micros = parseMajorToMicros(text, currency);
        if (micros === null) {
          ctx.addIssue({
            code: 'custom',
            // The example is written the way the parser reads the user's locale (1,000.50 or 1.000,50).
            message:
              digits > 0
                ? `Enter an amount like 25 or ${amountExample(currency)} (at most ${digits} decimals).`
                : `Enter a whole amount like ${amountExample(currency)}.`,
          });
          return z.NEVER;
        }
        if (micros <= 0) {
          ctx.addIssue({ code: 'custom', message: 'The budget must be more than zero.' });
          return z.NEVER;
        }
        return micros;
      }),
  });
}

/** The budget cell: the amount in the account currency, and (for members) an inline editor. */
export function BudgetEditor({
  campaign,
  currency,
  canEdit,
  onJob,
}: {
  campaign: Campaign;
  currency: string;
  canEdit: boolean;
  onJob: (tracked: TrackedJob) => void;
}) {
  const [editing, setEditing] = useState(false);
  const inputId = useId();
  const errorId = `${inputId}-error`;
  const schema = budgetSchema(currency);
  const {
    register,
    handleSubmit,
    reset,
    formState: { errors },
  } = useForm<z.input<typeof schema>, unknown, z.output<typeof schema>>({
    resolver: zodResolver(schema),
    defaultValues: { amount: microsToInput(campaign.daily_budget_micros) },
  });
  const mutation = useMutation({
    mutationFn: (micros: number) =>
      createWriteJob(campaign.account_id, [
        { op: 'set_budget', campaign_id: campaign.external_id, daily_budget_micros: micros },
      ]),
    onSuccess: (job, micros) => {
      onJob({
        job,
        label: `Set the daily budget of ${campaign.name} to ${formatMicros(micros, currency)}`,
        names: new Map([[campaign.external_id, campaign.name]]),
      });
      setEditing(false);
    },
  });

  const amount = (
    <span className="num-value" data-testid="budget">
      {formatMicros(campaign.daily_budget_micros, currency)}
    </span>
  );
  if (!editing) {
    return (
      <div className="budget-cell">
        {amount}
        {canEdit && campaign.status !== 'REMOVED' ? (
          <button
            type="button"
            className="link-button"
            onClick={() => {
              reset({ amount: microsToInput(campaign.daily_budget_micros) });
              mutation.reset();
              setEditing(true);
            }}
            aria-label={`Edit the daily budget of ${campaign.name}`}
          >
            Edit
          </button>
        ) : null}
      </div>
    );
  }
  return (
    <form
      className="budget-form"
      noValidate
      aria-label={`Daily budget of ${campaign.name}`}
      onSubmit={handleSubmit(({ amount: micros }) => mutation.mutate(micros))}
      onKeyDown={(e) => {
        if (e.key === 'Escape') setEditing(false);
      }}
    >
      <label htmlFor={inputId} className="visually-hidden">
        Daily budget of {campaign.name} in {currency}
      </label>
      <span className="budget-input">
        <input
          id={inputId}
          className="input input-small"
          inputMode="decimal"
          autoComplete="off"
          autoFocus
          aria-invalid={errors.amount ? true : undefined}
          aria-describedby={errors.amount ? errorId : undefined}
          {...register('amount')}
        />
        <span className="muted">{currency}</span>
      </span>
      <button type="submit" className="button button-small button-primary" disabled={mutation.isPending}>
        {mutation.isPending ? 'Saving…' : 'Save'}
      </button>
      <button type="button" className="button button-small" onClick={() => setEditing(false)} disabled={mutation.isPending}>
        Cancel
      </button>
      {errors.amount ? (
        <p id={errorId} className="field-error">
          {errors.amount.message}
        </p>
      ) : null}
      {mutation.isError ? <ErrorBanner heading="Could not change the budget" error={mutation.error} /> : null}
    </form>
  );
}
