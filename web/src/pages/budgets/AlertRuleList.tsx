import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import {
  alertKindLabel,
  deleteAlertRule,
  PERIOD_LABELS,
  useDashboardScope,
  useUpdateAlertRule,
  type AlertRule,
} from '../../api/dashboards';
import { ErrorBanner } from '../../components/ErrorBanner';
import { SubmitButton, TextField } from '../../components/Form';
import { InlineConfirm } from '../../components/InlineConfirm';
import { EmptyState } from '../../components/States';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '../../components/ui/dialog';
import { formatMicros, microsToInput } from '../../money';
import { thresholdHint } from './AlertRuleForm';
import { thresholdIssue, thresholdValue } from './schemas';

/** "80%" or "€25.00" (a CPA target is stored in micros). */
export function formatThreshold(rule: Pick<AlertRule, 'kind' | 'threshold'>, currency: string | undefined): string {
  const value = Number(rule.threshold);
  return rule.kind === 'cpa_above' ? formatMicros(Math.round(value), currency) : `${value}%`;
}

function EditRuleForm({ rule, currency, onDone }: { rule: AlertRule; currency: string | undefined; onDone: () => void }) {
  const update = useUpdateAlertRule();
  const schema = z.object({ threshold: z.string() }).superRefine((form, ctx) => {
    const issue = thresholdIssue(rule.kind, form.threshold, currency);
    if (issue) ctx.addIssue({ code: 'custom', path: ['threshold'], message: issue });
  });
  const initial = rule.kind === 'cpa_above' ? microsToInput(Math.round(Number(rule.threshold))) : String(Number(rule.threshold));
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useForm<{ threshold: string }>({ resolver: zodResolver(schema), defaultValues: { threshold: initial } });
  const submit = handleSubmit(({ threshold }) =>
    update.mutate(
      { ruleId: rule.id, patch: { threshold: thresholdValue(rule.kind, threshold, currency) } },
      { onSuccess: onDone },
    ),
  );
  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label="Edit alert rule">
      {update.isError ? <ErrorBanner heading="Could not change the alert rule" error={update.error} /> : null}
      <TextField
        label="Threshold"
        registration={register('threshold')}
        error={errors.threshold}
        inputMode="decimal"
        autoComplete="off"
        hint={thresholdHint(rule.kind, currency)}
      />
      <div className="form-actions">
        <SubmitButton pending={update.isPending} pendingLabel="Saving…">
          Save alert rule
        </SubmitButton>
      </div>
    </form>
  );
}

function EditRuleDialog({ rule, label, currency }: { rule: AlertRule; label: string; currency: string | undefined }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <Button size="sm" onClick={() => setOpen(true)} aria-label={`Edit alert rule ${label}`}>
        Edit
      </Button>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Edit alert rule</DialogTitle>
          <DialogDescription>{label}</DialogDescription>
        </DialogHeader>
        {open ? <EditRuleForm rule={rule} currency={currency} onDone={() => setOpen(false)} /> : null}
      </DialogContent>
    </Dialog>
  );
}

function RuleActions({ rule, label, currency }: { rule: AlertRule; label: string; currency: string | undefined }) {
  const client = useQueryClient();
  const { keys } = useDashboardScope();
  const toggle = useUpdateAlertRule();
  const remove = useMutation<unknown, Error, void>({
    mutationFn: () => deleteAlertRule(rule.id),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.alertRules }),
  });
  return (
    <div className="flex flex-wrap items-start gap-2">
      <Button
        size="sm"
        aria-pressed={rule.enabled}
        aria-label={`${rule.enabled ? 'Pause' : 'Resume'} alert rule ${label}`}
        disabled={toggle.isPending}
        onClick={() => toggle.mutate({ ruleId: rule.id, patch: { enabled: !rule.enabled } })}
      >
        {rule.enabled ? 'Pause' : 'Resume'}
      </Button>
      <EditRuleDialog rule={rule} label={label} currency={currency} />
      <InlineConfirm
        mutation={remove}
        trigger="Delete"
        triggerLabel={`Delete alert rule ${label}`}
        groupLabel={`Confirm deleting alert rule ${label}`}
        question="Delete this alert rule?"
        confirm="Yes, delete"
        pending="Deleting…"
        errorHeading="Could not delete the alert rule"
      />
      {toggle.isError ? <ErrorBanner heading="Could not change the alert rule" error={toggle.error} /> : null}
    </div>
  );
}

/** The org's alert rules; members and up may pause, edit and delete them. */
export function AlertRuleList({
  rules,
  scopeOf,
  currencyOf,
  canEdit,
}: {
  rules: AlertRule[];
  scopeOf: (rule: AlertRule) => string;
  currencyOf: (rule: AlertRule) => string | undefined;
  canEdit: boolean;
}) {
  if (rules.length === 0) return <EmptyState>No alert rules yet.</EmptyState>;
  return (
    <ul className="m-0 flex list-none flex-col gap-3 p-0" data-testid="alert-rules">
      {rules.map((rule) => {
        const currency = currencyOf(rule);
        const threshold = formatThreshold(rule, currency);
        const label = `${alertKindLabel(rule.kind)} ${threshold} · ${scopeOf(rule)}`;
        return (
          <li
            key={rule.id}
            className="flex flex-wrap items-start justify-between gap-2 border-b border-border pb-3 last:border-b-0 last:pb-0"
            data-testid="alert-rule-row"
          >
            <div>
              <p className="m-0 font-semibold">
                {alertKindLabel(rule.kind)} <span data-testid="alert-rule-threshold">{threshold}</span>
                {rule.enabled ? null : (
                  <Badge tone="neutral" className="ml-2">
                    Paused
                  </Badge>
                )}
              </p>
              <p className="m-0 text-sm text-muted">
                {scopeOf(rule)} · {PERIOD_LABELS[rule.period]}
              </p>
            </div>
            {canEdit ? <RuleActions rule={rule} label={label} currency={currency} /> : null}
          </li>
        );
      })}
    </ul>
  );
}
