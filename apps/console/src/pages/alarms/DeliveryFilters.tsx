import { useState, type FormEvent } from 'react';
import { ALARM_DELIVERY_STATUSES, ALARM_EVENT_TYPES } from '../../api/alarm-types';

export interface DeliveryFilterValues {
  status?: string;
  eventType?: string;
}

/** Status and event type of the delivery history, applied with the Filter button. */
export function DeliveryFilters({
  value,
  onApply,
}: {
  value: DeliveryFilterValues;
  onApply: (value: DeliveryFilterValues) => void;
}) {
  const [status, setStatus] = useState(value.status ?? '');
  const [eventType, setEventType] = useState(value.eventType ?? '');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply({ status: status || undefined, eventType: eventType || undefined });
  };

  const clear = () => {
    setStatus('');
    setEventType('');
    onApply({});
  };

  return (
    <form className="filters" onSubmit={submit}>
      <div className="field">
        <label htmlFor="alarms-status">Status</label>
        <select id="alarms-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">Any</option>
          {ALARM_DELIVERY_STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="alarms-event-type">Event type</label>
        <select id="alarms-event-type" value={eventType} onChange={(e) => setEventType(e.target.value)}>
          <option value="">Any</option>
          {ALARM_EVENT_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </div>
      <div className="filter-buttons">
        <button type="submit" className="primary">
          Filter
        </button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
