import { describe, expect, it } from 'vitest';
import { budgetSchema, percentIssue, ruleBody, ruleSchema, type RuleForm } from './schemas';

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
