import type { FieldError, UseFormRegisterReturn } from 'react-hook-form';
import type { AdAccount } from '../api/connectors';
import { SelectField } from './Form';

interface AccountSelectProps {
  accounts: AdAccount[];
  registration: UseFormRegisterReturn;
  error?: FieldError;
  /** The first, empty choice: "All accounts" where none means every account, a prompt where one is required. */
  emptyLabel: string;
  /** Name each account with its currency (where amounts are entered in it). */
  withCurrency?: boolean;
}

/** The "Ad account" choice of a form: the org's ad accounts behind one empty option. */
export function AccountSelect({ accounts, registration, error, emptyLabel, withCurrency = false }: AccountSelectProps) {
  return (
    <SelectField label="Ad account" registration={registration} error={error}>
      <option value="">{emptyLabel}</option>
      {accounts.map((a) => (
        <option key={a.id} value={a.id}>
          {withCurrency ? `${a.name} (${a.currency})` : a.name}
        </option>
      ))}
    </SelectField>
  );
}
