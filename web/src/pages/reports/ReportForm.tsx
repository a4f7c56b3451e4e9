import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { z } from 'zod';
import type { AdAccount } from '../../api/connectors';
import { PLATFORM_LABELS } from '../../api/connectors';
import {
  BUCKET_LABELS,
  BUCKETS,
  createReport,
  FORMAT_LABELS,
  lastFullDays,
  REPORT_FORMATS,
  type Report,
  type ReportIn,
} from '../../api/metrics';
import { AccountSelect } from '../../components/AccountSelect';
import { ErrorBanner } from '../../components/ErrorBanner';
import { applyServerErrors, SelectField, SubmitButton, TextField } from '../../components/Form';
import { Notice } from '../../components/States';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const reportSchema = z
  .object({
    format: z.enum(['pdf', 'csv', 'xlsx']),
    from: z.string().regex(DAY, { error: 'Choose the first day.' }),
    to: z.string().regex(DAY, { error: 'Choose the last day.' }),
    bucket: z.enum(['day', 'week', 'month']),
    title: z.string().trim().max(200, { error: 'At most 200 characters.' }),
    account_id: z.string(),
    platform: z.string(),
  })
  .refine((v) => !DAY.test(v.from) || !DAY.test(v.to) || v.from <= v.to, {
    path: ['to'],
    error: 'The last day must not be before the first day.',
  });

type ReportForm = z.infer<typeof reportSchema>;

export function toReportIn(values: ReportForm): ReportIn {
  const filters: ReportIn['filters'] = {};
  if (values.account_id) filters.account_id = values.account_id;
  if (values.platform) filters.platform = values.platform as NonNullable<ReportIn['filters']>['platform'];
  return {
    format: values.format,
    from: values.from,
    to: values.to,
    bucket: values.bucket,
    ...(values.title ? { title: values.title } : {}),
    filters,
  };
}

/** Ask the metrics service for a report file (queued; the list below follows it). */
export function ReportForm({ accounts, reportsKey }: { accounts: AdAccount[]; reportsKey: readonly unknown[] }) {
  const queryClient = useQueryClient();
  const [queued, setQueued] = useState<Report | null>(null);
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm<ReportForm>({
    resolver: zodResolver(reportSchema),
    defaultValues: { format: 'pdf', bucket: 'day', title: '', account_id: '', platform: '', ...lastFullDays(7) },
  });
  const mutation = useMutation({
    mutationFn: (values: ReportForm) => createReport(toReportIn(values)),
    onMutate: () => setQueued(null),
    onSuccess: async (report) => {
      setQueued(report);
      await queryClient.invalidateQueries({ queryKey: reportsKey });
    },
    onError: (error) => {
      applyServerErrors(error, setError, ['format', 'from', 'to', 'bucket', 'title', 'account_id', 'platform']);
    },
  });
  const platforms = Array.from(new Set([...Object.keys(PLATFORM_LABELS), ...accounts.map((a) => a.platform)]));

  return (
    <form
      className="form report-form"
      noValidate
      aria-label="New report"
      onSubmit={handleSubmit((values) => mutation.mutate(values))}
    >
      <div className="form-grid">
        <SelectField label="Format" registration={register('format')} error={errors.format}>
          {REPORT_FORMATS.map((f) => (
            <option key={f} value={f}>
              {FORMAT_LABELS[f]}
            </option>
          ))}
        </SelectField>
        <TextField label="From" type="date" registration={register('from')} error={errors.from} />
        <TextField label="To" type="date" registration={register('to')} error={errors.to} />
        <SelectField label="Rows per" registration={register('bucket')} error={errors.bucket}>
          {BUCKETS.map((b) => (
            <option key={b} value={b}>
              {BUCKET_LABELS[b]}
            </option>
          ))}
        </SelectField>
        <TextField
          label="Title"
          registration={register('title')}
          error={errors.title}
          placeholder="Performance report"
          maxLength={200}
          autoComplete="off"
        />
        <AccountSelect
          accounts={accounts}
          registration={register('account_id')}
          error={errors.account_id}
          emptyLabel="All accounts"
        />
        <SelectField label="Platform" registration={register('platform')} error={errors.platform}>
          <option value="">All platforms</option>
          {platforms.map((p) => (
            <option key={p} value={p}>
              {PLATFORM_LABELS[p] ?? p}
            </option>
          ))}
        </SelectField>
      </div>
      <div className="form-actions">
        <SubmitButton pending={mutation.isPending} pendingLabel="Requesting…">
          Generate report
        </SubmitButton>
      </div>
      {mutation.isError ? <ErrorBanner heading="Could not request the report" error={mutation.error} /> : null}
      {queued ? (
        <Notice testId="report-queued">
          “{queued.title}” is queued. It appears in the list below; download it when it is ready.
        </Notice>
      ) : null}
    </form>
  );
}
