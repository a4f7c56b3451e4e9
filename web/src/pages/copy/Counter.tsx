import { limitText, measure, type FieldRule } from './limits';

/**
 * A live character counter of one line against its platform limit ("28 / 30"), flagged when the line is
 * too long (or, for TikTok, too short; for Meta's primary text, longer than recommended). Tie it to its
 * input with aria-describedby; it is not a live region itself (that would announce every keystroke).
 */
export function Counter({ rule, text, id }: { rule: FieldRule; text: string; id?: string }) {
  const { length, state } = measure(rule, text);
  let note = '';
  if (state === 'over') note = `${length - rule.max} over the limit`;
  else if (state === 'under') note = `at least ${rule.min} needed`;
  else if (state === 'soft-over') note = 'longer than recommended';
  const wide = rule.counting === 'wide_as_two' ? 'Wide (CJK) characters count as 2.' : undefined;
  return (
    <span id={id} className={`char-counter char-counter-${state}`} data-testid="char-counter" data-state={state} title={wide}>
      {length} / {limitText(rule)}
      {note ? <span className="char-counter-note"> · {note}</span> : null}
      <span className="visually-hidden"> characters{wide ? ` (${wide})` : ''}</span>
    </span>
  );
}
