import { isApiError } from '../../api/client';

/** "2 attempts left." from a wrong-code problem (`attempts_left` extension member), else undefined. */
export function attemptsLeft(error: unknown): string | undefined {
  if (!isApiError(error)) return undefined;
  const left = error.problem?.attempts_left;
  if (typeof left !== 'number') return undefined;
  return left === 0 ? 'No attempts left: send a new code.' : `${left} attempt${left === 1 ? '' : 's'} left.`;
}
