import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';
import type { FieldValues, Path, UseFormRegisterReturn, UseFormSetError } from 'react-hook-form';
import { isApiError } from '../api/client';

interface FieldError {
  message?: string;
}

function describedBy(...ids: (string | undefined)[]): string | undefined {
  const joined = ids.filter(Boolean).join(' ');
  return joined === '' ? undefined : joined;
}

interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'name'> {
  label: ReactNode;
  registration: UseFormRegisterReturn;
  error?: FieldError;
  hint?: ReactNode;
}

/** A labelled input wired to react-hook-form, with its hint and error tied in via aria-describedby. */
export function TextField({ label, registration, error, hint, id, className, ...input }: TextFieldProps) {
  const autoId = useId();
  const inputId = id ?? `field${autoId.replace(/:/g, '')}`;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = error?.message ? `${inputId}-error` : undefined;
  return (
    <div className="field">
      <label htmlFor={inputId} className="field-label">
        {label}
      </label>
      <input
        id={inputId}
        className={className ? `input ${className}` : 'input'}
        aria-invalid={errorId ? true : undefined}
        aria-describedby={describedBy(hintId, errorId)}
        {...input}
        {...registration}
      />
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
      {errorId ? (
        <p id={errorId} className="field-error">
          {error?.message}
        </p>
      ) : null}
    </div>
  );
}

interface SelectFieldProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'name'> {
  label: ReactNode;
  registration: UseFormRegisterReturn;
  error?: FieldError;
  children: ReactNode;
}

export function SelectField({ label, registration, error, id, children, ...select }: SelectFieldProps) {
  const autoId = useId();
  const selectId = id ?? `field${autoId.replace(/:/g, '')}`;
  const errorId = error?.message ? `${selectId}-error` : undefined;
  return (
    <div className="field">
      <label htmlFor={selectId} className="field-label">
        {label}
      </label>
      <select
        id={selectId}
        className="input"
        aria-invalid={errorId ? true : undefined}
        aria-describedby={errorId}
        {...select}
        {...registration}
      >
        {children}
      </select>
      {errorId ? (
        <p id={errorId} className="field-error">
          {error?.message}
        </p>
      ) : null}
    </div>
  );
}

export function CheckboxField({
  label,
  registration,
  hint,
}: {
  label: ReactNode;
  registration: UseFormRegisterReturn;
  hint?: ReactNode;
}) {
  const autoId = useId();
  const inputId = `field${autoId.replace(/:/g, '')}`;
  const hintId = hint ? `${inputId}-hint` : undefined;
  return (
    <div className="field field-checkbox">
      <input id={inputId} type="checkbox" aria-describedby={hintId} {...registration} />
      <label htmlFor={inputId}>{label}</label>
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export function SubmitButton({
  pending,
  children,
  pendingLabel,
  variant = 'primary',
}: {
  pending: boolean;
  children: ReactNode;
  pendingLabel?: ReactNode;
  variant?: 'primary' | 'danger' | 'default';
}) {
  const cls = variant === 'default' ? 'button' : `button button-${variant}`;
  return (
    <button type="submit" className={cls} disabled={pending} aria-busy={pending || undefined}>
      {pending ? (pendingLabel ?? children) : children}
    </button>
  );
}

interface ValidationItem {
  loc?: unknown;
  msg?: unknown;
}

/**
 * Copy a 422 problem's `errors` onto the form's fields. FastAPI-style items (`{loc: ["body", field], msg}`)
 * go to their field; plain strings (the password policy's reasons) go to `stringErrorsTo` when given.
 * Returns true when at least one field got an error (the banner can then stay generic).
 */
export function applyServerErrors<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  fields: readonly Path<T>[],
  stringErrorsTo?: Path<T>,
): boolean {
  if (!isApiError(error) || error.status !== 422) return false;
  const errors = error.problem?.errors;
  if (!Array.isArray(errors)) return false;
  let applied = false;
  const strings: string[] = [];
  for (const item of errors as unknown[]) {
    if (typeof item === 'string') {
      strings.push(item);
      continue;
    }
    const { loc, msg } = (item ?? {}) as ValidationItem;
    const field = Array.isArray(loc) ? loc[loc.length - 1] : undefined;
    if (typeof field === 'string' && (fields as readonly string[]).includes(field)) {
      setError(field as Path<T>, { type: 'server', message: String(msg ?? 'Invalid value.') });
      applied = true;
    }
  }
  if (strings.length > 0 && stringErrorsTo) {
    setError(stringErrorsTo, { type: 'server', message: strings.join(' ') });
    applied = true;
  }
  return applied;
}
