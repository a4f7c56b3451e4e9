import type { FieldError, UseFormRegisterReturn } from 'react-hook-form';
import type { AdAccount, Campaign } from '../../api/connectors';
import { AccountSelect } from '../../components/AccountSelect';
import { SelectField } from '../../components/Form';

interface ScopeFieldsProps {
  accounts: AdAccount[];
  /** The chosen account's campaigns (empty until one is chosen). */
  campaigns: Campaign[];
  account: UseFormRegisterReturn;
  accountError?: FieldError;
  campaign: UseFormRegisterReturn;
  accountChosen: boolean;
}

/** What a budget or an alert rule watches: an ad account, and optionally one of its campaigns. */
export function ScopeFields({ accounts, campaigns, account, accountError, campaign, accountChosen }: ScopeFieldsProps) {
  return (
    <>
      <AccountSelect
        accounts={accounts}
        registration={account}
        error={accountError}
        emptyLabel="Choose an ad account…"
        withCurrency
      />
      <SelectField label="Campaign" registration={campaign} disabled={!accountChosen}>
        <option value="">Whole account</option>
        {campaigns.map((c) => (
          <option key={c.id} value={c.external_id}>
            {c.name}
          </option>
        ))}
      </SelectField>
    </>
  );
}
