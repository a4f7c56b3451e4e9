import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import {
  confirmTotp,
  disableMfa,
  enrolTotp,
  regenerateRecoveryCodes,
  type Enrolment,
  type Me,
} from '../../api/auth';
import { isApiError } from '../../api/client';
import { queryKeys } from '../../api/queries';
import { Card } from '../../components/Card';
import { ErrorBanner } from '../../components/ErrorBanner';
import { SubmitButton, TextField } from '../../components/Form';
import { Notice } from '../../components/States';
import { passwordField, totpCodeField } from '../../forms/schemas';

type View =
  | { kind: 'idle' }
  | { kind: 'enrol' }
  | { kind: 'scan'; enrolment: Enrolment }
  | { kind: 'codes'; codes: string[]; reason: 'enabled' | 'regenerated' }
  | { kind: 'disable' }
  | { kind: 'regenerate' }
  | { kind: 'disabled' };

/** "ABCD EFGH ..." for reading a base32 secret aloud or typing it. */
export function groupSecret(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? secret;
}

const passwordOnly = z.object({ password: passwordField });
type PasswordOnly = z.input<typeof passwordOnly>;

function EnrolPasswordStep({ onEnrolled, onCancel }: { onEnrolled: (e: Enrolment) => void; onCancel: () => void }) {
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm<PasswordOnly>({ resolver: zodResolver(passwordOnly), defaultValues: { password: '' } });
  const mutation = useMutation({
    mutationFn: (password: string) => enrolTotp({ password }),
    onSuccess: onEnrolled,
    onError: (error) => {
      if (isApiError(error) && error.status === 401) {
        setError('password', { type: 'server', message: 'The password is incorrect.' });
      }
    },
  });
  return (
    <form
      className="form"
      noValidate
      aria-label="Confirm your password to set up two-factor authentication"
      onSubmit={handleSubmit((v) => mutation.mutate(v.password))}
    >
      <p>Confirm your password to start. You will need an authenticator app such as 1Password, Google Authenticator or Aegis.</p>
      {mutation.isError ? <ErrorBanner heading="Could not start the set-up" error={mutation.error} /> : null}
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        autoFocus
        registration={register('password')}
        error={errors.password}
      />
      <div className="form-actions">
        <SubmitButton pending={mutation.isPending} pendingLabel="Checking…">
          Continue
        </SubmitButton>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const codeOnly = z.object({ code: totpCodeField });
type CodeOnly = z.input<typeof codeOnly>;

function ScanStep({
  enrolment,
  onConfirmed,
  onCancel,
}: {
  enrolment: Enrolment;
  onConfirmed: (codes: string[]) => void;
  onCancel: () => void;
}) {
  const {
    register,
    handleSubmit,
    setError,
    setValue,
    formState: { errors },
  } = useForm<CodeOnly, unknown, z.output<typeof codeOnly>>({
    resolver: zodResolver(codeOnly),
    defaultValues: { code: '' },
  });
  const mutation = useMutation({
    mutationFn: (code: string) => confirmTotp(code),
    onSuccess: (result) => onConfirmed(result.recovery_codes),
    onError: (error) => {
      setValue('code', '');
      if (isApiError(error) && error.status === 401) {
        setError('code', { type: 'server', message: 'That code is not right. Wait for a new one and try again.' }, { shouldFocus: true });
      }
    },
  });
  return (
    <div className="mfa-setup">
      <ol className="steps">
        <li>
          <p>Scan this QR code with your authenticator app:</p>
          <img
            className="qr"
            src={enrolment.qr_png_data_uri}
            alt="QR code to add AdPilot to your authenticator app"
            width={192}
            height={192}
            data-testid="totp-qr"
          />
          <p className="manual-key">
            Can’t scan it? Enter this setup key instead (time-based, 6 digits):{' '}
            <code className="secret" data-testid="totp-secret">
              {groupSecret(enrolment.secret)}
            </code>
          </p>
        </li>
        <li>
          <form
            className="form"
            noValidate
            aria-label="Confirm two-factor authentication"
            onSubmit={handleSubmit((v) => mutation.mutate(v.code))}
          >
            <p>Enter the 6-digit code the app shows to finish:</p>
            {mutation.isError && !(isApiError(mutation.error) && mutation.error.status === 401) ? (
              <ErrorBanner heading="Could not turn on two-factor authentication" error={mutation.error} />
            ) : null}
            <TextField
              label="Authentication code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={8}
              autoFocus
              registration={register('code')}
              error={errors.code}
            />
            <div className="form-actions">
              <SubmitButton pending={mutation.isPending} pendingLabel="Verifying…">
                Turn on two-factor authentication
              </SubmitButton>
              <button type="button" className="button" onClick={onCancel}>
                Cancel
              </button>
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}

function RecoveryCodesStep({
  codes,
  reason,
  onDone,
}: {
  codes: string[];
  reason: 'enabled' | 'regenerated';
  onDone: () => void;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => headingRef.current?.focus(), []);
  const text = codes.join('\n');

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([`AdPilot recovery codes\n\n${text}\n`], { type: 'text/plain' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'adpilot-recovery-codes.txt';
    link.click();
    URL.revokeObjectURL(url);
  };

  return (
    <div className="recovery">
      {reason === 'enabled' ? (
        <Notice testId="mfa-enabled">Two-factor authentication is on.</Notice>
      ) : (
        <Notice>New recovery codes created; the old ones no longer work.</Notice>
      )}
      <h3 ref={headingRef} tabIndex={-1}>
        Save your recovery codes
      </h3>
      <p>
        Each code signs you in once if you lose your authenticator app. <strong>They are shown only now</strong>:
        store them somewhere safe, such as a password manager.
      </p>
      <ol className="recovery-codes" data-testid="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="form-actions">
        <button type="button" className="button" onClick={() => void copy()}>
          Copy codes
        </button>
        <button type="button" className="button" onClick={download}>
          Download
        </button>
        <button type="button" className="button button-primary" onClick={onDone}>
          I have saved my codes
        </button>
        <span role="status" className="muted">
          {copied === 'copied' ? 'Copied to the clipboard.' : copied === 'failed' ? 'Could not copy; select the codes instead.' : ''}
        </span>
      </div>
    </div>
  );
}

const reauthSchema = z.object({ password: passwordField, code: totpCodeField });
type ReauthValues = z.input<typeof reauthSchema>;

function ReauthForm({
  label,
  submitLabel,
  pendingLabel,
  danger,
  action,
  onCancel,
  errorHeading,
}: {
  label: string;
  submitLabel: string;
  pendingLabel: string;
  danger?: boolean;
  action: (values: { password: string; code: string }) => Promise<void>;
  onCancel: () => void;
  errorHeading: string;
}) {
  const {
    register,
    handleSubmit,
    setValue,
    formState: { errors },
  } = useForm<ReauthValues, unknown, z.output<typeof reauthSchema>>({
    resolver: zodResolver(reauthSchema),
    defaultValues: { password: '', code: '' },
  });
  const mutation = useMutation({ mutationFn: action, onError: () => setValue('code', '') });
  return (
    <form className="form" noValidate aria-label={label} onSubmit={handleSubmit((v) => mutation.mutate(v))}>
      {mutation.isError ? <ErrorBanner heading={errorHeading} error={mutation.error} /> : null}
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        autoFocus
        registration={register('password')}
        error={errors.password}
      />
      <TextField
        label="Authentication code"
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={8}
        registration={register('code')}
        error={errors.code}
        hint="The current 6-digit code from your authenticator app."
      />
      <div className="form-actions">
        <SubmitButton pending={mutation.isPending} pendingLabel={pendingLabel} variant={danger ? 'danger' : 'primary'}>
          {submitLabel}
        </SubmitButton>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Turn TOTP on (QR + manual key, confirm, recovery codes once), regenerate codes, turn it off. */
export function MfaSection({ me }: { me: Me }) {
  const queryClient = useQueryClient();
  const [view, setView] = useState<View>({ kind: 'idle' });
  const idle = () => setView({ kind: 'idle' });
  const refreshMe = () => queryClient.invalidateQueries({ queryKey: queryKeys.me });

  let body: React.ReactNode;
  if (view.kind === 'codes') {
    body = <RecoveryCodesStep codes={view.codes} reason={view.reason} onDone={idle} />;
  } else if (!me.mfa_enabled) {
    if (view.kind === 'enrol') {
      body = <EnrolPasswordStep onEnrolled={(enrolment) => setView({ kind: 'scan', enrolment })} onCancel={idle} />;
    } else if (view.kind === 'scan') {
      body = (
        <ScanStep
          enrolment={view.enrolment}
          onConfirmed={(codes) => {
            setView({ kind: 'codes', codes, reason: 'enabled' });
            void refreshMe();
          }}
          onCancel={idle}
        />
      );
    } else {
      body = (
        <>
          {view.kind === 'disabled' ? <Notice testId="mfa-disabled">Two-factor authentication is off.</Notice> : null}
          <p>
            Protect your account with a second step at sign-in: a code from an authenticator app on your phone.
          </p>
          <div className="form-actions">
            <button type="button" className="button button-primary" onClick={() => setView({ kind: 'enrol' })}>
              Set up two-factor authentication
            </button>
          </div>
        </>
      );
    }
  } else if (view.kind === 'disable') {
    body = (
      <ReauthForm
        label="Turn off two-factor authentication"
        submitLabel="Turn off"
        pendingLabel="Turning off…"
        danger
        errorHeading="Could not turn off two-factor authentication"
        action={async (values) => {
          await disableMfa(values);
          setView({ kind: 'disabled' });
          await refreshMe();
        }}
        onCancel={idle}
      />
    );
  } else if (view.kind === 'regenerate') {
    body = (
      <ReauthForm
        label="Create new recovery codes"
        submitLabel="Create new codes"
        pendingLabel="Creating…"
        errorHeading="Could not create new recovery codes"
        action={async (values) => {
          const result = await regenerateRecoveryCodes(values);
          setView({ kind: 'codes', codes: result.recovery_codes, reason: 'regenerated' });
        }}
        onCancel={idle}
      />
    );
  } else {
    body = (
      <>
        <p>Sign-in asks for a code from your authenticator app (or one of your recovery codes).</p>
        <div className="form-actions">
          <button type="button" className="button" onClick={() => setView({ kind: 'regenerate' })}>
            Create new recovery codes
          </button>
          <button type="button" className="button button-danger-outline" onClick={() => setView({ kind: 'disable' })}>
            Turn off two-factor authentication
          </button>
        </div>
      </>
    );
  }

  return (
    <Card
      title="Two-factor authentication"
      testId="mfa"
      actions={
        me.mfa_enabled ? <span className="badge badge-ok">On</span> : <span className="badge badge-neutral">Off</span>
      }
    >
      {body}
    </Card>
  );
}
