import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { BRAND_LIMITS } from '../../api/brandVoice';

/** Terms typed or pasted at once: separated by commas or new lines, spaces collapsed. */
export function splitTerms(text: string): string[] {
  return text
    .split(/[,\n]+/)
    .map((t) => t.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

/** Why `incoming` cannot be added to `terms`, or null. */
export function termProblem(terms: string[], incoming: string[]): string | null {
  const long = incoming.find((t) => t.length > BRAND_LIMITS.term);
  if (long) return `“${long.slice(0, 20)}…” is longer than ${BRAND_LIMITS.term} characters.`;
  if (terms.length + incoming.length > BRAND_LIMITS.terms) return `At most ${BRAND_LIMITS.terms} banned terms.`;
  return null;
}

/** Read-only chips. */
export function TermList({ terms, label, muted }: { terms: string[]; label: string; muted?: boolean }) {
  if (terms.length === 0) return <p className="muted small">None.</p>;
  return (
    <ul className="chip-list" aria-label={label}>
      {terms.map((t) => (
        <li key={t} className={muted ? 'chip chip-muted' : 'chip'}>
          {t}
        </li>
      ))}
    </ul>
  );
}

/**
 * Banned terms as removable chips, with a field to add more (Enter or "Add"; commas add several at once).
 * Case-insensitive duplicates are dropped silently.
 */
export function BannedTermsEditor({
  value,
  onChange,
  error,
}: {
  value: string[];
  onChange: (terms: string[]) => void;
  error?: string;
}) {
  const inputId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const shown = problem ?? error;

  const add = () => {
    const known = new Set(value.map((t) => t.toLowerCase()));
    const incoming: string[] = [];
    for (const t of splitTerms(draft)) {
      if (!known.has(t.toLowerCase())) {
        known.add(t.toLowerCase());
        incoming.push(t);
      }
    }
    const why = termProblem(value, incoming);
    setProblem(why);
    if (why) return;
    if (incoming.length > 0) onChange([...value, ...incoming]);
    setDraft('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault(); // add the term, do not submit the form
      add();
    }
  };

  return (
    <fieldset className="field brand-terms">
      <legend className="field-label">Banned terms</legend>
      {value.length > 0 ? (
        <ul className="chip-list" aria-label="Banned terms">
          {value.map((t) => (
            <li key={t} className="chip">
              <span>{t}</span>
              <button
                type="button"
                className="chip-remove"
                aria-label={`Remove ${t}`}
                onClick={() => {
                  onChange(value.filter((x) => x !== t));
                  inputRef.current?.focus(); // the chip (and its button) is gone: keep focus in the editor
                }}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">No banned terms of your own yet.</p>
      )}
      <label htmlFor={inputId} className="visually-hidden">
        Add a banned term
      </label>
      <div className="chip-add">
        <input
          ref={inputRef}
          id={inputId}
          className="input"
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            setProblem(null);
          }}
          onKeyDown={onKeyDown}
          placeholder="e.g. cheapest, guaranteed"
          autoComplete="off"
          aria-invalid={shown ? true : undefined}
          aria-describedby={`${inputId}-hint${shown ? ` ${inputId}-error` : ''}`}
        />
        <button type="button" className="button" onClick={add} disabled={draft.trim() === ''}>
          Add
        </button>
      </div>
      <p id={`${inputId}-hint`} className="field-hint">
        Words and claims generated copy must never use. Press Enter to add; separate several with commas.
      </p>
      {shown ? (
        <p id={`${inputId}-error`} className="field-error">
          {shown}
        </p>
      ) : null}
    </fieldset>
  );
}
