import { formatDateTime, formatRelative } from '../format';

export function Time({ iso, relative = false }: { iso: string | null | undefined; relative?: boolean }) {
  if (!iso) return <span className="muted">—</span>;
  const full = formatDateTime(iso);
  return (
    <time dateTime={iso} title={relative ? full : undefined}>
      {relative ? formatRelative(iso) : full}
    </time>
  );
}
