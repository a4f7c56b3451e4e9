import type { UseFormRegisterReturn } from 'react-hook-form';
import { eventLabel, ORG_EVENTS } from '../../api/notify';

/** A checkbox per org event kind, as one labelled group (the webhook form). */
export function EventKindsField({
  legend,
  registration,
  error,
  eventTypes = ORG_EVENTS,
}: {
  legend: string;
  registration: UseFormRegisterReturn;
  error?: string;
  eventTypes?: readonly string[];
}) {
  const errorId = `${registration.name}-error`;
  return (
    <fieldset className="fieldset" aria-describedby={error ? errorId : undefined}>
      <legend className="field-label">{legend}</legend>
      <div className="event-kinds">
        {eventTypes.map((type) => (
          <label key={type} className="check-option">
            <input type="checkbox" value={type} {...registration} />
            <span>{eventLabel(type)}</span>
          </label>
        ))}
      </div>
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
