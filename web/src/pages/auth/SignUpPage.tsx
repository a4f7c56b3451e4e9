import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { Link, useSearchParams } from 'react-router-dom';
import { z } from 'zod';
import { register as registerAccount } from '../../api/auth';
import { ErrorBanner } from '../../components/ErrorBanner';
import { applyServerErrors, SubmitButton, TextField } from '../../components/Form';
import { Notice } from '../../components/States';
import { emailField, newPasswordField } from '../../forms/schemas';
import { AuthShell } from './AuthShell';

const schema = z
  .object({
    email: emailField,
    display_name: z.string().trim().max(200, { error: 'Use at most 200 characters.' }),
    password: newPasswordField,
    confirm: z.string(),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], error: 'The passwords do not match.' });
type Values = z.input<typeof schema>;

export function SignUpPage() {
  const [params] = useSearchParams();
  const next = params.get('next');
  const loginLink = next ? `/login?next=${encodeURIComponent(next)}` : '/login';
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { email: '', display_name: '', password: '', confirm: '' },
  });
  const mutation = useMutation({
    mutationFn: registerAccount,
    onError: (error) => {
      applyServerErrors(error, setError, ['email', 'password', 'display_name'], 'password');
    },
  });

  if (mutation.isSuccess) {
    return (
      <AuthShell title="Check your email">
        <Notice testId="signup-done">
          If the address can be registered, a verification link is on its way to{' '}
          <strong>{mutation.variables.email}</strong>.
        </Notice>
        <p>
          You can <Link to={loginLink}>sign in</Link> now and verify your email later.
        </p>
      </AuthShell>
    );
  }

  return (
    <AuthShell
      title="Create your account"
      footer={
        <p>
          Already have an account? <Link to={loginLink}>Sign in</Link>
        </p>
      }
    >
      <form
        className="form"
        noValidate
        aria-label="Create account"
        onSubmit={handleSubmit((v) =>
          mutation.mutate({
            email: v.email.trim(),
            password: v.password,
            display_name: v.display_name.trim() || null,
          }),
        )}
      >
        {mutation.isError ? <ErrorBanner heading="Could not create the account" error={mutation.error} /> : null}
        <TextField
          label="Email"
          type="email"
          autoComplete="email"
          inputMode="email"
          autoFocus
          registration={register('email')}
          error={errors.email}
        />
        <TextField
          label="Name (optional)"
          autoComplete="name"
          registration={register('display_name')}
          error={errors.display_name}
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          registration={register('password')}
          error={errors.password}
          hint="At least 8 characters. Long passphrases are best; very common passwords are refused."
        />
        <TextField
          label="Confirm password"
          type="password"
          autoComplete="new-password"
          registration={register('confirm')}
          error={errors.confirm}
        />
        <SubmitButton pending={mutation.isPending} pendingLabel="Creating account…">
          Create account
        </SubmitButton>
      </form>
    </AuthShell>
  );
}
