import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { CAMPAIGN_STATUSES, PLATFORM_LABELS, platformLabel, type AdAccount } from '../../api/connectors';

export interface Filters {
  account_id: string;
  platform: string;
  status: string;
  q: string;
}

function Select({
  label,
  value,
  onChange,
  children,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <select id={id} className="input" value={value} onChange={(e) => onChange(e.target.value)}>
        {children}
      </select>
    </div>
  );
}

/** Account, platform and status apply at once; the search text applies on submit (Enter or the button). */
export function CampaignFilters({
  filters,
  accounts,
  onChange,
}: {
  filters: Filters;
  accounts: AdAccount[];
  onChange: (next: Partial<Filters>) => void;
}) {
  const [draft, setDraft] = useState(filters.q);
  const searchId = useId();
  useEffect(() => setDraft(filters.q), [filters.q]);
  const platforms = Array.from(new Set([...accounts.map((a) => a.platform), ...Object.keys(PLATFORM_LABELS)]));
  const active = Boolean(filters.account_id || filters.platform || filters.status || filters.q);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange({ q: draft.trim() });
  };

  return (
    <form className="form form-inline filter" role="search" aria-label="Filter campaigns" onSubmit={submit}>
      <Select label="Account" value={filters.account_id} onChange={(account_id) => onChange({ account_id })}>
        <option value="">All accounts</option>
        {accounts.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name} ({platformLabel(a.platform)})
          </option>
        ))}
      </Select>
      <Select label="Platform" value={filters.platform} onChange={(platform) => onChange({ platform })}>
        <option value="">All platforms</option>
        {platforms.map((p) => (
          <option key={p} value={p}>
            {platformLabel(p)}
          </option>
        ))}
      </Select>
      <Select label="Status" value={filters.status} onChange={(status) => onChange({ status })}>
        <option value="">Any status</option>
        {CAMPAIGN_STATUSES.map((s) => (
          <option key={s} value={s}>
            {s.charAt(0) + s.slice(1).toLowerCase()}
          </option>
        ))}
      </Select>
      <div className="field">
        <label htmlFor={searchId} className="field-label">
          Search
        </label>
        <input
          id={searchId}
          className="input"
          type="search"
          value={draft}
          maxLength={200}
          placeholder="Campaign name or id"
          onChange={(e) => setDraft(e.target.value)}
        />
      </div>
      <button type="submit" className="button button-primary">
        Search
      </button>
      {active ? (
        <button
          type="button"
          className="button"
          onClick={() => onChange({ account_id: '', platform: '', status: '', q: '' })}
        >
          Clear filters
        </button>
      ) : null}
    </form>
  );
}
