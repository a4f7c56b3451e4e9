import { zodResolver } from '@hookform/resolvers/zod';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import {
  ALERT_KIND_LABELS,
  ALERT_KINDS,
  BUDGET_PERIODS,
  PERIOD_LABELS,
  useCreateAlertRule,
  type AlertKind,
  type Budget,
} from '../../api/dashboards';
import { ErrorBanner } from '../../components/ErrorBanner';
import { applyServerErrors, SelectField, SubmitButton, TextField } from '../../components/Form';
import { Notice } from '../../components/States';
import { MAX_CTR_DROP_PERCENT, MAX_PERCENT, ruleBody, ruleSchema, type RuleForm } from './schemas';
import { ScopeFields } from './ScopeFields';
import { useAccountCampaigns, useAccountIndex } from './scope';

const RULE_DEFAULTS: RuleForm = {
  kind: 'spend_over_budget_pct',
  budget_id: '',
  account_id: '',
  campaign_id: '',
  period: 'monthly',
  threshold: '',
};

export function thresholdHint(kind: AlertKind, currency: string | undefined): string {
  switch (kind) {
    case 'spend_over_budget_pct':
      return `Percent of the budget spent in its period, e.g. 80 (up to ${MAX_PERCENT}).`;
    case 'cpa_above':
      return `Target cost per conversion in ${currency ?? 'the account\u2019s currency'}, e.g. 25.`;
    case 'ctr_drop_pct':
      return `Percent drop of yesterday\u2019s CTR below the 7 days before, e.g. 30 (up to ${MAX_CTR_DROP_PERCENT}).`;
  }
}

/** Create an alert rule; the metrics service checks it after each sync and hourly, and fires once per period. */
export function AlertRuleForm({ budgets, labelOf }: { budgets: Budget[]; labelOf: (budget: Budget) => string }) {
  const { accounts, byId } = useAccountIndex();
  const create = useCreateAlertRule();
  const [created, setCreated] = useState(false);
  const budgetById = new Map(budgets.map((b) => [b.id, b]));
  const currencyOf = (form: RuleForm) =>
    form.kind === 'spend_over_budget_pct' ? budgetById.get(form.budget_id)?.currency : byId.get(form.account_id)?.currency;
  const {
    register,
    handleSubmit,
    watch,
    reset,
    setError,
    formState: { errors },
  } = useForm<RuleForm>({ resolver: zodResolver(ruleSchema(currencyOf)), defaultValues: RULE_DEFAULTS });
  const kind = watch('kind');
  const accountId = watch('account_id');
  const campaigns = useAccountCampaigns(kind === 'spend_over_budget_pct' ? '' : accountId);
  const spend = kind === 'spend_over_budget_pct';

  const submit = handleSubmit((form) => {
    setCreated(false);
    create.mutate(ruleBody(form, currencyOf(form)), {
      onSuccess: () => {
        setCreated(true);
        reset({ ...RULE_DEFAULTS, kind: form.kind });
      },
      onError: (error) => applyServerErrors(error, setError, ['budget_id', 'account_id', 'campaign_id', 'threshold']),
    });
  });

  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label="New alert rule">
      {created ? <Notice testId="rule-created">Alert rule created.</Notice> : null}
      {create.isError ? <ErrorBanner heading="Could not create the alert rule" error={create.error} /> : null}
      <SelectField label="Alert type" registration={register('kind')}>
        {ALERT_KINDS.map((k) => (
          <option key={k} value={k}>
            {ALERT_KIND_LABELS[k]}
          </option>
        ))}
      </SelectField>
      {spend ? (
        <SelectField label="Budget" registration={register('budget_id')} error={errors.budget_id}>
          <option value="">{budgets.length === 0 ? 'Create a budget first' : 'Choose a budget…'}</option>
          {budgets.map((b) => (
            <option key={b.id} value={b.id}>
              {labelOf(b)} · {PERIOD_LABELS[b.period].toLowerCase()}
            </option>
          ))}
        </SelectField>
      ) : (
        <ScopeFields
          accounts={accounts}
          campaigns={campaigns.data ?? []}
          account={register('account_id')}
          accountError={errors.account_id}
          campaign={register('campaign_id')}
          accountChosen={Boolean(accountId)}
        />
      )}
      {kind === 'cpa_above' ? (
        <SelectField label="Period" registration={register('period')}>
          {BUDGET_PERIODS.map((p) => (
            <option key={p} value={p}>
              {PERIOD_LABELS[p]}
            </option>
          ))}
        </SelectField>
      ) : null}
      <TextField
        label="Threshold"
        registration={register('threshold')}
        error={errors.threshold}
        inputMode="decimal"
        autoComplete="off"
        hint={thresholdHint(kind, spend ? undefined : byId.get(accountId)?.currency)}
      />
      <p className="field-hint">
        A firing rule is delivered through the notification channels set up for the organisation (email, Signal,
        WhatsApp, webhooks); a rule has no channels of its own.
      </p>
      <div className="form-actions">
        <SubmitButton pending={create.isPending} pendingLabel="Creating…">
          Create alert rule
        </SubmitButton>
      </div>
    </form>
  );
}
