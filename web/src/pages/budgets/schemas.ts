/** Form schemas of the budgets and alert-rules screens (checked like the server does; money typed in major units). */
import { z } from 'zod';
import type { AlertKind, AlertRuleIn, BudgetIn, BudgetPeriod } from '../../api/dashboards';
import { MICROS_PER_UNIT, parseMajorToMicros } from '../../money';

/** The server's cap on any amount (a billion in any currency: beyond it is a typo). */
export const MAX_MICROS = 10 ** 15;
/** Percentage thresholds above this are refused by the server (spend over budget). */
export const MAX_PERCENT = 1000;
/** A CTR can drop by 100% at most: the server refuses more (such a rule could never fire). */
export const MAX_CTR_DROP_PERCENT = 100;

/** `currency` is the chosen account's, undefined while none is chosen (the message then names none). */
function amountIssue(text: string, currency: string | undefined): string | null {
  if (text.trim() === '') return 'Enter an amount.';
  const micros = parseMajorToMicros(text, currency);
  // Past 2^53 micros the parser answers null like for a typo: the same text with every digit a 0 is well formed.
  const tooLarge = micros === null ? parseMajorToMicros(text.replace(/\d/g, '0'), currency) !== null : micros > MAX_MICROS;
  if (tooLarge) return `Too large: enter at most ${(MAX_MICROS / MICROS_PER_UNIT).toLocaleString()}${currency ? ` ${currency}` : ''}.`;
  if (micros === null) return `Enter an amount${currency ? ` in ${currency}` : ''}, e.g. 250 or 19.99.`;
  if (micros <= 0) return 'Enter an amount above zero.';
  return null;
}

// ---------------------------------------------------------------- budgets

export const budgetFormSchema = z.object({
  account_id: z.string().min(1, { error: 'Choose an ad account.' }),
  campaign_id: z.string(),
  period: z.enum(['daily', 'monthly']),
  amount: z.string(),
});
export type BudgetForm = z.infer<typeof budgetFormSchema>;

/** The create-budget schema, knowing each account's currency (the amount is typed in it). */
export function budgetSchema(currencyOf: (accountId: string) => string | undefined) {
  return budgetFormSchema.superRefine((form, ctx) => {
    const issue = amountIssue(form.amount, currencyOf(form.account_id));
    if (issue) ctx.addIssue({ code: 'custom', path: ['amount'], message: issue });
  });
}

/** `currency` is the account's as the SPA knows it; without it the server takes the account's own. */
export function budgetBody(form: BudgetForm, currency: string | undefined): BudgetIn {
  return {
    account_id: form.account_id,
    campaign_id: form.campaign_id || null,
    period: form.period as BudgetPeriod,
    amount_micros: parseMajorToMicros(form.amount, currency)!,
    ...(currency ? { currency } : {}),
  };
}

export function amountSchema(currency: string) {
  return z.object({ amount: z.string() }).superRefine((form, ctx) => {
    const issue = amountIssue(form.amount, currency);
    if (issue) ctx.addIssue({ code: 'custom', path: ['amount'], message: issue });
  });
}

// ---------------------------------------------------------------- alert rules

export const ruleFormSchema = z.object({
  kind: z.enum(['spend_over_budget_pct', 'cpa_above', 'ctr_drop_pct']),
  budget_id: z.string(),
  account_id: z.string(),
  campaign_id: z.string(),
  period: z.enum(['daily', 'monthly']),
  threshold: z.string(),
});
export type RuleForm = z.infer<typeof ruleFormSchema>;

/** "80", "12.5": a positive percentage up to `max` with at most 6 decimals (the server's precision). */
export function percentIssue(text: string, max: number = MAX_PERCENT): string | null {
  const cleaned = text.trim().replace(',', '.');
  if (cleaned === '') return 'Enter a threshold.';
  if (!/^\d+(\.\d{1,6})?$/.test(cleaned)) return 'Enter a percentage, e.g. 80 or 12.5.';
  const value = Number(cleaned);
  if (value <= 0) return 'Enter a percentage above zero.';
  if (value > max) return `Enter at most ${max}%.`;
  return null;
}

/** The threshold as the server stores it: a percentage, or CPA micros for `cpa_above`. */
export function thresholdValue(kind: AlertKind, text: string, currency: string | undefined): string {
  return kind === 'cpa_above' ? String(parseMajorToMicros(text, currency)) : text.trim().replace(',', '.');
}

export function thresholdIssue(kind: AlertKind, text: string, currency: string | undefined): string | null {
  if (kind === 'cpa_above') return amountIssue(text, currency);
  return percentIssue(text, kind === 'ctr_drop_pct' ? MAX_CTR_DROP_PERCENT : MAX_PERCENT);
}

export function ruleSchema(currencyOf: (form: RuleForm) => string | undefined) {
  return ruleFormSchema.superRefine((form, ctx) => {
    if (form.kind === 'spend_over_budget_pct' && !form.budget_id)
      ctx.addIssue({ code: 'custom', path: ['budget_id'], message: 'Choose the budget to watch.' });
    if (form.kind !== 'spend_over_budget_pct' && !form.account_id)
      ctx.addIssue({ code: 'custom', path: ['account_id'], message: 'Choose an ad account.' });
    const issue = thresholdIssue(form.kind, form.threshold, currencyOf(form));
    if (issue) ctx.addIssue({ code: 'custom', path: ['threshold'], message: issue });
  });
}

export function ruleBody(form: RuleForm, currency: string | undefined): AlertRuleIn {
  const threshold = thresholdValue(form.kind, form.threshold, currency);
  if (form.kind === 'spend_over_budget_pct') return { kind: form.kind, budget_id: form.budget_id, threshold };
  const body: AlertRuleIn = { kind: form.kind, account_id: form.account_id, threshold };
  if (form.campaign_id) body.campaign_id = form.campaign_id;
  // A CTR drop always compares the last full day: its period is daily (the server's default).
  if (form.kind === 'cpa_above') body.period = form.period as BudgetPeriod;
  return body;
}
