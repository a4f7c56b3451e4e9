import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { createOrg } from '../api/auth';
import { queryKeys, useActiveOrg, useOrgs, useSwitchOrg } from '../api/queries';
import { Card } from '../components/Card';
import { ErrorBanner } from '../components/ErrorBanner';
import { applyServerErrors, SubmitButton, TextField } from '../components/Form';
import { EmptyState, LoadingState, Notice } from '../components/States';
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

export function OrgsPage() {
  useDocumentTitle('Organisations');
  const orgs = useOrgs();
  const { orgId } = useActiveOrg();
  const switchOrg = useSwitchOrg();

  return (
    <section className="page page-narrow">
      <div className="page-header">
        <div>
          <h1>Organisations</h1>
          <p className="muted">Organisations you belong to. Everything you see in AdPilot belongs to the active one.</p>
        </div>
      </div>
      {orgs.isError ? <ErrorBanner heading="Could not load your organisations" error={orgs.error} /> : null}
      {switchOrg.isError ? <ErrorBanner heading="Could not switch" error={switchOrg.error} /> : null}
      {orgs.isPending ? <LoadingState label="Loading organisations…" /> : null}
      {orgs.data ? (
        <div className="card table-card">
          {orgs.data.length === 0 ? (
            <EmptyState>You do not belong to any organisation yet.</EmptyState>
          ) : (
            <table className="table table-responsive">
              <caption className="visually-hidden">Your organisations</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Your role</th>
                  <th scope="col">Requires MFA</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {orgs.data.map((org) => (
                  <tr key={org.id} data-testid="org-row">
                    <td data-label="Name" className="cell-strong">
                      {org.name}
                    </td>
                    <td data-label="Your role">{org.role}</td>
                    <td data-label="Requires MFA">{org.require_mfa ? 'Yes' : 'No'}</td>
                    <td data-label="Actions" className="actions-cell">
                      {org.id === orgId ? (
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
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      ) : null}
      <CreateOrgForm />
    </section>
  );
}
