import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { changePassword, resendVerification, type Me } from '../api/auth';
import { isApiError } from '../api/client';
import { queryKeys, useMe } from '../api/queries';
import { Card } from '../components/Card';
import { ErrorBanner } from '../components/ErrorBanner';
import { applyServerErrors, CheckboxField, SubmitButton, TextField } from '../components/Form';
import { LoadingState, Notice } from '../components/States';
import { newPasswordField, passwordField } from '../forms/schemas';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { MfaSection } from './security/MfaSection';

function ProfileSection({ me }: { me: Me }) {
  const resend = useMutation({ mutationFn: resendVerification });
  return (
    <Card title="Profile" testId="profile">
      <dl className="details">
        <div>
          <dt>Email</dt>
          <dd data-testid="profile-email">{me.email}</dd>
        </div>
        <div>
          <dt>Name</dt>
          <dd>{me.display_name ?? <span className="muted">Not set</span>}</dd>
        </div>
        <div>
          <dt>Email verified</dt>
          <dd>
            {me.email_verified ? (
              <span className="badge badge-ok">Verified</span>
            ) : (
              <span className="inline-actions">
                <span className="badge badge-warn">Not verified</span>
                {resend.isSuccess ? (
                  <span role="status">Verification email sent.</span>
                ) : (
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => resend.mutate()}
                    disabled={resend.isPending}
                  >
                    {resend.isPending ? 'Sending…' : 'Resend verification email'}
                  </button>
                )}
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>Two-factor authentication</dt>
          <dd>
            {me.mfa_enabled ? (
              <span className="badge badge-ok" data-testid="mfa-status">
                On
              </span>
            ) : (
              <span className="badge badge-neutral" data-testid="mfa-status">
                Off
              </span>
            )}
          </dd>
        </div>
      </dl>
      {resend.isError ? <ErrorBanner heading="Could not send the email" error={resend.error} /> : null}
    </Card>
  );
}

const passwordSchema = z
  .object({
    current_password: passwordField,
    new_password: newPasswordField,
    confirm: z.string(),
    end_other_sessions: z.boolean(),
  })
  .refine((v) => v.new_password === v.confirm, { path: ['confirm'], error: 'The passwords do not match.' })
  .refine((v) => v.new_password !== v.current_password, {
    path: ['new_password'],
    error: 'Choose a password different from the current one.',
  });
type PasswordValues = z.input<typeof passwordSchema>;

function ChangePasswordSection() {
  const queryClient = useQueryClient();
  const {
    register,
    handleSubmit,
    setError,
    reset,
    formState: { errors },
  } = useForm<PasswordValues>({
    resolver: zodResolver(passwordSchema),
    defaultValues: { current_password: '', new_password: '', confirm: '', end_other_sessions: true },
  });
  const mutation = useMutation({
    mutationFn: changePassword,
    onSuccess: () => {
      reset();
      void queryClient.invalidateQueries({ queryKey: queryKeys.sessions });
    },
    onError: (error) => {
      if (isApiError(error) && error.status === 401) {
        setError('current_password', { type: 'server', message: 'The current password is incorrect.' });
      } else {
        applyServerErrors(error, setError, ['current_password', 'new_password'], 'new_password');
      }
    },
  });

  return (
    <Card title="Change password" testId="change-password">
      <form
        className="form"
        noValidate
        aria-label="Change password"
        onSubmit={handleSubmit(({ current_password, new_password, end_other_sessions }) =>
          mutation.mutate({ current_password, new_password, end_other_sessions }),
        )}
      >
        {mutation.isSuccess ? (
          <Notice testId="password-changed">
            Password changed.{' '}
            {mutation.variables.end_other_sessions
              ? `${mutation.data.other_sessions_ended} other ${mutation.data.other_sessions_ended === 1 ? 'session was' : 'sessions were'} signed out.`
              : 'Your other sessions stay signed in.'}
          </Notice>
        ) : null}
        {mutation.isError ? <ErrorBanner heading="Could not change the password" error={mutation.error} /> : null}
        <TextField
          label="Current password"
          type="password"
          autoComplete="current-password"
          registration={register('current_password')}
          error={errors.current_password}
        />
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          registration={register('new_password')}
          error={errors.new_password}
          hint="At least 8 characters."
        />
        <TextField
          label="Confirm new password"
          type="password"
          autoComplete="new-password"
          registration={register('confirm')}
          error={errors.confirm}
        />
        <CheckboxField
          label="Sign out my other sessions"
          registration={register('end_other_sessions')}
          hint="Recommended if you think someone else knows your password. This device stays signed in."
        />
        <SubmitButton pending={mutation.isPending} pendingLabel="Saving…">
          Change password
        </SubmitButton>
      </form>
    </Card>
  );
}

export function SecurityPage() {
  useDocumentTitle('Account and security');
  const me = useMe();

  return (
    <section className="page page-narrow">
      <div className="page-header">
        <div>
          <h1>Account and security</h1>
          <p className="muted">Your profile, password and two-factor authentication.</p>
        </div>
      </div>
      {me.isPending ? <LoadingState label="Loading your account…" /> : null}
      {me.isError ? (
        <ErrorBanner heading="Could not load your account" error={me.error}>
          <span className="banner-note">
            <button type="button" className="link-button" onClick={() => void me.refetch()}>
              Try again
            </button>
          </span>
        </ErrorBanner>
      ) : null}
      {me.data ? (
        <>
          <ProfileSection me={me.data} />
          <MfaSection me={me.data} />
          <ChangePasswordSection />
        </>
      ) : null}
    </section>
  );
}
