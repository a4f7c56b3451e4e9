import { describe, expect, it } from 'vitest';
import { budgetBody, budgetSchema, percentIssue, ruleBody, ruleSchema, thresholdIssue, type RuleForm } from './schemas';

const RULE: RuleForm = { kind: 'cpa_above', budget_id: '', account_id: 'a1', campaign_id: '', period: 'monthly', threshold: '12,5' };

describe('budget and rule forms', () => {
  it('checks amounts against the account currency', () => {
    const schema = budgetSchema((id) => (id === 'jp' ? 'JPY' : 'EUR'));
    const base = { account_id: 'jp', campaign_id: '', period: 'daily' as const };
    expect(schema.safeParse({ ...base, amount: '1000' }).success).toBe(true);
    expect(schema.safeParse({ ...base, amount: '10.5' }).error?.issues[0]?.message).toBe(
      'Enter an amount in JPY, e.g. 250 or 19.99.',
    );
    expect(schema.safeParse({ ...base, amount: '0' }).error?.issues[0]?.message).toBe('Enter an amount above zero.');
  });

  it('names no currency before an account is chosen, and the account\u2019s once it is', () => {
    const currencies = new Map([
      ['us', 'USD'],
      ['uk', 'GBP'],
    ]);
    const schema = budgetSchema((id) => currencies.get(id));
    const messages = (account_id: string, amount: string) =>
      schema.safeParse({ account_id, campaign_id: '', period: 'daily', amount }).error?.issues.map((i) => i.message);
    expect(messages('', 'abc')).toEqual(['Choose an ad account.', 'Enter an amount, e.g. 250 or 19.99.']);
    expect(messages('uk', 'abc')).toEqual(['Enter an amount in GBP, e.g. 250 or 19.99.']);
    expect(budgetBody({ account_id: 'x', campaign_id: '', period: 'daily', amount: '5' }, undefined)).toEqual({
      account_id: 'x',
      campaign_id: null,
      period: 'daily',
      amount_micros: 5_000_000,
    });
  });

  it('says an amount over the server\u2019s maximum is too large, however large', () => {
    const schema = budgetSchema(() => 'GBP');
    const max = (1_000_000_000).toLocaleString();
    const message = (amount: string) =>
      schema.safeParse({ account_id: 'uk', campaign_id: '', period: 'daily', amount }).error?.issues[0]?.message;
    expect(message('1000000000')).toBeUndefined();
    for (const amount of ['1000000000.01', '5000000000', '10000000000', '99999999999999999999.5']) {
      expect(message(amount)).toBe(`Too large: enter at most ${max} GBP.`);
    }
    expect(message('1e12')).toBe('Enter an amount in GBP, e.g. 250 or 19.99.');
    expect(thresholdIssue('cpa_above', '10000000000', undefined)).toBe(`Too large: enter at most ${max}.`);
  });

  it('caps a CTR drop at 100% and a spend threshold at 1000%', () => {
    expect(thresholdIssue('ctr_drop_pct', '100', 'EUR')).toBeNull();
    expect(thresholdIssue('ctr_drop_pct', '100.5', 'EUR')).toBe('Enter at most 100%.');
    expect(thresholdIssue('ctr_drop_pct', '101', 'EUR')).toBe('Enter at most 100%.');
    expect(thresholdIssue('spend_over_budget_pct', '101', 'EUR')).toBeNull();
    expect(ruleSchema(() => 'EUR').safeParse({ ...RULE, kind: 'ctr_drop_pct', threshold: '150' }).success).toBe(false);
  });

  it('sends percentages as typed and CPA targets in micros', () => {
    expect(percentIssue('1000')).toBeNull();
    expect(percentIssue('1000.5')).toBe('Enter at most 1000%.');
    expect(percentIssue('-3')).toBe('Enter a percentage, e.g. 80 or 12.5.');
    expect(ruleSchema(() => 'EUR').safeParse(RULE).success).toBe(true);
    expect(ruleBody(RULE, 'EUR')).toEqual({ kind: 'cpa_above', account_id: 'a1', threshold: '12500000', period: 'monthly' });
    expect(ruleBody({ ...RULE, kind: 'ctr_drop_pct', threshold: '12,5', campaign_id: 'cmp-1' }, 'EUR')).toEqual({
      kind: 'ctr_drop_pct',
      account_id: 'a1',
      campaign_id: 'cmp-1',
      threshold: '12.5',
    });
  });
});
