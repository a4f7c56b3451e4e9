import type { UseMutationResult } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { ErrorBanner } from './ErrorBanner';

interface InlineConfirmProps {
  /** The destructive mutation, run when the user confirms. */
  mutation: UseMutationResult<unknown, Error, void>;
  /** The first button ("Remove") and its accessible name ("Remove Ada"). */
  trigger: string;
  triggerLabel: string;
  /** Accessible name of the confirm group ("Confirm removing Ada"). */
  groupLabel: string;
  question: ReactNode;
  confirm: string;
  pending: string;
  errorHeading: string;
}

/** A danger button that asks in place ("Remove Ada? Yes, remove / Cancel") before running its mutation. */
export function InlineConfirm({
  mutation,
  trigger,
  triggerLabel,
  groupLabel,
  question,
  confirm,
  pending,
  errorHeading,
}: InlineConfirmProps) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button
        type="button"
        className="button button-small button-danger-outline"
        onClick={() => setConfirming(true)}
        aria-label={triggerLabel}
      >
        {trigger}
      </button>
    );
  }
  return (
    <div className="inline-confirm" role="group" aria-label={groupLabel}>
      <span>{question}</span>
      <button
        type="button"
        className="button button-small button-danger"
        onClick={() => mutation.mutate()}
        disabled={mutation.isPending}
        autoFocus
      >
        {mutation.isPending ? pending : confirm}
      </button>
      <button type="button" className="button button-small" onClick={() => setConfirming(false)} disabled={mutation.isPending}>
        Cancel
      </button>
      {mutation.isError ? <ErrorBanner heading={errorHeading} error={mutation.error} /> : null}
    </div>
  );
}
