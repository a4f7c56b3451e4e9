import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { getAuditLog, isAdmin, listMembers, type AuditEntry } from '../api/auth';
import { queryKeys, useActiveOrg } from '../api/queries';
import { ErrorBanner } from '../components/ErrorBanner';
import { EmptyState, LoadingState } from '../components/States';
import { Time } from '../components/Time';
import { createDataColumnHelper, DataTable, type DataColumnDef } from '../components/ui/DataTable';
import { useDocumentTitle } from '../hooks/useDocumentTitle';

export const AUDIT_PAGE_SIZE = 50;

/** Action prefixes offered as suggestions (the server accepts any action or prefix). */
const ACTION_SUGGESTIONS = [
  'login.',
  'login.succeeded',
  'login.failed',
  'mfa.',
  'session.',
  'password.',
  'email.',
  'org.',
  'member.',
  'invitation.',
  'sso.',
];

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return '∅';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `{"role": {"old": "member", "new": "admin"}}` → "role: member → admin". */
export function summariseChanges(changes: AuditEntry['changes']): string {
  if (!changes) return '';
  return Object.entries(changes)
    .map(([key, value]) => {
      if (value && typeof value === 'object' && !Array.isArray(value) && ('old' in value || 'new' in value)) {
        const { old, new: next } = value as { old?: unknown; new?: unknown };
        if (old === undefined) return `${key}: ${describeValue(next)}`;
        if (next === undefined) return `${key}: was ${describeValue(old)}`;
        return `${key}: ${describeValue(old)} → ${describeValue(next)}`;
      }
      return `${key}: ${describeValue(value)}`;
    })
    .join('; ');
}

function ActionFilter({ value, onApply }: { value: string; onApply: (action: string) => void }) {
  const [draft, setDraft] = useState(value);
  const inputId = useId();
  const listId = useId();
  useEffect(() => setDraft(value), [value]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(draft.trim());
  };
  return (
    <form className="form form-inline filter" role="search" aria-label="Filter the audit log" onSubmit={submit}>
      <div className="field">
        <label htmlFor={inputId} className="field-label">
          Action (or prefix)
        </label>
        <input
          id={inputId}
          className="input"
          list={listId}
          value={draft}
          maxLength={64}
          placeholder="e.g. login."
          onChange={(e) => setDraft(e.target.value)}
        />
        <datalist id={listId}>
          {ACTION_SUGGESTIONS.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
      </div>
      <button type="submit" className="button button-primary">
        Filter
      </button>
      {value ? (
        <button type="button" className="button" onClick={() => onApply('')}>
          Clear filter
        </button>
      ) : null}
    </form>
  );
}

const helper = createDataColumnHelper<AuditEntry>();

/** The log's columns; actors are shown by email when they are (still) members. Not sortable: the server pages by time. */
function auditColumns(emails: Map<string, string>): DataColumnDef<AuditEntry>[] {
  return helper.columns([
    helper.accessor('occurred_at', { id: 'when', header: 'When', cell: ({ row }) => <Time iso={row.original.occurred_at} /> }),
    helper.accessor('action', {
      id: 'action',
      header: 'Action',
      cell: ({ row }) => (
        <>
          <code className="audit-action">{row.original.action}</code>
          {row.original.source !== 'auth' ? <span className="muted"> via {row.original.source}</span> : null}
        </>
      ),
    }),
    helper.accessor('actor_user_id', {
      id: 'actor',
      header: 'Actor',
      cell: ({ row }) => {
        const actor = row.original.actor_user_id;
        if (!actor) return <span className="muted">system</span>;
        return emails.get(actor) ?? <code title={actor}>{actor.slice(0, 8)}</code>;
      },
    }),
    helper.accessor('ip', { id: 'ip', header: 'IP address', cell: ({ row }) => row.original.ip ?? <span className="muted">—</span> }),
    helper.display({
      id: 'details',
      header: 'Details',
      meta: { cellClassName: 'audit-details' },
      cell: ({ row }) => (
        <>
          {row.original.resource_type ? <span className="muted">{row.original.resource_type} </span> : null}
          {summariseChanges(row.original.changes)}
        </>
      ),
    }),
  ]);
}

const auditEntryId = (e: AuditEntry) => String(e.id);
const auditRowAttributes = (e: AuditEntry) => ({ 'data-testid': 'audit-row', 'data-action': e.action });

function AuditTable({ orgId, action }: { orgId: string; action: string }) {
  const audit = useInfiniteQuery({
    queryKey: queryKeys.audit(orgId, action),
    queryFn: ({ pageParam, signal }) =>
      getAuditLog(orgId, { limit: AUDIT_PAGE_SIZE, cursor: pageParam, action: action || undefined }, signal),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const members = useQuery({
    queryKey: queryKeys.members(orgId),
    queryFn: ({ signal }) => listMembers(orgId, signal),
  });
  const emails = useMemo(() => new Map((members.data ?? []).map((m) => [m.user_id, m.email])), [members.data]);
  const columns = useMemo(() => auditColumns(emails), [emails]);

  if (!audit.data) {
    return audit.isError ? (
      <ErrorBanner heading="Could not load the audit log" error={audit.error} />
    ) : (
      <LoadingState label="Loading the audit log…" />
    );
  }
  const entries = audit.data.pages.flatMap((p) => p.items);

  return (
    <>
      <div className="card table-card">
        {entries.length === 0 ? (
          <EmptyState>{action ? `No entries match “${action}”.` : 'No audit entries yet.'}</EmptyState>
        ) : (
          <DataTable
            columns={columns}
            data={entries}
            getRowId={auditEntryId}
            className="table table-responsive"
            testId="audit-log"
            caption="Audit log, newest first"
            rowAttributes={auditRowAttributes}
          />
        )}
      </div>
      <div className="list-footer">
        <span className="muted" role="status">
          {entries.length} {entries.length === 1 ? 'entry' : 'entries'} shown
          {audit.hasNextPage ? '' : entries.length > 0 ? ' · end of the log' : ''}
        </span>
        {audit.hasNextPage ? (
          <button
            type="button"
            className="button"
            onClick={() => void audit.fetchNextPage()}
            disabled={audit.isFetchingNextPage}
            aria-busy={audit.isFetchingNextPage || undefined}
          >
            {audit.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </div>
      {audit.isFetchNextPageError ? <ErrorBanner heading="Could not load more entries" error={audit.error} /> : null}
    </>
  );
}

export function AuditPage() {
  useDocumentTitle('Audit log');
  const { orgId, org, role, isLoading } = useActiveOrg();
  const [params, setParams] = useSearchParams();
  const action = params.get('action') ?? '';

  const apply = (next: string) => {
    setParams(next ? { action: next } : {}, { replace: false });
  };

  let content;
  if (!orgId) {
    content = (
      <EmptyState>
        No organisation is active in this session. Choose one in the header, or <Link to="/orgs">create one</Link>.
      </EmptyState>
    );
  } else if (isLoading || !role) {
    content = <LoadingState />;
  } else if (!isAdmin(role)) {
    content = <EmptyState>Only admins and owners of {org?.name ?? 'this organisation'} can see its audit log.</EmptyState>;
  } else {
    content = (
      <>
        <ActionFilter value={action} onApply={apply} />
        <AuditTable orgId={orgId} action={action} />
      </>
    );
  }

  return (
    <section className="page">
      <div className="page-header">
        <div>
          <h1>Audit log</h1>
          <p className="muted">
            Security-relevant events in {org ? <strong>{org.name}</strong> : 'the active organisation'}, newest first.
          </p>
        </div>
      </div>
      {content}
    </section>
  );
}
