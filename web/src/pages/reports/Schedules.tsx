import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import type { AdAccount } from '../../api/connectors';
import {
  createSchedule,
  deleteSchedule,
  FORMAT_LABELS,
  listSchedules,
  REPORT_FORMATS,
  WEEKDAYS,
  type Schedule,
  type ScheduleIn,
} from '../../api/metrics';
import { AccountSelect } from '../../components/AccountSelect';
import { Card } from '../../components/Card';
import { ErrorBanner } from '../../components/ErrorBanner';
import { applyServerErrors, SelectField, SubmitButton, TextField } from '../../components/Form';
import { InlineConfirm } from '../../components/InlineConfirm';
import { EmptyState, LoadingState, Notice } from '../../components/States';
import { describeFilters } from './ReportList';

export const MAX_RECIPIENTS = 50;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Addresses separated by commas, semicolons, spaces or new lines. */
export function splitRecipients(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export const scheduleSchema = z
  .object({
    title: z.string().trim().max(200, { error: 'At most 200 characters.' }),
    format: z.enum(['pdf', 'csv', 'xlsx']),
    frequency: z.enum(['daily', 'weekly']),
    weekday: z.string(),
    hour_utc: z.string(),
    account_id: z.string(),
    recipients: z.string(),
  })
  .superRefine((v, ctx) => {
    const hour = Number(v.hour_utc);
    if (v.hour_utc === '' || !Number.isInteger(hour) || hour < 0 || hour > 23) {
      ctx.addIssue({ code: 'custom', path: ['hour_utc'], message: 'Choose an hour from 0 to 23.' });
    }
    if (v.frequency === 'weekly') {
      const day = Number(v.weekday);
      if (v.weekday === '' || !Number.isInteger(day) || day < 0 || day > 6) {
        ctx.addIssue({ code: 'custom', path: ['weekday'], message: 'Choose the day of the week.' });
      }
    }
    const recipients = splitRecipients(v.recipients);
    if (recipients.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['recipients'], message: 'Enter at least one email address.' });
    } else if (recipients.length > MAX_RECIPIENTS) {
      ctx.addIssue({
        code: 'custom',
        path: ['recipients'],
        message: `At most ${MAX_RECIPIENTS} recipients (${recipients.length} entered).`,
      });
    } else {
      const bad = recipients.filter((r) => !EMAIL.test(r));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['recipients'],
          message: `Not an email address: ${bad.join(', ')}`,
        });
      }
    }
  });

type ScheduleForm = z.infer<typeof scheduleSchema>;

export function toScheduleIn(values: ScheduleForm): ScheduleIn {
  return {
    ...(values.title ? { title: values.title } : {}),
    format: values.format,
    frequency: values.frequency,
    weekday: values.frequency === 'weekly' ? Number(values.weekday) : null,
    hour_utc: Number(values.hour_utc),
    filters: values.account_id ? { account_id: values.account_id } : {},
    recipients: Array.from(new Set(splitRecipients(values.recipients))),
  };
}

export function describeSchedule(s: Pick<Schedule, 'frequency' | 'weekday' | 'hour_utc'>): string {
  const hour = `${String(s.hour_utc).padStart(2, '0')}:00 UTC`;
  if (s.frequency === 'weekly') return `Every ${WEEKDAYS[s.weekday ?? 0] ?? 'week'} at ${hour}`;
  return `Every day at ${hour}`;
}

function ScheduleCreateForm({
  accounts,
  schedulesKey,
  onDone,
  onCancel,
}: {
  accounts: AdAccount[];
  schedulesKey: readonly unknown[];
  onDone: (schedule: Schedule) => void;
  onCancel: () => void;
}) {
  const queryClient = useQueryClient();
  const recipientsId = useId();
  const {
    register,
    handleSubmit,
    watch,
    setError,
    formState: { errors },
  } = useForm<ScheduleForm>({
    resolver: zodResolver(scheduleSchema),
    defaultValues: {
      title: '',
      format: 'pdf',
      frequency: 'weekly',
      weekday: '0',
      hour_utc: '6',
      account_id: '',
      recipients: '',
    },
  });
  const mutation = useMutation({
    mutationFn: (values: ScheduleForm) => createSchedule(toScheduleIn(values)),
    onSuccess: async (schedule) => {
      onDone(schedule);
      await queryClient.invalidateQueries({ queryKey: schedulesKey });
    },
    onError: (error) => {
      applyServerErrors(error, setError, ['title', 'format', 'frequency', 'weekday', 'hour_utc', 'recipients']);
    },
  });
  const weekly = watch('frequency') === 'weekly';
  const recipientsError = errors.recipients?.message;

  return (
    <form
      className="form schedule-form"
      noValidate
      aria-label="New schedule"
      onSubmit={handleSubmit((values) => mutation.mutate(values))}
    >
      <div className="form-grid">
        <TextField
          label="Title"
          registration={register('title')}
          error={errors.title}
          placeholder="Performance report"
          autoComplete="off"
        />
        <SelectField label="Format" registration={register('format')} error={errors.format}>
          {REPORT_FORMATS.map((f) => (
            <option key={f} value={f}>
              {FORMAT_LABELS[f]}
            </option>
          ))}
        </SelectField>
        <SelectField label="Frequency" registration={register('frequency')} error={errors.frequency}>
          <option value="daily">Daily</option>
          <option value="weekly">Weekly</option>
        </SelectField>
        {weekly ? (
          <SelectField label="Weekday" registration={register('weekday')} error={errors.weekday}>
            {WEEKDAYS.map((day, i) => (
              <option key={day} value={String(i)}>
                {day}
              </option>
            ))}
          </SelectField>
        ) : null}
        <SelectField label="Hour (UTC)" registration={register('hour_utc')} error={errors.hour_utc}>
          {Array.from({ length: 24 }, (_, h) => (
            <option key={h} value={String(h)}>
              {String(h).padStart(2, '0')}:00
            </option>
          ))}
        </SelectField>
        <AccountSelect accounts={accounts} registration={register('account_id')} emptyLabel="All accounts" />
      </div>
      <div className="field">
        <label htmlFor={recipientsId} className="field-label">
          Recipients
        </label>
        <textarea
          id={recipientsId}
          className="input"
          rows={3}
          aria-invalid={recipientsError ? true : undefined}
          aria-describedby={`${recipientsId}-hint${recipientsError ? ` ${recipientsId}-error` : ''}`}
          {...register('recipients')}
        />
        <p id={`${recipientsId}-hint`} className="field-hint">
          Email addresses, separated by commas or new lines (at most {MAX_RECIPIENTS}).
        </p>
        {recipientsError ? (
          <p id={`${recipientsId}-error`} className="field-error">
            {recipientsError}
          </p>
        ) : null}
      </div>
      <div className="form-actions">
        <SubmitButton pending={mutation.isPending} pendingLabel="Saving…">
          Create schedule
        </SubmitButton>
        <button type="button" className="button" onClick={onCancel} disabled={mutation.isPending}>
          Cancel
        </button>
      </div>
      {mutation.isError ? <ErrorBanner heading="Could not create the schedule" error={mutation.error} /> : null}
    </form>
  );
}

function DeleteSchedule({ schedule, schedulesKey }: { schedule: Schedule; schedulesKey: readonly unknown[] }) {
  const queryClient = useQueryClient();
  const mutation = useMutation<unknown, Error, void>({
    mutationFn: () => deleteSchedule(schedule.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: schedulesKey }),
  });
  return (
    <InlineConfirm
      mutation={mutation}
      trigger="Delete"
      triggerLabel={`Delete the schedule ${schedule.title}`}
      groupLabel={`Confirm deleting the schedule ${schedule.title}`}
      question="Stop this schedule?"
      confirm="Yes, delete"
      pending="Deleting…"
      errorHeading="Could not delete the schedule"
    />
  );
}

/** Reports made every day or week and emailed; admins create and delete them. */
export function Schedules({
  enabled,
  accounts,
  isAdmin,
  schedulesKey,
}: {
  enabled: boolean;
  accounts: AdAccount[];
  isAdmin: boolean;
  schedulesKey: readonly unknown[];
}) {
  const schedules = useQuery({
    queryKey: schedulesKey,
    queryFn: ({ signal }) => listSchedules(signal),
    enabled,
  });
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Schedule | null>(null);

  let body;
  if (schedules.isPending) body = <LoadingState label="Loading schedules…" />;
  else if (schedules.isError) body = <ErrorBanner heading="Could not load the schedules" error={schedules.error} />;
  else if (schedules.data.items.length === 0) body = <EmptyState>No scheduled reports yet.</EmptyState>;
  else
    body = (
      <ul className="schedule-list" aria-label="Schedules">
        {schedules.data.items.map((s) => (
          <li key={s.id} className="schedule-item" data-testid="schedule">
            <div>
              <span className="cell-strong">{s.title}</span>
              <div className="muted small">
                {describeSchedule(s)} · {FORMAT_LABELS[s.format] ?? s.format} · {describeFilters(s.filters, accounts)}
              </div>
              <div className="muted small">
                {s.recipients.length > 0 ? `To ${s.recipients.join(', ')}` : 'No recipients'}
              </div>
            </div>
            {isAdmin ? <DeleteSchedule schedule={s} schedulesKey={schedulesKey} /> : null}
          </li>
        ))}
      </ul>
    );

  return (
    <Card
      title="Scheduled reports"
      description="Made automatically every day or week and emailed to the recipients."
      testId="schedules"
      actions={
        isAdmin && !creating ? (
          <button
            type="button"
            className="button"
            onClick={() => {
              setCreated(null);
              setCreating(true);
            }}
          >
            New schedule
          </button>
        ) : null
      }
    >
      {created ? <Notice testId="schedule-created">Schedule “{created.title}” created.</Notice> : null}
      {creating ? (
        <ScheduleCreateForm
          accounts={accounts}
          schedulesKey={schedulesKey}
          onDone={(s) => {
            setCreated(s);
            setCreating(false);
          }}
          onCancel={() => setCreating(false)}
        />
      ) : null}
      {body}
      {!isAdmin ? <p className="muted small">Only admins can create or delete schedules.</p> : null}
    </Card>
  );
}
