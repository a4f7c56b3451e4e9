import { zodResolver } from '@hookform/resolvers/zod';
import { memo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import {
  channelLabel,
  eventLabel,
  PERSONAL_CHANNELS,
  type Digest,
  type PersonalChannel,
  type Preferences as PreferencesOut,
  type PreferencesIn,
} from '../../api/notify';
import { useDestinations, usePreferences, useSavePreferences } from '../../api/notifyQueries';
import { Card } from '../../components/Card';
import { ErrorBanner } from '../../components/ErrorBanner';
import { applyServerErrors, CheckboxField, SelectField, SubmitButton, TextField } from '../../components/Form';
import { LoadingState, Notice } from '../../components/States';

/** "event_type|channel": one checkbox of the event × channel grid. */
const cell = (eventType: string, channel: string) => `${eventType}|${channel}`;

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export const preferencesSchema = z
  .object({
    time_zone: z.string().trim().min(1, { error: 'Enter a time zone, e.g. Europe/Berlin.' }),
    quiet: z.boolean(),
    quiet_start: z.string(),
    quiet_end: z.string(),
    digest: z.enum(['off', 'hourly', 'daily']),
    subscriptions: z.array(z.string()),
  })
  .superRefine((v, ctx) => {
    if (!v.quiet) return;
    if (!TIME.test(v.quiet_start)) ctx.addIssue({ code: 'custom', path: ['quiet_start'], message: 'Enter a time (HH:MM).' });
    if (!TIME.test(v.quiet_end)) ctx.addIssue({ code: 'custom', path: ['quiet_end'], message: 'Enter a time (HH:MM).' });
    else if (v.quiet_start === v.quiet_end)
      ctx.addIssue({ code: 'custom', path: ['quiet_end'], message: 'The end must differ from the start.' });
  });
type PreferencesForm = z.infer<typeof preferencesSchema>;

/** "22:00:00" → "22:00" (what a time input shows). */
const hhmm = (value: string) => value.slice(0, 5);

export function toForm(p: PreferencesOut): PreferencesForm {
  return {
    time_zone: p.time_zone,
    quiet: p.quiet_hours !== null,
    quiet_start: p.quiet_hours ? hhmm(p.quiet_hours.start) : '22:00',
    quiet_end: p.quiet_hours ? hhmm(p.quiet_hours.end) : '07:00',
    digest: p.digest,
    subscriptions: p.subscriptions.map((s) => cell(s.event_type, s.channel)),
  };
}

export function toPreferencesIn(v: PreferencesForm, locale: string): PreferencesIn {
  return {
    time_zone: v.time_zone,
    quiet_hours: v.quiet ? { start: v.quiet_start, end: v.quiet_end } : null,
    digest: v.digest as Digest,
    locale,
    subscriptions: v.subscriptions.map((key) => {
      const [event_type, channel] = key.split('|') as [string, PersonalChannel];
      return { event_type, channel };
    }),
  };
}

function browserTimeZone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function timeZones(): string[] {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone')];
  } catch {
    return ['UTC'];
  }
}

/** Suggestions for the time zone field; memoised: the form re-renders on every keystroke, these ~420 never change. */
const TimeZoneList = memo(function TimeZoneList({ id }: { id: string }) {
  return (
    <datalist id={id}>
      {timeZones().map((z) => (
        <option key={z} value={z} />
      ))}
    </datalist>
  );
});

function PreferencesEditor({ preferences, verified }: { preferences: PreferencesOut; verified: Set<string> }) {
  const mutation = useSavePreferences();
  const [saved, setSaved] = useState(false);
  const {
    register,
    handleSubmit,
    watch,
    reset,
    setValue,
    setError,
    formState: { errors, isDirty },
  } = useForm<PreferencesForm>({ resolver: zodResolver(preferencesSchema), defaultValues: toForm(preferences) });
  const quiet = watch('quiet');
  const local = browserTimeZone();

  return (
    <form
      className="form preferences-form"
      noValidate
      aria-label="Notification preferences"
      onChange={() => setSaved(false)}
      onSubmit={handleSubmit((values) => {
        setSaved(false);
        mutation.mutate(toPreferencesIn(values, preferences.locale), {
          onSuccess: (next) => {
            reset(toForm(next));
            setSaved(true);
          },
          onError: (error) => applyServerErrors(error, setError, ['time_zone', 'digest']),
        });
      })}
    >
      <div className="table-scroll">
        <table className="table table-compact preference-grid">
          <caption className="visually-hidden">Which events reach you on which channel</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              {PERSONAL_CHANNELS.map((c) => (
                <th scope="col" key={c}>
                  {channelLabel(c)}
                  {verified.has(c) ? null : <div className="muted small no-caps">no verified address</div>}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preferences.event_types.map((type) => (
              <tr key={type}>
                <th scope="row">{eventLabel(type)}</th>
                {PERSONAL_CHANNELS.map((c) => (
                  <td key={c}>
                    <input
                      type="checkbox"
                      value={cell(type, c)}
                      aria-label={`${eventLabel(type)} by ${channelLabel(c)}`}
                      {...register('subscriptions')}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small">
        Messages only go to verified destinations. Security mail (sign-in, password) always goes to your account email.
      </p>

      <div className="form-grid">
        <div>
          <TextField
            label="Time zone"
            registration={register('time_zone')}
            error={errors.time_zone}
            list="notify-time-zones"
            autoComplete="off"
            hint="For quiet hours and the daily digest (IANA name, e.g. Europe/Berlin)."
          />
          <TimeZoneList id="notify-time-zones" />
          {local && local !== watch('time_zone') ? (
            <button
              type="button"
              className="link-button small"
              onClick={() => setValue('time_zone', local, { shouldDirty: true })}
            >
              Use {local}
            </button>
          ) : null}
        </div>
        <SelectField label="Digest" registration={register('digest')} error={errors.digest}>
          <option value="off">Off: send each message</option>
          <option value="hourly">Hourly</option>
          <option value="daily">Daily at 08:00</option>
        </SelectField>
      </div>
      <p className="muted small">
        With a digest, low-priority messages (alerts, budget warnings, sync failures) are bundled into one.
      </p>

      <CheckboxField
        label="Quiet hours"
        registration={register('quiet')}
        hint="Hold non-urgent messages during these local hours. Urgent ones (overspend, reconnect required) still go out."
      />
      {quiet ? (
        <div className="form-grid">
          <TextField label="Quiet from" type="time" registration={register('quiet_start')} error={errors.quiet_start} />
          <TextField label="Quiet until" type="time" registration={register('quiet_end')} error={errors.quiet_end} />
        </div>
      ) : null}

      <div className="form-actions">
        <SubmitButton pending={mutation.isPending} pendingLabel="Saving…">
          Save preferences
        </SubmitButton>
        {isDirty ? <span className="muted small">Unsaved changes</span> : null}
      </div>
      {saved ? <Notice testId="preferences-saved">Preferences saved.</Notice> : null}
      {mutation.isError ? <ErrorBanner heading="Could not save the preferences" error={mutation.error} /> : null}
    </form>
  );
}

/** Which events reach the caller on which channel, quiet hours and the digest (each person's own). */
export function Preferences() {
  const preferences = usePreferences();
  const destinations = useDestinations();
  const verified = new Set((destinations.data ?? []).filter((d) => d.verified).map((d) => d.channel));

  let body;
  if (preferences.isPending) body = <LoadingState label="Loading your preferences…" />;
  else if (preferences.isError)
    body = <ErrorBanner heading="Could not load your preferences" error={preferences.error} />;
  else body = <PreferencesEditor preferences={preferences.data} verified={verified} />;

  return (
    <Card
      title="Your preferences"
      description="Choose which events of this organisation reach you, and on which channel."
      testId="preferences"
    >
      {body}
    </Card>
  );
}
