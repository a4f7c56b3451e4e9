import type { ReactNode } from 'react';

/** A polite, announced loading message. */
export function LoadingState({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="muted loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="muted empty">{children}</p>;
}

/** A success/info message announced to screen readers. */
export function Notice({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div className="banner banner-ok notice" role="status" data-testid={testId}>
      {children}
    </div>
  );
}
