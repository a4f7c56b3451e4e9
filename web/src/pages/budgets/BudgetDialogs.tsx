import { zodResolver } from '@hookform/resolvers/zod';
import { Plus } from 'lucide-react';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { BUDGET_PERIODS, PERIOD_LABELS, useCreateBudget, useUpdateBudget, type Budget } from '../../api/dashboards';
import { ErrorBanner } from '../../components/ErrorBanner';
import { applyServerErrors, SelectField, SubmitButton, TextField } from '../../components/Form';
import { Button } from '../../components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from '../../components/ui/dialog';
import { microsToInput, parseMajorToMicros } from '../../money';
import { amountSchema, budgetBody, budgetSchema, type BudgetForm } from './schemas';
import { ScopeFields } from './ScopeFields';
import { useAccountCampaigns, useAccountIndex } from './scope';

const BUDGET_DEFAULTS: BudgetForm = { account_id: '', campaign_id: '', period: 'monthly', amount: '' };

function NewBudgetForm({ onDone }: { onDone: () => void }) {
  const { accounts, byId } = useAccountIndex();
  const create = useCreateBudget();
  const currencyOf = (accountId: string) => byId.get(accountId)?.currency;
  const {
    register,
    handleSubmit,
    watch,
    setError,
    formState: { errors },
  } = useForm<BudgetForm>({ resolver: zodResolver(budgetSchema(currencyOf)), defaultValues: BUDGET_DEFAULTS });
  const accountId = watch('account_id');
  const campaigns = useAccountCampaigns(accountId);
  const currency = currencyOf(accountId);

  const submit = handleSubmit((form) => {
    create.mutate(budgetBody(form, currencyOf(form.account_id)), {
      onSuccess: onDone,
      onError: (error) => applyServerErrors(error, setError, ['account_id', 'campaign_id', 'period']),
    });
  });

  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label="New budget">
      {create.isError ? <ErrorBanner heading="Could not create the budget" error={create.error} /> : null}
      <ScopeFields
        accounts={accounts}
        campaigns={campaigns.data ?? []}
        account={register('account_id')}
        accountError={errors.account_id}
        campaign={register('campaign_id')}
        accountChosen={Boolean(accountId)}
      />
      <SelectField label="Period" registration={register('period')}>
        {BUDGET_PERIODS.map((p) => (
          <option key={p} value={p}>
            {PERIOD_LABELS[p]}
          </option>
        ))}
      </SelectField>
      <TextField
        label="Amount"
        registration={register('amount')}
        error={errors.amount}
        inputMode="decimal"
        autoComplete="off"
        hint={currency ? `In ${currency}, the account\u2019s currency.` : 'In the ad account\u2019s currency.'}
      />
      <div className="form-actions">
        <SubmitButton pending={create.isPending} pendingLabel="Creating…">
          Create budget
        </SubmitButton>
      </div>
    </form>
  );
}

/** "New budget" opens a dialog with the budget form; the list refetches once it is created. */
export function NewBudgetDialog() {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <Button variant="primary" onClick={() => setOpen(true)}>
        <Plus className="size-4" aria-hidden="true" />
        New budget
      </Button>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>New budget</DialogTitle>
          <DialogDescription>A spending cap per day or calendar month (UTC) for an account or one campaign.</DialogDescription>
        </DialogHeader>
        {open ? <NewBudgetForm onDone={() => setOpen(false)} /> : null}
      </DialogContent>
    </Dialog>
  );
}

function EditBudgetForm({ budget, onDone }: { budget: Budget; onDone: () => void }) {
  const update = useUpdateBudget();
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useForm<{ amount: string }>({
    resolver: zodResolver(amountSchema(budget.currency)),
    defaultValues: { amount: microsToInput(budget.amount_micros) },
  });
  const submit = handleSubmit(({ amount }) => {
    update.mutate({ budgetId: budget.id, amountMicros: parseMajorToMicros(amount, budget.currency)! }, { onSuccess: onDone });
  });
  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-label="Edit budget">
      {update.isError ? <ErrorBanner heading="Could not change the budget" error={update.error} /> : null}
      <TextField
        label="Amount"
        registration={register('amount')}
        error={errors.amount}
        inputMode="decimal"
        autoComplete="off"
        hint={`In ${budget.currency}.`}
      />
      <div className="form-actions">
        <SubmitButton pending={update.isPending} pendingLabel="Saving…">
          Save budget
        </SubmitButton>
      </div>
    </form>
  );
}

/** Change a budget's amount (its account, campaign and period are fixed: create another budget instead). */
export function EditBudgetDialog({ budget, label }: { budget: Budget; label: string }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <Button size="sm" onClick={() => setOpen(true)} aria-label={`Edit budget ${label}`}>
        Edit
      </Button>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Edit budget</DialogTitle>
          <DialogDescription>{label}</DialogDescription>
        </DialogHeader>
        {open ? <EditBudgetForm budget={budget} onDone={() => setOpen(false)} /> : null}
      </DialogContent>
    </Dialog>
  );
}
