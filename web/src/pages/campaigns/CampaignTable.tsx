import { useEffect, useRef } from 'react';
import { Link } from 'react-router-dom';
import { platformLabel, type Campaign, type CampaignSortKey } from '../../api/connectors';
import { BudgetEditor } from './BudgetEditor';
import type { TrackedJob } from './WriteJobProgress';

const STATUS_BADGES: Record<string, string> = {
  ENABLED: 'badge-ok',
  PAUSED: 'badge-warn',
  REMOVED: 'badge-neutral',
};

export function CampaignStatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge ${STATUS_BADGES[status] ?? 'badge-neutral'}`} data-testid="campaign-status">
      {status}
    </span>
  );
}

/** "name" → name ascending, "-name" → descending. */
export function parseSort(sort: string): { key: string; descending: boolean } {
  return sort.startsWith('-') ? { key: sort.slice(1), descending: true } : { key: sort, descending: false };
}

function SortHeader({
  label,
  sortKey,
  sort,
  onSort,
  className,
}: {
  label: string;
  sortKey: CampaignSortKey;
  sort: string;
  onSort: (sort: string) => void;
  className?: string;
}) {
  const current = parseSort(sort);
  const active = current.key === sortKey;
  const direction = active ? (current.descending ? 'descending' : 'ascending') : undefined;
  return (
    <th scope="col" aria-sort={direction ?? 'none'} className={className}>
      <button
        type="button"
        className="sort-button"
        onClick={() => onSort(active && !current.descending ? `-${sortKey}` : sortKey)}
      >
        {label}
        <span aria-hidden="true" className="sort-mark">
          {active ? (current.descending ? '▼' : '▲') : '↕'}
        </span>
        <span className="visually-hidden">
          {active
            ? `, sorted ${direction}; activate to sort ${current.descending ? 'ascending' : 'descending'}`
            : ', activate to sort'}
        </span>
      </button>
    </th>
  );
}

function SelectAll({
  rows,
  selected,
  onToggle,
}: {
  rows: Campaign[];
  selected: Map<string, Campaign>;
  onToggle: (rows: Campaign[], on: boolean) => void;
}) {
  const ref = useRef<HTMLInputElement>(null);
  const selectable = rows.filter((c) => c.status !== 'REMOVED');
  const count = selectable.filter((c) => selected.has(c.id)).length;
  const all = selectable.length > 0 && count === selectable.length;
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = count > 0 && !all;
  }, [count, all]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label="Select all campaigns on this page"
      checked={all}
      disabled={selectable.length === 0}
      onChange={(e) => onToggle(selectable, e.target.checked)}
    />
  );
}

export function CampaignTable({
  rows,
  sort,
  onSort,
  selected,
  onSelect,
  canEdit,
  onJob,
}: {
  rows: Campaign[];
  sort: string;
  onSort: (sort: string) => void;
  selected: Map<string, Campaign>;
  onSelect: (rows: Campaign[], on: boolean) => void;
  canEdit: boolean;
  onJob: (tracked: TrackedJob) => void;
}) {
  return (
    <table className="table table-responsive" data-testid="campaigns">
      <caption className="visually-hidden">Campaigns</caption>
      <thead>
        <tr>
          {canEdit ? (
            <th scope="col" className="select-cell">
              <SelectAll rows={rows} selected={selected} onToggle={onSelect} />
            </th>
          ) : null}
          <SortHeader label="Name" sortKey="name" sort={sort} onSort={onSort} />
          <th scope="col">Account</th>
          <SortHeader label="Status" sortKey="status" sort={sort} onSort={onSort} />
          <SortHeader label="Daily budget" sortKey="daily_budget_micros" sort={sort} onSort={onSort} className="num" />
        </tr>
      </thead>
      <tbody>
        {rows.map((c) => {
          return (
            <tr
              key={c.id}
              data-testid="campaign-row"
              data-campaign={c.external_id}
              className={selected.has(c.id) ? 'row-selected' : undefined}
            >
              {canEdit ? (
                <td className="select-cell" data-label="Select">
                  <input
                    type="checkbox"
                    aria-label={`Select ${c.name}`}
                    checked={selected.has(c.id)}
                    disabled={c.status === 'REMOVED'}
                    onChange={(e) => onSelect([c], e.target.checked)}
                  />
                </td>
              ) : null}
              <td data-label="Name">
                <Link
                  className="cell-strong"
                  data-testid="campaign-name"
                  to={`/campaigns/${encodeURIComponent(c.id)}`}
                >
                  {c.name}
                </Link>
                <div className="muted">
                  {c.external_id}
                  {c.objective ? ` · ${c.objective.toLowerCase().replace(/_/g, ' ')}` : ''}
                </div>
              </td>
              <td data-label="Account">
                {c.account_name}
                <div className="muted">{platformLabel(c.platform)}</div>
              </td>
              <td data-label="Status">
                <CampaignStatusBadge status={c.status} />
              </td>
              <td data-label="Daily budget" className="num">
                <BudgetEditor campaign={c} currency={c.currency} canEdit={canEdit} onJob={onJob} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
