import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { Link, useSearchParams } from 'react-router-dom';
import { z } from 'zod';
import { resetPassword } from '../../api/auth';
import { ErrorBanner } from '../../components/ErrorBanner';
import { applyServerErrors, SubmitButton, TextField } from '../../components/Form';
import { Notice } from '../../components/States';
import { newPasswordField } from '../../forms/schemas';
import { AuthShell } from './AuthShell';

const schema = z
  .object({ new_password: newPasswordField, confirm: z.string() })
  .refine((v) => v.new_password === v.confirm, { path: ['confirm'], error: 'The passwords do not match.' });
type Values = z.input<typeof schema>;

/** /reset-password?token=… (the link from the reset email). */
export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { new_password: '', confirm: '' } });
  const mutation = useMutation({
    mutationFn: resetPassword,
    onError: (error) => {
      applyServerErrors(error, setError, ['new_password'], 'new_password');
    },
  });

  if (!token) {
    return (
      <AuthShell title="Reset your password">
        <ErrorBanner
          heading="This link is incomplete"
          error={new Error('The reset link has no token. Open the link from the email again, or request a new one.')}
        />
        <p>
          <Link to="/forgot-password">Request a new link</Link>
        </p>
      </AuthShell>
    );
  }

  if (mutation.isSuccess) {
    return (
      <AuthShell title="Password changed">
        <Notice testId="reset-done">Your password has been changed, and every session of your account was signed out.</Notice>
        <p>
          <Link to="/login">Sign in with your new password</Link>
        </p>
      </AuthShell>
    );
  }

  const invalidLink = mutation.isError && (mutation.error as { status?: number }).status === 400;

  return (
    <AuthShell title="Choose a new password">
      <form
        className="form"
        noValidate
        aria-label="Choose a new password"
        onSubmit={handleSubmit((v) => mutation.mutate({ token, new_password: v.new_password }))}
      >
        {mutation.isError ? (
          <ErrorBanner heading="Could not change the password" error={mutation.error}>
            {invalidLink ? (
              <span className="banner-note">
                <Link to="/forgot-password">Request a new link</Link>
              </span>
            ) : null}
          </ErrorBanner>
        ) : null}
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          autoFocus
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
        <SubmitButton pending={mutation.isPending} pendingLabel="Saving…">
          Set new password
        </SubmitButton>
      </form>
    </AuthShell>
  );
}
