import { isApiError } from '../../api/client';
import type { FieldRule } from './limits';

/** What to do about an AI copy problem the service answered (budget, rate limit, provider trouble). */
export function copyProblemHint(error: unknown): string | null {
  if (!isApiError(error)) return null;
  switch (error.status) {
    case 402:
      return 'The monthly AI budget is used up. An admin can raise it; it resets at the start of next month.';
    case 429:
      return 'Too many requests: wait a moment and try again.';
    case 502:
      return 'The generator kept writing copy that breaks the platform rules. Try again or change the brief.';
    case 503:
      return 'The AI providers are unavailable right now. Try again in a few minutes.';
    case 409:
      return 'Approved copy is frozen and cannot change any more.';
    default:
      return null;
  }
}

/** The list of problems a 422 carries: strings ("fields.headlines.3: ... the limit is 30") or {loc, msg} items. */
export function problemList(error: unknown): string[] {
  if (!isApiError(error)) return [];
  const errors = error.problem?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((item: unknown) => {
    if (typeof item === 'string') return item;
    const { loc, msg } = (item ?? {}) as { loc?: unknown; msg?: unknown };
    const where = Array.isArray(loc) ? loc.filter((p) => p !== 'body').join('.') : '';
    return where ? `${where}: ${String(msg ?? '')}` : String(msg ?? '');
  });
}

const FIELD_PATH = /^fields\.([A-Za-z0-9_]+)(?:\.(\d+))?:\s*/;

/**
 * A problem of the variant's copy with the field's label instead of its path: "fields.headlines.0: '…' is 61
 * characters…" reads "Headline 1: '…' is 61 characters…". Problems of other fields are left as they are.
 */
export function labelProblem(problem: string, rules: readonly FieldRule[]): string {
  const match = FIELD_PATH.exec(problem);
  const rule = match ? rules.find((r) => r.field === match[1]) : undefined;
  if (!match || !rule) return problem;
  const rest = problem.slice(match[0].length);
  let label = rule.label;
  if (rule.list) label = match[2] !== undefined ? `${rule.label} ${Number(match[2]) + 1}` : `${rule.label}s`;
  return `${label}: ${rest}`;
}
