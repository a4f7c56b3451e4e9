import { ErrorBanner } from '../../components/ErrorBanner';
import { copyProblemHint, problemList } from './problems';

/** An AI copy problem: its title and detail, what to do about it, and each listed problem. */
export function CopyError({ heading, error }: { heading: string; error: unknown }) {
  const hint = copyProblemHint(error);
  const problems = problemList(error);
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
