import { zodResolver } from '@hookform/resolvers/zod';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import { channelLabel, PERSONAL_CHANNELS, type Destination, type PersonalChannel } from '../../api/notify';
import {
  useAddDestination,
  useChannels,
  useDeleteDestination,
  useDestinations,
  useResendCode,
  useVerifyDestination,
} from '../../api/notifyQueries';
import { Card } from '../../components/Card';
import { ErrorBanner } from '../../components/ErrorBanner';
import { applyServerErrors, SelectField, SubmitButton, TextField } from '../../components/Form';
import { InlineConfirm } from '../../components/InlineConfirm';
import { EmptyState, LoadingState, Notice } from '../../components/States';
import { attemptsLeft } from './problems';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** E.164: a plus, then 8 to 15 digits (spaces and dashes are tolerated and removed by the service). */
const PHONE = /^\+[1-9]\d{7,14}$/;
const SIGNAL_GROUP = /^group\.[A-Za-z0-9+/=_-]{8,200}$/;

/** What the address field is called for each channel (its label, so screen readers and tests find it). */
export const ADDRESS_LABELS: Record<PersonalChannel, string> = {
  email: 'Email address',
  whatsapp: 'Phone number',
  signal: 'Phone number or group id',
};

const ADDRESS_HINTS: Record<PersonalChannel, string> = {
  email: 'We send a 6-digit code to this address.',
  whatsapp: 'International format, e.g. +4915112345678. We send a 6-digit code by WhatsApp.',
  signal: 'International format (+4915112345678) or a Signal group id (group.…). We send a 6-digit code by Signal.',
};

export const destinationSchema = z
  .object({ channel: z.enum(['email', 'whatsapp', 'signal']), address: z.string().trim() })
  .superRefine((v, ctx) => {
    const address = v.address.replace(/[\s-]/g, '');
    let message: string | null = null;
    if (v.address === '') message = 'Enter an address.';
    else if (v.address.length > 320) message = 'At most 320 characters.';
    else if (v.channel === 'email') message = EMAIL.test(v.address) ? null : 'Enter a valid email address.';
    else if (v.channel === 'signal' && v.address.startsWith('group.'))
      message = SIGNAL_GROUP.test(v.address) ? null : 'Not a valid Signal group id (group.<id>).';
    else message = PHONE.test(address) ? null : 'Enter the number in international form, e.g. +4915112345678.';
    if (message) ctx.addIssue({ code: 'custom', path: ['address'], message });
  });

type DestinationForm = z.infer<typeof destinationSchema>;

function AddDestinationForm({ onAdded }: { onAdded: (d: Destination) => void }) {
  const mutation = useAddDestination();
  const channels = useChannels();
  const {
    register,
    handleSubmit,
    watch,
    reset,
    setError,
    clearErrors,
    formState: { errors },
  } = useForm<DestinationForm>({
    resolver: zodResolver(destinationSchema),
    defaultValues: { channel: 'email', address: '' },
  });
  const channel = watch('channel');
  // Only what this server can send on (email while the list loads or if it fails: the server checks again).
  const offered = PERSONAL_CHANNELS.filter(
    (c) => c === 'email' || channels.data?.some((info) => info.channel === c && info.available),
  );
  const unavailable = (channels.data ?? []).filter((info) => !info.available).map((info) => channelLabel(info.channel));

  return (
    <form
      className="form form-inline destination-form"
      noValidate
      aria-label="Add a destination"
      onSubmit={handleSubmit((values) =>
        mutation.mutate(
          { channel: values.channel, address: values.address },
          {
            onSuccess: (d) => {
              reset({ channel: values.channel, address: '' });
              onAdded(d);
            },
            onError: (error) => applyServerErrors(error, setError, ['channel', 'address']),
          },
        ),
      )}
    >
      <SelectField
        label="Channel"
        registration={register('channel', {
          // A new channel starts clean: the last answer (e.g. "not a valid phone number") was about the old one.
          onChange: () => {
            mutation.reset();
            clearErrors();
          },
        })}
        error={errors.channel}
      >
        {offered.map((c) => (
          <option key={c} value={c}>
            {channelLabel(c)}
          </option>
        ))}
      </SelectField>
      {unavailable.length > 0 ? (
        <p className="field-hint" data-testid="channels-not-configured">
          Not configured on this server: {unavailable.join(', ')}.
        </p>
      ) : null}
      <TextField
        label={ADDRESS_LABELS[channel]}
        hint={ADDRESS_HINTS[channel]}
        registration={register('address')}
        error={errors.address}
        type={channel === 'email' ? 'email' : 'text'}
        inputMode={channel === 'email' ? 'email' : 'tel'}
        autoComplete={channel === 'email' ? 'email' : 'tel'}
      />
      <div className="form-actions">
        <SubmitButton pending={mutation.isPending} pendingLabel="Sending code…">
          Add destination
        </SubmitButton>
      </div>
      {mutation.isError ? <ErrorBanner heading="Could not add the destination" error={mutation.error} /> : null}
    </form>
  );
}

const codeSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{4,12}$/, { error: 'Enter the code from the message (digits only).' }),
});
type CodeForm = z.infer<typeof codeSchema>;

/** The code field of a destination still waiting for its code, with "Resend code". */
function VerifyDestination({ destination, onVerified }: { destination: Destination; onVerified: () => void }) {
  const verify = useVerifyDestination(destination.id);
  const resend = useResendCode(destination.id);
  const [resent, setResent] = useState(false);
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = useForm<CodeForm>({ resolver: zodResolver(codeSchema), defaultValues: { code: '' } });

  return (
    <form
      className="form form-inline verify-form"
      noValidate
      aria-label={`Verify ${destination.address}`}
      onSubmit={handleSubmit((values) => {
        setResent(false);
        verify.mutate(values.code, { onSuccess: onVerified });
      })}
    >
      <TextField
        label={
          <>
            Verification code<span className="visually-hidden"> for {destination.address}</span>
          </>
        }
        registration={register('code')}
        error={errors.code}
        inputMode="numeric"
        autoComplete="one-time-code"
        className="code-input"
      />
      <div className="form-actions">
        <SubmitButton pending={verify.isPending} pendingLabel="Verifying…">
          Verify
        </SubmitButton>
        <button
          type="button"
          className="button"
          disabled={resend.isPending}
          aria-busy={resend.isPending || undefined}
          onClick={() => {
            verify.reset();
            setResent(false);
            resend.mutate(undefined, { onSuccess: () => setResent(true) });
          }}
        >
          {resend.isPending ? 'Sending…' : 'Resend code'}
        </button>
      </div>
      {resent ? <Notice>A new code is on its way to {destination.address}.</Notice> : null}
      {verify.isError ? (
        <ErrorBanner heading="Could not verify the destination" error={verify.error}>
          {attemptsLeft(verify.error) ? <span className="banner-detail">{attemptsLeft(verify.error)}</span> : null}
        </ErrorBanner>
      ) : null}
      {resend.isError ? <ErrorBanner heading="Could not send a new code" error={resend.error} /> : null}
    </form>
  );
}

function RemoveDestination({ destination }: { destination: Destination }) {
  const mutation = useDeleteDestination(destination.id);
  return (
    <InlineConfirm
      mutation={mutation}
      trigger="Remove"
      triggerLabel={`Remove ${destination.address}`}
      groupLabel={`Confirm removing ${destination.address}`}
      question="Stop notifications to this address?"
      confirm="Yes, remove"
      pending="Removing…"
      errorHeading="Could not remove the destination"
    />
  );
}

/** The caller's own addresses in the active org: each is confirmed with a code before anything is sent to it. */
export function Destinations() {
  const destinations = useDestinations();
  const [notice, setNotice] = useState<string | null>(null);

  let body;
  if (destinations.isPending) body = <LoadingState label="Loading your destinations…" />;
  else if (destinations.isError)
    body = <ErrorBanner heading="Could not load your destinations" error={destinations.error} />;
  else if (destinations.data.length === 0) body = <EmptyState>No destinations yet. Add one above.</EmptyState>;
  else
    body = (
      <ul className="destination-list" aria-label="Destinations">
        {destinations.data.map((d) => (
          <li key={d.id} className="destination-item" data-testid="destination" data-verified={d.verified}>
            <div className="destination-head">
              <div>
                <span className="cell-strong">{d.address}</span>
                <div className="muted small">{channelLabel(d.channel)}</div>
              </div>
              <span
                className={`badge ${d.verified ? 'badge-ok' : 'badge-warn'}`}
                data-testid="destination-status"
              >
                {d.verified ? 'Verified' : 'Not verified'}
              </span>
              <RemoveDestination destination={d} />
            </div>
            {d.verified ? null : (
              <VerifyDestination destination={d} onVerified={() => setNotice(`${d.address} is verified.`)} />
            )}
          </li>
        ))}
      </ul>
    );

  return (
    <Card
      title="Your destinations"
      description="Where your notifications for this organisation go. Each address is confirmed with a code first."
      testId="destinations"
    >
      <AddDestinationForm
        onAdded={(d) =>
          setNotice(
            d.verified
              ? `${d.address} is already verified.`
              : `We sent a code to ${d.address}. Enter it below to confirm the address.`,
          )
        }
      />
      {notice ? <Notice testId="destination-notice">{notice}</Notice> : null}
      {body}
    </Card>
  );
}
