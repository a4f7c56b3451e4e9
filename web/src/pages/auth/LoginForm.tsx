import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link } from 'react-router-dom';
import { z } from 'zod';
import { isMfaChallenge, login, loginMfa, type TokenResponse } from '../../api/auth';
import { isApiError } from '../../api/client';
import { ErrorBanner } from '../../components/ErrorBanner';
import { SubmitButton, TextField } from '../../components/Form';
import { emailField, passwordField, recoveryCodeField, totpCodeField } from '../../forms/schemas';

const credentialsSchema = z.object({ email: emailField, password: passwordField });
type Credentials = z.input<typeof credentialsSchema>;

const totpSchema = z.object({ code: totpCodeField });
const recoverySchema = z.object({ code: recoveryCodeField });
type CodeForm = { code: string };

function signInErrorHeading(error: unknown): string {
  if (isApiError(error) && error.status === 429) return 'Too many attempts';
  return 'Could not sign you in';
}

function CredentialsStep({
  onTokens,
  onChallenge,
}: {
  onTokens: (tokens: TokenResponse) => void;
  onChallenge: (mfaToken: string) => void;
}) {
  const {
    register,
    handleSubmit,
    formState: { errors },
    setFocus,
    setValue,
  } = useForm<Credentials>({ resolver: zodResolver(credentialsSchema), defaultValues: { email: '', password: '' } });

  const mutation = useMutation({
    mutationFn: login,
    onSuccess: (result) => {
      if (isMfaChallenge(result)) onChallenge(result.mfa_token);
      else onTokens(result);
    },
    onError: () => {
      setValue('password', '');
      setFocus('password');
    },
  });

  return (
    <form
      className="form"
      noValidate
      aria-label="Sign in"
      onSubmit={handleSubmit((values) => mutation.mutate({ email: values.email.trim(), password: values.password }))}
    >
      {mutation.isError ? (
        <ErrorBanner heading={signInErrorHeading(mutation.error)} error={mutation.error} />
      ) : null}
      <TextField
        label="Email"
        type="email"
        autoComplete="username"
        inputMode="email"
        autoFocus
        registration={register('email')}
        error={errors.email}
      />
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        registration={register('password')}
        error={errors.password}
        hint={<Link to="/forgot-password">Forgot your password?</Link>}
      />
      <SubmitButton pending={mutation.isPending} pendingLabel="Signing in…">
        Sign in
      </SubmitButton>
    </form>
  );
}

type CodeMode = 'totp' | 'recovery';

function MfaCodeForm({
  mode,
  mfaToken,
  onTokens,
  onRestart,
  onToggleMode,
}: {
  mode: CodeMode;
  mfaToken: string;
  onTokens: (tokens: TokenResponse) => void;
  onRestart: () => void;
  onToggleMode: () => void;
}) {
  const {
    register,
    handleSubmit,
    formState: { errors },
    setValue,
    setFocus,
  } = useForm<CodeForm>({
    resolver: zodResolver(mode === 'recovery' ? recoverySchema : totpSchema),
    defaultValues: { code: '' },
  });

  const mutation = useMutation({
    mutationFn: loginMfa,
    onSuccess: onTokens,
    onError: () => {
      // (not reset(): it drops the field refs that setFocus needs)
      setValue('code', '');
      setFocus('code');
    },
  });

  // The challenge from the password step is only good for a few minutes.
  const expired = isApiError(mutation.error) && mutation.error.title === 'Challenge expired';

  return (
    <form
      className="form"
      noValidate
      aria-labelledby="mfa-step-title"
      onSubmit={handleSubmit((values) => mutation.mutate({ mfa_token: mfaToken, code: values.code }))}
    >
      <h2 className="form-step-title" id="mfa-step-title">
        Two-factor authentication
      </h2>
      <p className="muted">
        {mode === 'recovery'
          ? 'Enter one of the recovery codes you saved when you turned on two-factor authentication. Each code works once.'
          : 'Enter the 6-digit code from your authenticator app.'}
      </p>
      {mutation.isError ? (
        <ErrorBanner heading={signInErrorHeading(mutation.error)} error={mutation.error}>
          {expired ? (
            <span className="banner-note">
              <button type="button" className="link-button" onClick={onRestart}>
                Start again
              </button>
            </span>
          ) : null}
        </ErrorBanner>
      ) : null}
      {mode === 'recovery' ? (
        <TextField
          label="Recovery code"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
          registration={register('code')}
          error={errors.code}
        />
      ) : (
        <TextField
          label="Authentication code"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={8}
          autoFocus
          registration={register('code')}
          error={errors.code}
        />
      )}
      <SubmitButton pending={mutation.isPending} pendingLabel="Verifying…">
        Verify
      </SubmitButton>
      <div className="form-links">
        <button type="button" className="link-button" onClick={onToggleMode}>
          {mode === 'recovery' ? 'Use your authenticator app instead' : 'Use a recovery code'}
        </button>
        <button type="button" className="link-button" onClick={onRestart}>
          Sign in with a different account
        </button>
      </div>
    </form>
  );
}

function MfaStep(props: {
  mfaToken: string;
  onTokens: (tokens: TokenResponse) => void;
  onRestart: () => void;
}) {
  const [mode, setMode] = useState<CodeMode>('totp');
  // A new form per mode: its own validation, a cleared field and error, and focus on the new input.
  return (
    <MfaCodeForm
      key={mode}
      mode={mode}
      {...props}
      onToggleMode={() => setMode((m) => (m === 'totp' ? 'recovery' : 'totp'))}
    />
  );
}

/** Password sign-in, then (when the account has MFA) the code step. Calls `onSignedIn` with the tokens. */
export function LoginForm({ onSignedIn }: { onSignedIn: (tokens: TokenResponse) => void }) {
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  if (mfaToken) {
    return <MfaStep mfaToken={mfaToken} onTokens={onSignedIn} onRestart={() => setMfaToken(null)} />;
  }
  return <CredentialsStep onTokens={onSignedIn} onChallenge={setMfaToken} />;
}
