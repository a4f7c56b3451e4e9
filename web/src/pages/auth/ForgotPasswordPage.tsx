import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { Link } from 'react-router-dom';
import { z } from 'zod';
import { forgotPassword } from '../../api/auth';
import { ErrorBanner } from '../../components/ErrorBanner';
import { SubmitButton, TextField } from '../../components/Form';
import { Notice } from '../../components/States';
import { emailField } from '../../forms/schemas';
import { AuthShell } from './AuthShell';

const schema = z.object({ email: emailField });
type Values = z.input<typeof schema>;

export function ForgotPasswordPage() {
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { email: '' } });
  const mutation = useMutation({ mutationFn: (email: string) => forgotPassword(email) });

  return (
    <AuthShell
      title="Reset your password"
      description="Enter the email address of your account and we will send you a link to choose a new password."
      footer={
        <p>
          Remembered it? <Link to="/login">Sign in</Link>
        </p>
      }
    >
      {mutation.isSuccess ? (
        <Notice testId="forgot-done">
          If <strong>{mutation.variables}</strong> has an account, a reset link is on its way. The link works
          for one hour.
        </Notice>
      ) : (
        <form
          className="form"
          noValidate
          aria-label="Reset password"
          onSubmit={handleSubmit((v) => mutation.mutate(v.email.trim()))}
        >
          {mutation.isError ? <ErrorBanner heading="Could not send the link" error={mutation.error} /> : null}
          <TextField
            label="Email"
            type="email"
            autoComplete="email"
            inputMode="email"
            autoFocus
            registration={register('email')}
            error={errors.email}
          />
          <SubmitButton pending={mutation.isPending} pendingLabel="Sending…">
            Send reset link
          </SubmitButton>
        </form>
      )}
    </AuthShell>
  );
}
