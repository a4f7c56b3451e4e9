import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { createOrg, type Org } from '../api/auth';
import { queryKeys, useActiveOrg, useOrgs, useSwitchOrg } from '../api/queries';
import { Card } from '../components/Card';
import { ErrorBanner } from '../components/ErrorBanner';
import { MfaEnrolLink } from '../components/OrgSwitcher';
import { applyServerErrors, SubmitButton, TextField } from '../components/Form';
import { EmptyState, LoadingState, Notice } from '../components/States';
import { createDataColumnHelper, DataTable, type DataColumnDef } from '../components/ui/DataTable';
import { useDocumentTitle } from '../hooks/useDocumentTitle';

const schema = z.object({
  name: z
    .string()
    .trim()
    .min(1, { error: 'Enter a name.' })
    .max(200, { error: 'Use at most 200 characters.' }),
});
type Values = z.input<typeof schema>;

function CreateOrgForm() {
  const queryClient = useQueryClient();
  const switchOrg = useSwitchOrg();
  const {
    register,
    handleSubmit,
    setError,
    reset,
    formState: { errors },
  } = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { name: '' } });
  const mutation = useMutation({
    mutationFn: (name: string) => createOrg(name),
    onSuccess: async () => {
      reset();
      await queryClient.invalidateQueries({ queryKey: queryKeys.orgs });
    },
    onError: (error) => applyServerErrors(error, setError, ['name']),
  });
  const created = mutation.data;

  return (
    <Card title="Create an organisation" description="You become its owner and can invite others.">
      <form
        className="form form-inline"
        noValidate
        aria-label="Create an organisation"
        onSubmit={handleSubmit((v) => mutation.mutate(v.name.trim()))}
      >
        <TextField label="Organisation name" autoComplete="organization" registration={register('name')} error={errors.name} />
        <SubmitButton pending={mutation.isPending} pendingLabel="Creating…">
          Create
        </SubmitButton>
      </form>
      {mutation.isError ? <ErrorBanner heading="Could not create the organisation" error={mutation.error} /> : null}
      {created && !switchOrg.isSuccess ? (
        <Notice testId="org-created">
          Created <strong>{created.name}</strong>.{' '}
          <button
            type="button"
            className="link-button"
            onClick={() => switchOrg.mutate(created.id)}
            disabled={switchOrg.isPending}
          >
            {switchOrg.isPending ? 'Switching…' : `Switch to ${created.name}`}
          </button>
        </Notice>
      ) : null}
    </Card>
  );
}

interface OrgContext {
  activeOrgId: string | null;
  switchOrg: ReturnType<typeof useSwitchOrg>;
}

const helper = createDataColumnHelper<Org>();

/** In the order the server lists them (not sortable: a handful per person). */
function orgColumns(context: () => OrgContext): DataColumnDef<Org>[] {
  return helper.columns([
    helper.accessor('name', { id: 'name', header: 'Name', meta: { cellClassName: 'cell-strong' } }),
    helper.accessor('role', { id: 'role', header: 'Your role' }),
    helper.accessor('require_mfa', {
      id: 'require_mfa',
      header: 'Requires MFA',
      cell: ({ row }) => (row.original.require_mfa ? 'Yes' : 'No'),
    }),
    helper.display({
      id: 'actions',
      meta: { label: 'Actions', hideHeader: true, cellClassName: 'actions-cell' },
      cell: ({ row }) => {
        const org = row.original;
        const { activeOrgId, switchOrg } = context();
        return org.id === activeOrgId ? (
          <span className="badge badge-ok">Active</span>
        ) : (
          <button
            type="button"
            className="button button-small"
            onClick={() => switchOrg.mutate(org.id)}
            disabled={switchOrg.isPending}
            aria-label={`Switch to ${org.name}`}
          >
            Switch
          </button>
        );
      },
    }),
  ]);
}

const orgRowId = (org: Org) => org.id;
const orgRowAttributes = () => ({ 'data-testid': 'org-row' });

export function OrgsPage() {
  useDocumentTitle('Organisations');
  const orgs = useOrgs();
  const { orgId } = useActiveOrg();
  const switchOrg = useSwitchOrg();
  // Stable columns; the cells read the active org and the switch mutation (a new object each render) via a ref.
  const context = useRef<OrgContext>({ activeOrgId: orgId, switchOrg });
  context.current = { activeOrgId: orgId, switchOrg };
  const columns = useMemo(() => orgColumns(() => context.current), []);

  return (
    <section className="page page-narrow">
      <div className="page-header">
        <div>
          <h1>Organisations</h1>
          <p className="muted">Organisations you belong to. Everything you see in AdPilot belongs to the active one.</p>
        </div>
      </div>
      {orgs.isError ? <ErrorBanner heading="Could not load your organisations" error={orgs.error} /> : null}
      {switchOrg.isError ? (
        <ErrorBanner heading="Could not switch" error={switchOrg.error}>
          <MfaEnrolLink error={switchOrg.error} />
        </ErrorBanner>
      ) : null}
      {orgs.isPending ? <LoadingState label="Loading organisations…" /> : null}
      {orgs.data ? (
        <div className="card table-card">
          {orgs.data.length === 0 ? (
            <EmptyState>You do not belong to any organisation yet.</EmptyState>
          ) : (
            <DataTable
              columns={columns}
              data={orgs.data}
              getRowId={orgRowId}
              className="table table-responsive"
              caption="Your organisations"
              rowAttributes={orgRowAttributes}
            />
          )}
        </div>
      ) : null}
      <CreateOrgForm />
    </section>
  );
}
