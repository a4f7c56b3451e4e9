import type { ReactNode } from 'react';
import { isApiError } from '../api/client';

/** Human-readable title/detail for any thrown value. */
export function describeError(error: unknown): { title: string; detail?: string } {
  if (isApiError(error)) return { title: error.title, detail: error.detail };
  if (error instanceof Error) return { title: 'Unexpected error', detail: error.message };
  return { title: 'Unexpected error', detail: String(error) };
}

interface Props {
  /** Short context, e.g. "Could not load status". */
  heading: string;
  error: unknown;
  children?: ReactNode;
}

export function ErrorBanner({ heading, error, children }: Props) {
  const { title, detail } = describeError(error);
  return (
    <div className="banner banner-error" role="alert">
      <strong className="banner-heading">{heading}</strong>
      <span className="banner-title">{title}</span>
      {detail ? <span className="banner-detail">{detail}</span> : null}
      {children}
    </div>
  );
}
