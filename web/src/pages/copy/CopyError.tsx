import { ErrorBanner } from '../../components/ErrorBanner';
import type { FieldRule } from './limits';
import { copyProblemHint, labelProblem, problemList } from './problems';

/**
 * An AI copy problem: its title and detail, what to do about it, and each listed problem (with `rules`, a
 * problem of a copy field is named by the field's label, not its path).
 */
export function CopyError({ heading, error, rules }: { heading: string; error: unknown; rules?: readonly FieldRule[] }) {
  const hint = copyProblemHint(error);
  const problems = problemList(error).map((p) => (rules ? labelProblem(p, rules) : p));
  return (
    <ErrorBanner heading={heading} error={error}>
      {hint ? <span className="banner-note">{hint}</span> : null}
      {problems.length > 0 ? (
        <ul className="problem-list" data-testid="problem-list">
          {problems.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      ) : null}
    </ErrorBanner>
  );
}
